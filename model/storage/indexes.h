// Kafka's sparse segment indexes.
//
// OffsetIndex (.index): entries of (offset - base offset: int32, file position: int32), one per
// log.index.interval.bytes of appended data, mapping the last offset of a batch to where that
// batch starts. A lookup gives the largest entry at or below the target; the reader scans
// batches forward from there.
//
// TimeIndex (.timeindex): entries of (timestamp: int64, offset - base offset: int32), added
// with offset index entries when the largest timestamp seen has grown: the largest timestamp
// so far and the offset that carried it.
#pragma once

#include <cstdint>
#include <string>

#include "model/protocol/types.h"
#include "model/storage/index_file.h"

namespace kafkasim::storage {

struct OffsetPosition {
  Offset offset;
  std::uint32_t position = 0;
  friend bool operator==(const OffsetPosition&, const OffsetPosition&) = default;
};

struct TimestampOffset {
  std::int64_t timestamp_ms = -1;
  Offset offset;
  friend bool operator==(const TimestampOffset&, const TimestampOffset&) = default;
};

class OffsetIndex {
 public:
  OffsetIndex(Disk& disk, const std::string& path, Offset base_offset);
  // Loads and checks the entries against the segment: offsets above the base and increasing,
  // positions inside the log. Corrupt: the caller rebuilds it.
  IoStatus load(std::uint64_t log_size);
  IoStatus append(Offset offset, std::uint32_t position);
  // The largest entry with offset <= target, or (base offset, 0).
  OffsetPosition lookup(Offset target) const;
  // Drops entries with offset >= `offset`.
  IoStatus truncate_to(Offset offset);
  IoStatus reset() { return file_.truncate_entries(0); }
  IoStatus flush() { return file_.flush(); }
  IoStatus remove() { return file_.remove(); }
  std::size_t entry_count() const { return file_.entries().size(); }
  const std::string& path() const { return file_.path(); }

 private:
  // As on disk: the offset relative to the segment's base offset.
  struct Entry {
    std::int32_t relative_offset;
    std::uint32_t position;
  };
  struct Codec {
    static constexpr std::size_t kBytes = 8;
    static void encode(const Entry& e, std::uint8_t* p);
    static Entry decode(const std::uint8_t* p);
  };
  OffsetPosition absolute(const Entry& e) const { return {Offset{base_.value() + e.relative_offset}, e.position}; }

  Offset base_;
  IndexFile<Entry, Codec> file_;
};

class TimeIndex {
 public:
  TimeIndex(Disk& disk, const std::string& path, Offset base_offset);
  IoStatus load(Offset next_offset);
  // Appends when the timestamp is larger than the last entry's.
  IoStatus maybe_append(std::int64_t timestamp_ms, Offset offset);
  // The largest entry with timestamp <= target, or (-1, base offset).
  TimestampOffset lookup(std::int64_t target_ms) const;
  IoStatus truncate_to(Offset offset);
  IoStatus reset() { return file_.truncate_entries(0); }
  IoStatus flush() { return file_.flush(); }
  IoStatus remove() { return file_.remove(); }
  std::size_t entry_count() const { return file_.entries().size(); }
  TimestampOffset last_entry() const;

 private:
  struct Entry {
    std::int64_t timestamp_ms;
    std::int32_t relative_offset;
  };
  struct Codec {
    static constexpr std::size_t kBytes = 12;
    static void encode(const Entry& e, std::uint8_t* p);
    static Entry decode(const std::uint8_t* p);
  };
  TimestampOffset absolute(const Entry& e) const { return {e.timestamp_ms, Offset{base_.value() + e.relative_offset}}; }

  Offset base_;
  IndexFile<Entry, Codec> file_;
};

}  // namespace kafkasim::storage
