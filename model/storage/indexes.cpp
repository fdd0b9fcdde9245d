#include "model/storage/indexes.h"

#include <algorithm>

#include "model/storage/byte_codec.h"

namespace kafkasim::storage {
namespace {

IoStatus corrupt(const std::string& path, const std::string& why) {
  return IoStatus(IoErrc::invalid_argument, path + ": " + why);
}

}  // namespace

void OffsetIndex::Codec::encode(const Entry& e, std::uint8_t* p) {
  put_be<std::int32_t>(p, e.relative_offset);
  put_be<std::uint32_t>(p + 4, e.position);
}

OffsetIndex::Entry OffsetIndex::Codec::decode(const std::uint8_t* p) {
  return {get_be<std::int32_t>(p), get_be<std::uint32_t>(p + 4)};
}

OffsetIndex::OffsetIndex(Disk& disk, const std::string& path, Offset base_offset)
    : base_(base_offset), file_(disk, path) {}

IoStatus OffsetIndex::load(std::uint64_t log_size) {
  if (auto s = file_.load(); !s.ok()) return s;
  std::int64_t previous_offset = -1;
  std::int64_t previous_position = -1;
  for (const Entry& e : file_.entries()) {
    if (e.relative_offset < 0 || e.relative_offset <= previous_offset ||
        static_cast<std::int64_t>(e.position) <= previous_position || e.position >= log_size) {
      return corrupt(path(), "entry (" + std::to_string(e.relative_offset) + ", " +
                                 std::to_string(e.position) + ") is out of order or past the log's " +
                                 std::to_string(log_size) + " bytes");
    }
    previous_offset = e.relative_offset;
    previous_position = e.position;
  }
  return {};
}

IoStatus OffsetIndex::append(Offset offset, std::uint32_t position) {
  return file_.append(Entry{static_cast<std::int32_t>(offset.value() - base_.value()), position});
}

OffsetPosition OffsetIndex::lookup(Offset target) const {
  const auto& entries = file_.entries();
  const auto relative = target.value() - base_.value();
  auto it = std::upper_bound(entries.begin(), entries.end(), relative,
                             [](std::int64_t r, const Entry& e) { return r < e.relative_offset; });
  if (it == entries.begin()) return {base_, 0};
  return absolute(*std::prev(it));
}

IoStatus OffsetIndex::truncate_to(Offset offset) {
  const auto& entries = file_.entries();
  const auto relative = offset.value() - base_.value();
  auto it = std::lower_bound(entries.begin(), entries.end(), relative,
                             [](const Entry& e, std::int64_t r) { return e.relative_offset < r; });
  return file_.truncate_entries(static_cast<std::size_t>(it - entries.begin()));
}

void TimeIndex::Codec::encode(const Entry& e, std::uint8_t* p) {
  put_be<std::int64_t>(p, e.timestamp_ms);
  put_be<std::int32_t>(p + 8, e.relative_offset);
}

TimeIndex::Entry TimeIndex::Codec::decode(const std::uint8_t* p) {
  return {get_be<std::int64_t>(p), get_be<std::int32_t>(p + 8)};
}

TimeIndex::TimeIndex(Disk& disk, const std::string& path, Offset base_offset)
    : base_(base_offset), file_(disk, path) {}

IoStatus TimeIndex::load(Offset next_offset) {
  if (auto s = file_.load(); !s.ok()) return s;
  std::int64_t previous_ts = INT64_MIN;
  std::int32_t previous_offset = -1;
  for (const Entry& e : file_.entries()) {
    if (e.timestamp_ms <= previous_ts || e.relative_offset < previous_offset || e.relative_offset < 0 ||
        base_.value() + e.relative_offset >= next_offset.value()) {
      return corrupt(file_.path(), "entry (" + std::to_string(e.timestamp_ms) + ", " +
                                       std::to_string(e.relative_offset) + ") is out of order or past the log");
    }
    previous_ts = e.timestamp_ms;
    previous_offset = e.relative_offset;
  }
  return {};
}

IoStatus TimeIndex::maybe_append(std::int64_t timestamp_ms, Offset offset) {
  const auto& entries = file_.entries();
  if (!entries.empty() && timestamp_ms <= entries.back().timestamp_ms) return {};
  return file_.append(Entry{timestamp_ms, static_cast<std::int32_t>(offset.value() - base_.value())});
}

TimestampOffset TimeIndex::lookup(std::int64_t target_ms) const {
  const auto& entries = file_.entries();
  auto it = std::upper_bound(entries.begin(), entries.end(), target_ms,
                             [](std::int64_t t, const Entry& e) { return t < e.timestamp_ms; });
  if (it == entries.begin()) return {-1, base_};
  return absolute(*std::prev(it));
}

TimestampOffset TimeIndex::last_entry() const {
  const auto& entries = file_.entries();
  return entries.empty() ? TimestampOffset{-1, base_} : absolute(entries.back());
}

IoStatus TimeIndex::truncate_to(Offset offset) {
  const auto& entries = file_.entries();
  const auto relative = offset.value() - base_.value();
  auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.relative_offset >= relative; });
  return file_.truncate_entries(static_cast<std::size_t>(it - entries.begin()));
}

}  // namespace kafkasim::storage
