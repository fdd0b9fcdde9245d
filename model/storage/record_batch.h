// Kafka's record batch, message format v2 (magic 2), byte for byte. See FORMAT.md.
//
//   offset size field
//        0    8 baseOffset             \ the "log overhead": not covered by the CRC, so a
//        8    4 batchLength             | leader can assign offsets and its epoch in place
//       12    4 partitionLeaderEpoch    |
//       16    1 magic (2)              /
//       17    4 crc                     CRC32C of every byte from attributes to the end
//       21    2 attributes              bits 0-2 compression, 3 timestamp type,
//                                       4 transactional, 5 control, 6 delete horizon
//       23    4 lastOffsetDelta
//       27    8 baseTimestamp
//       35    8 maxTimestamp
//       43    8 producerId
//       51    2 producerEpoch
//       53    4 baseSequence
//       57    4 records count
//       61      records: length, attributes, timestampDelta, offsetDelta, key, value, headers
//               (varints zigzag-encoded)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "model/protocol/bytes.h"
#include "model/protocol/types.h"
#include "model/storage/byte_codec.h"

namespace kafkasim::storage {

inline constexpr std::int8_t kMagicV2 = 2;
inline constexpr std::size_t kLogOverhead = 12;        // baseOffset + batchLength
inline constexpr std::size_t kBatchHeaderBytes = 61;   // Kafka's RECORD_BATCH_OVERHEAD
inline constexpr std::int64_t kNoProducerId = -1;
inline constexpr std::int16_t kNoProducerEpoch = -1;
inline constexpr std::int32_t kNoSequence = -1;
inline constexpr std::int32_t kNoPartitionLeaderEpoch = -1;

namespace batch_field {
inline constexpr std::size_t base_offset = 0, batch_length = 8, partition_leader_epoch = 12,
                             magic = 16, crc = 17, attributes = 21, last_offset_delta = 23,
                             base_timestamp = 27, max_timestamp = 35, producer_id = 43,
                             producer_epoch = 51, base_sequence = 53, records_count = 57;
}

enum class TimestampType { create_time = 0, log_append_time = 1 };

struct RecordHeader {
  std::string key;
  std::optional<ByteView> value;
  friend bool operator==(const RecordHeader&, const RecordHeader&) = default;
};

struct Record {
  Offset offset;
  std::int64_t timestamp_ms = 0;
  std::optional<ByteView> key;    // nullopt: a null key
  std::optional<ByteView> value;  // nullopt: a tombstone
  std::vector<RecordHeader> headers;
  // The value of the first header named `name`; nothing when there is none or it is null.
  std::optional<ByteView> header(std::string_view name) const {
    for (const RecordHeader& h : headers) {
      if (h.key == name) return h.value;
    }
    return std::nullopt;
  }
};

// The fixed fields of a batch, decoded.
struct BatchHeader {
  Offset base_offset;
  std::int32_t batch_length = 0;
  LeaderEpoch partition_leader_epoch{kNoPartitionLeaderEpoch};
  std::int8_t magic = kMagicV2;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp_ms = 0;
  std::int64_t max_timestamp_ms = 0;
  ProducerId producer_id{kNoProducerId};
  std::int16_t producer_epoch = kNoProducerEpoch;
  std::int32_t base_sequence = kNoSequence;
  std::int32_t records_count = 0;

  Offset last_offset() const { return Offset{base_offset.value() + last_offset_delta}; }
  Offset next_offset() const { return Offset{last_offset().value() + 1}; }
  std::size_t size_bytes() const { return kLogOverhead + static_cast<std::size_t>(batch_length); }
  TimestampType timestamp_type() const { return (attributes & 0x08) ? TimestampType::log_append_time : TimestampType::create_time; }
  bool is_transactional() const { return (attributes & 0x10) != 0; }
  bool is_control() const { return (attributes & 0x20) != 0; }
};

// Bytes looked at, not owned: what the builder encodes from during a call, and what a
// RecordView points into while its batch lives.
using ByteSpan = std::span<const std::uint8_t>;
struct RecordHeaderSpan {
  std::string_view key;
  std::optional<ByteSpan> value;
};
inline ByteSpan bytes_of(std::string_view text) { return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}; }
inline std::string_view text_of(ByteSpan bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

// Builds one batch. Records get offsets base_offset, base_offset + 1, ... Each record is
// encoded as it is appended (a producer's batch is built from its pending records' own bytes,
// with no copy of them kept), and build() puts the header in front.
class RecordBatchBuilder {
 public:
  RecordBatchBuilder(Offset base_offset, std::int64_t base_timestamp_ms);
  RecordBatchBuilder& producer(ProducerId id, std::int16_t epoch, std::int32_t base_sequence);
  RecordBatchBuilder& partition_leader_epoch(LeaderEpoch epoch);
  RecordBatchBuilder& transactional(bool on);

  void append(std::int64_t timestamp_ms, std::optional<ByteView> key, std::optional<ByteView> value,
              const std::vector<RecordHeader>& headers = {});
  void append(std::int64_t timestamp_ms, std::optional<ByteSpan> key, std::optional<ByteSpan> value,
              std::span<const RecordHeaderSpan> headers);
  // Appends a record with a chosen offset delta (as compaction leaves gaps); deltas increase.
  void append_with_offset(Offset offset, std::int64_t timestamp_ms, std::optional<ByteView> key,
                          std::optional<ByteView> value, const std::vector<RecordHeader>& headers = {});
  void append_with_offset(Offset offset, std::int64_t timestamp_ms, std::optional<ByteSpan> key,
                          std::optional<ByteSpan> value, std::span<const RecordHeaderSpan> headers);
  // Keeps lastOffsetDelta although the last records were removed (as compaction does).
  void set_last_offset(Offset last);
  std::size_t record_count() const { return record_count_; }
  std::size_t size_bytes() const { return encoded_.size(); }
  ByteView build() const;

 private:
  // The offset append() gives the next record: one past the last appended, or the base.
  Offset next_offset() const { return last_appended_ ? Offset{last_appended_->value() + 1} : header_.base_offset; }

  BatchHeader header_;
  std::optional<std::int32_t> last_offset_delta_;
  std::optional<Offset> last_appended_;
  std::size_t record_count_ = 0;
  std::int64_t max_timestamp_ms_;
  Buffer encoded_;  // kBatchHeaderBytes of room for the header, then the records
};

// One batch's bytes, with its fixed fields decoded. Parsing checks the framing (size, length,
// magic); the CRC is checked separately, because a reader may want the header of a corrupt
// batch to report it.
class RecordBatchView {
 public:
  // The batch must fill `bytes` exactly. On failure, says why in `error`.
  static std::optional<RecordBatchView> parse(const ByteView& bytes, std::string* error = nullptr);

  const BatchHeader& header() const { return header_; }
  const ByteView& bytes() const { return bytes_; }
  std::uint32_t computed_crc() const;
  bool crc_ok() const { return computed_crc() == header_.crc; }
  // Every record; nullopt when the records do not decode as the header says.
  std::optional<std::vector<Record>> records() const;
  // The first record alone (for its headers), without decoding the rest.
  std::optional<Record> first_record() const;
  // Whether records() would succeed, without building them: what a leader checks on append.
  bool records_valid() const;

 private:
  RecordBatchView(ByteView bytes, BatchHeader header) : bytes_(std::move(bytes)), header_(header) {}
  ByteView bytes_;
  BatchHeader header_;
};

// One record as it lies in its batch: views of the batch's bytes, valid while they are.
struct RecordView {
  Offset offset;
  std::int64_t timestamp_ms = 0;
  std::optional<ByteSpan> key;
  std::optional<ByteSpan> value;
  boost::container::small_vector<RecordHeaderSpan, 2> headers;
  // The value of the first header named `name`; nothing when there is none or it is null.
  std::optional<ByteSpan> header(std::string_view name) const;
};

// A batch's records one at a time, decoded in place: the one decoder behind records(),
// first_record() and records_valid(), and what a reader that copies what it needs uses.
class RecordReader {
 public:
  // `batch` (the view and its bytes) must outlive the reader and the records it reads.
  explicit RecordReader(const RecordBatchView& batch);
  // Reads the next record into `record`: false after the last, or where the bytes do not
  // decode as the header says (then !ok()).
  bool next(RecordView& record);
  // No record failed to decode and, once the last was read, no bytes were left over.
  bool ok() const { return ok_; }

 private:
  const BatchHeader& header_;
  ByteReader in_;
  std::int32_t read_ = 0;
  std::int32_t previous_delta_ = -1;
  bool ok_ = true;
};

// The fixed fields of the batch starting at `p`, which must hold kBatchHeaderBytes bytes.
BatchHeader decode_batch_header(const std::uint8_t* p);

// The total size of the batch starting at `p`, from its batchLength field, or nothing when
// fewer than kLogOverhead bytes are available or the length is impossible.
std::optional<std::size_t> batch_size_at(const std::uint8_t* p, std::size_t available);

// A copy of the batch with its base offset and partition leader epoch set: the two fields a
// leader assigns on append. They lie outside the CRC, which stays valid.
ByteView with_offset_and_epoch(const ByteView& batch, Offset base_offset, LeaderEpoch epoch);

// Empty when the batch is whole and sound (framing, CRC, records); else what is wrong.
std::string validate_batch(const ByteView& batch);

}  // namespace kafkasim::storage
