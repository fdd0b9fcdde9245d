#include "model/storage/leader_epoch_cache.h"

#include <algorithm>
#include <sstream>

namespace kafkasim::storage {

IoStatus LeaderEpochFileCache::load() {
  entries_.clear();
  auto lines = checkpoint_.read(0);
  if (!lines.ok()) return lines.status().code() == IoErrc::not_found ? IoStatus{} : lines.status();
  std::vector<EpochEntry> loaded;
  for (std::size_t i = 0; i < lines.value().size(); ++i) {
    std::istringstream fields(lines.value()[i]);
    std::int32_t epoch = -1;
    std::int64_t offset = -1;
    std::string rest;
    if (!(fields >> epoch >> offset) || (fields >> rest) || epoch < 0 || offset < 0 ||
        (!loaded.empty() && (epoch <= loaded.back().epoch.value() || offset < loaded.back().start_offset.value()))) {
      return IoStatus(IoErrc::invalid_argument, checkpoint_.path() + ":" + std::to_string(i + 3) +
                                                    ": bad epoch entry \"" + lines.value()[i] + "\"");
    }
    loaded.push_back({LeaderEpoch{epoch}, Offset{offset}});
  }
  entries_ = std::move(loaded);
  return {};
}

IoStatus LeaderEpochFileCache::flush() {
  std::vector<std::string> lines;
  for (const auto& e : entries_) {
    lines.push_back(std::to_string(e.epoch.value()) + " " + std::to_string(e.start_offset.value()));
  }
  return checkpoint_.write(0, lines);
}

IoStatus LeaderEpochFileCache::assign(LeaderEpoch epoch, Offset start_offset) {
  if (epoch.value() < 0 || start_offset.value() < 0) {
    return IoStatus(IoErrc::invalid_argument, "invalid leader epoch entry (" + std::to_string(epoch.value()) +
                                                  ", " + std::to_string(start_offset.value()) + ")");
  }
  if (!entries_.empty() && entries_.back().epoch == epoch && start_offset >= entries_.back().start_offset) {
    return {};
  }
  while (!entries_.empty() && (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset)) {
    entries_.pop_back();
  }
  entries_.push_back({epoch, start_offset});
  return flush();
}

std::pair<LeaderEpoch, Offset> LeaderEpochFileCache::end_offset_for(LeaderEpoch requested, Offset log_end_offset) const {
  if (requested == kUndefinedEpoch || entries_.empty()) return {kUndefinedEpoch, kUndefinedOffset};
  if (entries_.back().epoch == requested) return {requested, log_end_offset};
  const auto higher = std::upper_bound(entries_.begin(), entries_.end(), requested,
                                       [](LeaderEpoch e, const EpochEntry& x) { return e < x.epoch; });
  if (higher == entries_.end()) return {kUndefinedEpoch, kUndefinedOffset};
  if (higher == entries_.begin()) return {requested, higher->start_offset};  // older than anything kept
  return {std::prev(higher)->epoch, higher->start_offset};
}

IoStatus LeaderEpochFileCache::truncate_from_end(Offset end_offset) {
  if (end_offset.value() < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return {};
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return flush();
}

IoStatus LeaderEpochFileCache::truncate_from_start(Offset start_offset) {
  auto first_kept = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const EpochEntry& e) { return e.start_offset > start_offset; });
  if (first_kept == entries_.begin()) return {};
  const LeaderEpoch spanning = std::prev(first_kept)->epoch;
  entries_.erase(entries_.begin(), first_kept);
  entries_.insert(entries_.begin(), EpochEntry{spanning, start_offset});
  return flush();
}

IoStatus LeaderEpochFileCache::clear() {
  entries_.clear();
  return flush();
}

std::optional<EpochEntry> LeaderEpochFileCache::latest_entry() const {
  return entries_.empty() ? std::nullopt : std::optional<EpochEntry>(entries_.back());
}

std::optional<LeaderEpoch> LeaderEpochFileCache::latest_epoch() const {
  return entries_.empty() ? std::nullopt : std::optional<LeaderEpoch>(entries_.back().epoch);
}

}  // namespace kafkasim::storage
