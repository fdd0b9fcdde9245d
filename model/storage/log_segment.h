// One segment of a partition's log: the .log file of batches, and its two sparse indexes.
//
// Files are named by the segment's base offset in 20 digits, as Kafka names them:
// 00000000000000000000.log, .index, .timeindex.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/storage/disk.h"
#include "model/storage/indexes.h"
#include "model/storage/record_batch.h"
#include "model/storage/records.h"

namespace kafkasim::storage {

std::string segment_file_name(Offset base_offset, const std::string& suffix);

struct SegmentConfig {
  std::int64_t index_interval_bytes = 4096;
  // Only for proving the torn_record_visible checker: recovery keeps batches whose checksum
  // fails, as long as they are whole, as no Kafka does.
  bool test_only_recovery_skips_checksums = false;
};

// Where a batch starts in the .log file, and its header.
struct BatchPosition {
  std::uint64_t position = 0;
  BatchHeader header;
};

struct SegmentRecovery {
  std::uint64_t valid_bytes = 0;
  std::uint64_t truncated_bytes = 0;
  std::string reason;  // why the tail was cut; empty when nothing was
};

class LogSegment {
 public:
  // Opens the segment's files, creating them if missing. Call recover() or load() next.
  static IoResult<std::unique_ptr<LogSegment>> open(Disk& disk, const std::string& dir, Offset base_offset,
                                                    SegmentConfig config, std::int64_t created_ms);

  Offset base_offset() const { return base_; }
  std::uint64_t size() const { return log_->size(); }
  bool empty() const { return size() == 0; }
  // The offset after the segment's last batch (the base offset when empty).
  Offset next_offset() const { return next_offset_; }
  std::int64_t max_timestamp_ms() const { return max_timestamp_ms_; }
  // When log.roll.ms counts from: the first batch's max timestamp, or the segment's creation.
  std::int64_t rolling_base_timestamp_ms() const { return rolling_base_ms_.value_or(created_ms_); }
  const std::string& log_path() const { return log_->path(); }

  // Appends one batch, already validated and given its offsets by the Log.
  IoStatus append(const ByteView& batch, const BatchHeader& header);

  // The batch holding `offset` (the first whose last offset >= offset), found from the index.
  IoResult<std::optional<BatchPosition>> find_batch(Offset offset);
  // Whole batches from the one holding `start`: at most max_bytes (but at least one batch when
  // min_one_batch), none at or past `max_position`. Empty when nothing is there.
  IoResult<Records> read(Offset start, std::size_t max_bytes, std::uint64_t max_position, bool min_one_batch);
  // The first offset whose batch has a max timestamp >= target, if any.
  IoResult<std::optional<Offset>> find_offset_by_timestamp(std::int64_t target_ms);
  // Every batch, in order (for compaction and tests).
  IoResult<std::vector<ByteView>> batches();

  // Scans every batch, rebuilding both indexes, and cuts the file at the first batch that is
  // torn, fails its CRC or goes back in offsets.
  IoResult<SegmentRecovery> recover();
  // For a segment below the recovery point: loads the indexes (rebuilding a corrupt one) and
  // finds the next offset. True when an index had to be rebuilt.
  IoResult<bool> load();
  // Removes every batch whose last offset is >= offset; returns the bytes removed.
  IoResult<std::uint64_t> truncate_to(Offset offset);
  IoStatus flush();
  IoStatus remove_files();
  // Replaces the .log with other bytes holding the same offsets (compaction), and rebuilds the
  // indexes. `replacement` is a file in the same folder, already synced.
  IoStatus replace_log_with(const std::string& replacement);

 private:
  LogSegment(Disk& disk, std::string dir, Offset base, SegmentConfig config, std::int64_t created_ms,
             std::unique_ptr<File> log);
  IoResult<std::optional<BatchPosition>> header_at(std::uint64_t position);
  // Adds index entries as Kafka does: one per index_interval_bytes of appended batches.
  IoStatus index_batch(const BatchHeader& header, std::uint64_t position);
  void reset_counters();

  Disk& disk_;
  std::string dir_;
  Offset base_;
  SegmentConfig config_;
  std::int64_t created_ms_;
  std::unique_ptr<File> log_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  Offset next_offset_;
  std::int64_t max_timestamp_ms_ = -1;
  Offset offset_of_max_timestamp_;
  std::optional<std::int64_t> rolling_base_ms_;
  std::int64_t bytes_since_last_index_entry_ = 0;
};

}  // namespace kafkasim::storage
