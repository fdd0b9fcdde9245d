#include "model/storage/record_batch.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "model/storage/byte_codec.h"
#include "model/storage/crc32c.h"

namespace kafkasim::storage {
namespace {

std::size_t nullable_size(const std::optional<ByteSpan>& v) {
  return v ? varlong_size(static_cast<std::int64_t>(v->size())) + v->size() : varlong_size(-1);
}

void put_nullable(Buffer& out, const std::optional<ByteSpan>& v) {
  if (!v) {
    put_varint(out, -1);
    return;
  }
  put_varint(out, static_cast<std::int32_t>(v->size()));
  out.insert(out.end(), v->begin(), v->end());
}

std::optional<ByteSpan> span_of(const std::optional<ByteView>& v) {
  return v ? std::optional<ByteSpan>(v->span()) : std::nullopt;
}

std::optional<ByteView> read_nullable(ByteReader& in, const ByteView& batch) {
  const std::int32_t length = in.varint();
  if (length < 0) {
    if (length != -1) in.bytes(SIZE_MAX);  // an impossible length: fail the reader
    return std::nullopt;
  }
  const std::uint8_t* p = in.bytes(static_cast<std::size_t>(length));
  if (p == nullptr) return std::nullopt;
  return batch.slice(static_cast<std::size_t>(p - batch.data()), static_cast<std::size_t>(length));
}

}  // namespace

RecordBatchBuilder::RecordBatchBuilder(Offset base_offset, std::int64_t base_timestamp_ms)
    : max_timestamp_ms_(base_timestamp_ms), encoded_(kBatchHeaderBytes) {
  header_.base_offset = base_offset;
  header_.base_timestamp_ms = base_timestamp_ms;
}

RecordBatchBuilder& RecordBatchBuilder::producer(ProducerId id, std::int16_t epoch, std::int32_t base_sequence) {
  header_.producer_id = id;
  header_.producer_epoch = epoch;
  header_.base_sequence = base_sequence;
  return *this;
}

RecordBatchBuilder& RecordBatchBuilder::partition_leader_epoch(LeaderEpoch epoch) {
  header_.partition_leader_epoch = epoch;
  return *this;
}

RecordBatchBuilder& RecordBatchBuilder::transactional(bool on) {
  header_.attributes = static_cast<std::int16_t>(on ? (header_.attributes | 0x10) : (header_.attributes & ~0x10));
  return *this;
}

void RecordBatchBuilder::append(std::int64_t timestamp_ms, std::optional<ByteView> key,
                                std::optional<ByteView> value, const std::vector<RecordHeader>& headers) {
  append_with_offset(last_appended_ ? Offset{last_appended_->value() + 1} : header_.base_offset, timestamp_ms,
                     std::move(key), std::move(value), headers);
}

void RecordBatchBuilder::append(std::int64_t timestamp_ms, std::optional<ByteSpan> key,
                                std::optional<ByteSpan> value, std::span<const RecordHeaderSpan> headers) {
  append_with_offset(last_appended_ ? Offset{last_appended_->value() + 1} : header_.base_offset, timestamp_ms, key,
                     value, headers);
}

void RecordBatchBuilder::append_with_offset(Offset offset, std::int64_t timestamp_ms,
                                            std::optional<ByteView> key, std::optional<ByteView> value,
                                            const std::vector<RecordHeader>& headers) {
  std::vector<RecordHeaderSpan> spans;
  spans.reserve(headers.size());
  for (const RecordHeader& h : headers) spans.push_back({h.key, span_of(h.value)});
  append_with_offset(offset, timestamp_ms, span_of(key), span_of(value), spans);
}

void RecordBatchBuilder::append_with_offset(Offset offset, std::int64_t timestamp_ms, std::optional<ByteSpan> key,
                                            std::optional<ByteSpan> value, std::span<const RecordHeaderSpan> headers) {
  assert(offset >= header_.base_offset && (!last_appended_ || offset > *last_appended_));
  const std::int64_t timestamp_delta = timestamp_ms - header_.base_timestamp_ms;
  const auto offset_delta = static_cast<std::int32_t>(offset.value() - header_.base_offset.value());
  // The body (everything after the record's length field) is sized first: the length leads.
  std::size_t body = 1 + varlong_size(timestamp_delta) + varlong_size(offset_delta) + nullable_size(key) +
                     nullable_size(value) + varlong_size(static_cast<std::int64_t>(headers.size()));
  for (const auto& h : headers) {
    body += varlong_size(static_cast<std::int64_t>(h.key.size())) + h.key.size() + nullable_size(h.value);
  }
  put_varint(encoded_, static_cast<std::int32_t>(body));
  encoded_.push_back(0);  // record attributes: unused
  put_varlong(encoded_, timestamp_delta);
  put_varint(encoded_, offset_delta);
  put_nullable(encoded_, key);
  put_nullable(encoded_, value);
  put_varint(encoded_, static_cast<std::int32_t>(headers.size()));
  for (const auto& h : headers) {
    put_varint(encoded_, static_cast<std::int32_t>(h.key.size()));
    encoded_.insert(encoded_.end(), h.key.begin(), h.key.end());
    put_nullable(encoded_, h.value);
  }
  max_timestamp_ms_ = std::max(max_timestamp_ms_, timestamp_ms);
  last_appended_ = offset;
  ++record_count_;
}

void RecordBatchBuilder::set_last_offset(Offset last) {
  last_offset_delta_ = static_cast<std::int32_t>(last.value() - header_.base_offset.value());
}

ByteView RecordBatchBuilder::build() const {
  Buffer out = encoded_;
  const std::int32_t last_delta = last_offset_delta_.value_or(
      last_appended_ ? static_cast<std::int32_t>(last_appended_->value() - header_.base_offset.value()) : 0);
  std::uint8_t* p = out.data();
  namespace f = batch_field;
  put_be<std::int64_t>(p + f::base_offset, header_.base_offset.value());
  put_be<std::int32_t>(p + f::batch_length, static_cast<std::int32_t>(out.size() - kLogOverhead));
  put_be<std::int32_t>(p + f::partition_leader_epoch, header_.partition_leader_epoch.value());
  p[f::magic] = static_cast<std::uint8_t>(kMagicV2);
  put_be<std::int16_t>(p + f::attributes, header_.attributes);
  put_be<std::int32_t>(p + f::last_offset_delta, last_delta);
  put_be<std::int64_t>(p + f::base_timestamp, header_.base_timestamp_ms);
  put_be<std::int64_t>(p + f::max_timestamp, max_timestamp_ms_);
  put_be<std::int64_t>(p + f::producer_id, header_.producer_id.value());
  put_be<std::int16_t>(p + f::producer_epoch, header_.producer_epoch);
  put_be<std::int32_t>(p + f::base_sequence, header_.base_sequence);
  put_be<std::int32_t>(p + f::records_count, static_cast<std::int32_t>(record_count_));
  put_be<std::uint32_t>(p + f::crc, crc32c(p + f::attributes, out.size() - f::attributes));
  return ByteView::from(std::move(out));
}

std::optional<std::size_t> batch_size_at(const std::uint8_t* p, std::size_t available) {
  if (available < kLogOverhead) return std::nullopt;
  const auto length = get_be<std::int32_t>(p + batch_field::batch_length);
  if (length < static_cast<std::int32_t>(kBatchHeaderBytes - kLogOverhead)) return std::nullopt;
  return kLogOverhead + static_cast<std::size_t>(length);
}

BatchHeader decode_batch_header(const std::uint8_t* p) {
  namespace f = batch_field;
  BatchHeader h;
  h.base_offset = Offset{get_be<std::int64_t>(p + f::base_offset)};
  h.batch_length = get_be<std::int32_t>(p + f::batch_length);
  h.partition_leader_epoch = LeaderEpoch{get_be<std::int32_t>(p + f::partition_leader_epoch)};
  h.magic = static_cast<std::int8_t>(p[f::magic]);
  h.crc = get_be<std::uint32_t>(p + f::crc);
  h.attributes = get_be<std::int16_t>(p + f::attributes);
  h.last_offset_delta = get_be<std::int32_t>(p + f::last_offset_delta);
  h.base_timestamp_ms = get_be<std::int64_t>(p + f::base_timestamp);
  h.max_timestamp_ms = get_be<std::int64_t>(p + f::max_timestamp);
  h.producer_id = ProducerId{get_be<std::int64_t>(p + f::producer_id)};
  h.producer_epoch = get_be<std::int16_t>(p + f::producer_epoch);
  h.base_sequence = get_be<std::int32_t>(p + f::base_sequence);
  h.records_count = get_be<std::int32_t>(p + f::records_count);
  return h;
}

std::optional<RecordBatchView> RecordBatchView::parse(const ByteView& bytes, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<RecordBatchView> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (bytes.size() < kBatchHeaderBytes) {
    return fail("batch of " + std::to_string(bytes.size()) + " bytes is shorter than its 61-byte header");
  }
  const BatchHeader h = decode_batch_header(bytes.data());
  if (h.batch_length < 0 || h.size_bytes() != bytes.size()) {
    return fail("batchLength " + std::to_string(h.batch_length) + " does not match the " +
                std::to_string(bytes.size()) + " bytes of the batch");
  }
  if (h.magic != kMagicV2) return fail("magic " + std::to_string(h.magic) + " is not 2");
  if (h.last_offset_delta < 0 || h.records_count < 0 || h.records_count > h.last_offset_delta + 1) {
    return fail("records count " + std::to_string(h.records_count) + " does not fit lastOffsetDelta " +
                std::to_string(h.last_offset_delta));
  }
  return RecordBatchView(bytes, h);
}

std::uint32_t RecordBatchView::computed_crc() const {
  return crc32c(bytes_.data() + batch_field::attributes, bytes_.size() - batch_field::attributes);
}

namespace {

// Decodes the record at `in` (of a batch with `header`); its offset delta must follow
// `previous_delta`, which it then becomes.
std::optional<Record> decode_record(ByteReader& in, const BatchHeader& header, const ByteView& batch,
                                    std::int32_t& previous_delta) {
  const std::int32_t length = in.varint();
  if (!in.ok() || length < 0 || static_cast<std::size_t>(length) > in.remaining()) return std::nullopt;
  const std::uint8_t* end = in.position() + length;
  Record r;
  in.fixed<std::int8_t>();  // attributes
  r.timestamp_ms = header.base_timestamp_ms + in.varlong();
  const std::int32_t delta = in.varint();
  if (delta <= previous_delta || delta > header.last_offset_delta) return std::nullopt;
  previous_delta = delta;
  r.offset = Offset{header.base_offset.value() + delta};
  r.key = read_nullable(in, batch);
  r.value = read_nullable(in, batch);
  const std::int32_t header_count = in.varint();
  if (header_count < 0) return std::nullopt;
  for (std::int32_t k = 0; k < header_count && in.ok(); ++k) {
    const std::int32_t key_length = in.varint();
    const std::uint8_t* key = key_length >= 0 ? in.bytes(static_cast<std::size_t>(key_length)) : nullptr;
    if (key == nullptr) return std::nullopt;
    RecordHeader h{std::string(key, key + key_length), read_nullable(in, batch)};
    r.headers.push_back(std::move(h));
  }
  if (!in.ok() || in.position() != end) return std::nullopt;
  return r;
}

}  // namespace

std::optional<std::vector<Record>> RecordBatchView::records() const {
  ByteReader in(bytes_.data() + kBatchHeaderBytes, bytes_.size() - kBatchHeaderBytes);
  std::vector<Record> out;
  out.reserve(static_cast<std::size_t>(header_.records_count));
  std::int32_t previous_delta = -1;
  for (std::int32_t i = 0; i < header_.records_count; ++i) {
    auto r = decode_record(in, header_, bytes_, previous_delta);
    if (!r) return std::nullopt;
    out.push_back(std::move(*r));
  }
  if (in.remaining() != 0) return std::nullopt;
  return out;
}

std::optional<Record> RecordBatchView::first_record() const {
  if (header_.records_count <= 0) return std::nullopt;
  ByteReader in(bytes_.data() + kBatchHeaderBytes, bytes_.size() - kBatchHeaderBytes);
  std::int32_t previous_delta = -1;
  return decode_record(in, header_, bytes_, previous_delta);
}

bool RecordBatchView::records_valid() const {
  ByteReader in(bytes_.data() + kBatchHeaderBytes, bytes_.size() - kBatchHeaderBytes);
  auto skip_nullable = [&in] {
    const std::int32_t length = in.varint();
    if (length >= 0) return in.bytes(static_cast<std::size_t>(length)) != nullptr;
    return length == -1;
  };
  std::int32_t previous_delta = -1;
  for (std::int32_t i = 0; i < header_.records_count; ++i) {
    const std::int32_t length = in.varint();
    if (!in.ok() || length < 0 || static_cast<std::size_t>(length) > in.remaining()) return false;
    const std::uint8_t* end = in.position() + length;
    in.fixed<std::int8_t>();
    in.varlong();
    const std::int32_t delta = in.varint();
    if (delta <= previous_delta || delta > header_.last_offset_delta) return false;
    previous_delta = delta;
    if (!skip_nullable() || !skip_nullable()) return false;
    const std::int32_t header_count = in.varint();
    if (header_count < 0) return false;
    for (std::int32_t k = 0; k < header_count; ++k) {
      const std::int32_t key_length = in.varint();
      if (key_length < 0 || in.bytes(static_cast<std::size_t>(key_length)) == nullptr || !skip_nullable()) return false;
    }
    if (!in.ok() || in.position() != end) return false;
  }
  return in.ok() && in.remaining() == 0;
}

ByteView with_offset_and_epoch(const ByteView& batch, Offset base_offset, LeaderEpoch epoch) {
  Buffer copy(batch.data(), batch.data() + batch.size());
  put_be<std::int64_t>(copy.data() + batch_field::base_offset, base_offset.value());
  put_be<std::int32_t>(copy.data() + batch_field::partition_leader_epoch, epoch.value());
  return ByteView::from(std::move(copy));
}

std::string validate_batch(const ByteView& batch) {
  std::string error;
  const auto view = RecordBatchView::parse(batch, &error);
  if (!view) return error;
  if (!view->crc_ok()) return "CRC mismatch: stored " + std::to_string(view->header().crc) +
                              ", computed " + std::to_string(view->computed_crc());
  if (!view->records_valid()) return "records do not decode as the header says";
  return {};
}

}  // namespace kafkasim::storage
