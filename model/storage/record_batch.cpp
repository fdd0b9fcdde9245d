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
  append_with_offset(next_offset(), timestamp_ms, std::move(key), std::move(value), headers);
}

void RecordBatchBuilder::append(std::int64_t timestamp_ms, std::optional<ByteSpan> key,
                                std::optional<ByteSpan> value, std::span<const RecordHeaderSpan> headers) {
  append_with_offset(next_offset(), timestamp_ms, key, value, headers);
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

std::optional<ByteSpan> read_nullable(ByteReader& in) {
  const std::int32_t length = in.varint();
  if (length < 0) {
    if (length != -1) in.bytes(SIZE_MAX);  // an impossible length: fail the reader
    return std::nullopt;
  }
  const std::uint8_t* p = in.bytes(static_cast<std::size_t>(length));
  if (p == nullptr) return std::nullopt;
  return ByteSpan(p, static_cast<std::size_t>(length));
}

}  // namespace

std::optional<ByteSpan> RecordView::header(std::string_view name) const {
  for (const RecordHeaderSpan& h : headers) {
    if (h.key == name) return h.value;
  }
  return std::nullopt;
}

RecordReader::RecordReader(const RecordBatchView& batch)
    : header_(batch.header()),
      in_(batch.bytes().data() + kBatchHeaderBytes, batch.bytes().size() - kBatchHeaderBytes) {}

bool RecordReader::next(RecordView& r) {
  if (!ok_) return false;
  if (read_ == header_.records_count) {
    ok_ = in_.ok() && in_.remaining() == 0;
    return false;
  }
  const auto fail = [this] { return ok_ = false; };
  const std::int32_t length = in_.varint();
  if (!in_.ok() || length < 0 || static_cast<std::size_t>(length) > in_.remaining()) return fail();
  const std::uint8_t* end = in_.position() + length;
  r.headers.clear();
  in_.fixed<std::int8_t>();  // attributes
  r.timestamp_ms = header_.base_timestamp_ms + in_.varlong();
  const std::int32_t delta = in_.varint();
  if (delta <= previous_delta_ || delta > header_.last_offset_delta) return fail();
  previous_delta_ = delta;
  r.offset = Offset{header_.base_offset.value() + delta};
  r.key = read_nullable(in_);
  r.value = read_nullable(in_);
  const std::int32_t header_count = in_.varint();
  if (header_count < 0) return fail();
  for (std::int32_t k = 0; k < header_count && in_.ok(); ++k) {
    const std::int32_t key_length = in_.varint();
    const std::uint8_t* key = key_length >= 0 ? in_.bytes(static_cast<std::size_t>(key_length)) : nullptr;
    if (key == nullptr) return fail();
    const std::string_view key_text(reinterpret_cast<const char*>(key), static_cast<std::size_t>(key_length));
    r.headers.push_back({key_text, read_nullable(in_)});
  }
  if (!in_.ok() || in_.position() != end) return fail();
  ++read_;
  return true;
}

namespace {

// A record that owns its bytes: views of `view` turned into slices of the batch's buffer.
Record to_record(const RecordView& view, const ByteView& batch) {
  const auto slice = [&batch](const std::optional<ByteSpan>& s) -> std::optional<ByteView> {
    if (!s) return std::nullopt;
    return batch.slice(static_cast<std::size_t>(s->data() - batch.data()), s->size());
  };
  Record r{view.offset, view.timestamp_ms, slice(view.key), slice(view.value), {}};
  r.headers.reserve(view.headers.size());
  for (const RecordHeaderSpan& h : view.headers) r.headers.push_back({std::string(h.key), slice(h.value)});
  return r;
}

}  // namespace

std::optional<std::vector<Record>> RecordBatchView::records() const {
  RecordReader reader(*this);
  std::vector<Record> out;
  out.reserve(static_cast<std::size_t>(std::max(header_.records_count, 0)));
  for (RecordView r; reader.next(r);) out.push_back(to_record(r, bytes_));
  if (!reader.ok()) return std::nullopt;
  return out;
}

std::optional<Record> RecordBatchView::first_record() const {
  RecordView first;
  return RecordReader(*this).next(first) ? std::optional<Record>(to_record(first, bytes_)) : std::nullopt;
}

bool RecordBatchView::records_valid() const {
  RecordReader reader(*this);
  for (RecordView r; reader.next(r);) {
  }
  return reader.ok();
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
