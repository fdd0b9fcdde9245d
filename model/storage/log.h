// A partition's log: an ordered list of segments, Kafka's Log (UnifiedLog and LocalLog).
//
// The log assigns offsets to what a leader appends, keeps what a follower appends at the
// offsets it came with, serves reads of whole batches bounded by an offset (the high
// watermark, for consumers), rolls segments by size and age, flushes by message count or
// time, truncates (a follower diverging from its leader), recovers on open from the recovery
// point, and enforces retention (time, size, log start offset) or compaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/storage/disk.h"
#include "model/storage/leader_epoch_cache.h"
#include "model/storage/log_segment.h"
#include "model/storage/producer_state.h"
#include "model/storage/records.h"

namespace kafkasim::storage {

// Kafka's topic and broker settings for one log, with Kafka's defaults.
struct LogConfig {
  std::int64_t segment_bytes = 1073741824;                   // log.segment.bytes
  std::int64_t segment_ms = 7LL * 24 * 3600 * 1000;          // log.roll.ms
  std::int64_t index_interval_bytes = 4096;                  // log.index.interval.bytes
  std::int64_t flush_interval_messages = INT64_MAX;          // log.flush.interval.messages
  std::int64_t flush_interval_ms = INT64_MAX;                // log.flush.interval.ms
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;        // retention.ms; -1: forever
  std::int64_t retention_bytes = -1;                         // retention.bytes; -1: no limit
  bool compact = false;                                      // cleanup.policy=compact
  std::int64_t delete_retention_ms = 24LL * 3600 * 1000;     // delete.retention.ms
  std::int64_t max_message_bytes = 1048588;                  // max.message.bytes
  bool test_only_recovery_skips_checksums = false;           // see SegmentConfig
  // A deliberately broken leader, as before idempotence (0.11): a retry of a batch it holds
  // is written again instead of answered with the original's offsets.
  bool test_only_writes_duplicates = false;
};

// The name of a partition's folder: "orders-0".
std::string log_dir_name(const TopicPartition& tp);

struct LogAppendInfo {
  Offset first_offset;
  Offset last_offset;
  std::int64_t max_timestamp_ms = -1;
  std::int32_t record_count = 0;
  std::size_t bytes = 0;
  // The batches as written, offsets and epoch assigned, for the trace.
  std::vector<BatchHeader> batches;
  // A retry of an idempotent batch already in the log: nothing was written, and the offsets
  // are those of the original.
  bool duplicate = false;
};

struct FetchDataInfo {
  Offset fetch_offset;
  Records records;
  bool out_of_range = false;  // start lay before the log start offset or after the end
};

// What opening a log found on disk and repaired.
struct LogRecovery {
  std::uint64_t bytes_truncated = 0;
  int segments_recovered = 0;
  int segments_deleted = 0;  // after a corrupt segment, every later one goes
  int indexes_rebuilt = 0;
  bool epoch_cache_rebuilt = false;
  std::vector<std::string> notes;  // one line per repair, naming the file
};

struct CompactionResult {
  int segments_cleaned = 0;
  std::int64_t records_removed = 0;
  std::int64_t tombstones_removed = 0;
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

class Log {
 public:
  // Opens the log in `dir` (creating it), recovering every segment at or after
  // `recovery_point`: batches are checked, a torn or corrupt tail is cut, indexes are rebuilt.
  static IoResult<std::unique_ptr<Log>> open(Disk& disk, std::string dir, LogConfig config, Offset recovery_point,
                                             Offset log_start_offset, std::int64_t now_ms);

  const std::string& dir() const { return dir_; }
  const LogConfig& config() const { return config_; }
  const LogRecovery& recovery() const { return recovery_; }
  Offset log_start_offset() const { return log_start_offset_; }
  Offset log_end_offset() const { return active().next_offset(); }
  Offset recovery_point() const { return recovery_point_; }
  std::size_t segment_count() const { return segments_.size(); }
  std::vector<Offset> segment_base_offsets() const;
  std::uint64_t size_bytes() const;
  LeaderEpochFileCache& epoch_cache() { return epoch_cache_; }
  const ProducerStateManager& producer_state() const { return producer_state_; }

  // Appends whole batches as the leader: offsets from the log end, stamped with `epoch`.
  // Rejects (invalid_argument) a batch that fails its CRC, does not decode, or is too large,
  // and (out_of_order_sequence, invalid_producer_epoch) one the idempotence checks refuse.
  // All batches are checked before any is written.
  IoResult<LogAppendInfo> append_as_leader(const Records& records, LeaderEpoch epoch, std::int64_t now_ms);
  // Appends whole batches as a follower: they keep their offsets and epochs, which must
  // continue the log.
  IoResult<LogAppendInfo> append_as_follower(const Records& records, std::int64_t now_ms);
  // Told of every batch the moment its bytes are in the segment file, before any flush: an
  // append that fails afterwards (its fsync, a later batch) still leaves these bytes for
  // recovery to find, and whoever records the log's history must know them.
  using AppendListener = std::function<void(const BatchHeader& header, const ByteView& batch, bool as_leader)>;
  void set_append_listener(AppendListener listener) { append_listener_ = std::move(listener); }

  // Whole batches from the one holding `start`, all below `max_offset` (exclusive: the high
  // watermark for a consumer, the log end for a follower), up to max_bytes, or at least one
  // batch when min_one_batch.
  IoResult<FetchDataInfo> read(Offset start, std::size_t max_bytes, Offset max_offset, bool min_one_batch);
  // Every batch from the one holding `from` to the log end, across segments (read() stops at
  // a segment's end, as Kafka's does; loading a log's contents reads on, as Kafka's loaders do).
  IoResult<std::vector<ByteView>> read_to_end(Offset from);
  // The first offset with a timestamp at or after target (ListOffsets by time).
  IoResult<std::optional<Offset>> offset_for_timestamp(std::int64_t target_ms);

  IoStatus roll(std::int64_t now_ms);
  // Syncs every segment holding offsets below up_to, and moves the recovery point there.
  IoStatus flush(Offset up_to);
  // log.flush.interval.ms: flushes when that long has passed since the last flush.
  IoStatus maybe_flush(std::int64_t now_ms);
  // Removes every batch at or after target; returns the bytes removed.
  IoResult<std::uint64_t> truncate_to(Offset target);
  // Empties the log; it continues at new_offset.
  IoStatus truncate_fully_and_start_at(Offset new_offset);
  // Retention: deletes the oldest segments past retention.ms or beyond retention.bytes, or
  // wholly below the log start offset; never a segment holding offsets at or above
  // deletable_below (the high watermark). Returns the number deleted.
  IoResult<int> delete_old_segments(std::int64_t now_ms, Offset deletable_below);
  // Moves the log start offset forward (DeleteRecords) and drops the segments below it.
  IoStatus increment_log_start_offset(Offset new_start, std::int64_t now_ms);
  // cleanup.policy=compact: in every segment but the active one, keeps only the latest record
  // of each key, and tombstones younger than delete.retention.ms. Offsets do not change.
  IoResult<CompactionResult> compact(std::int64_t now_ms);

 private:
  Log(Disk& disk, std::string dir, LogConfig config);
  LogSegment& active() const { return *segments_.rbegin()->second; }
  IoStatus maybe_roll(std::size_t batch_bytes, std::int64_t max_timestamp_ms, std::int64_t now_ms);
  IoStatus append_batch(const ByteView& batch, const BatchHeader& header, bool as_leader, std::int64_t now_ms,
                        LogAppendInfo& info);
  IoStatus after_append(const LogAppendInfo& info);
  IoStatus new_segment(Offset base_offset, std::int64_t now_ms);
  IoStatus delete_segment(Offset base_offset);
  // Deletes segments from the oldest while they are wholly below the log start offset or, with
  // retention applied, past retention.ms or beyond retention.bytes.
  IoResult<int> delete_oldest_segments(std::int64_t now_ms, Offset deletable_below, bool apply_retention);
  // Calls `visit` with the header of every batch of the log, in order.
  IoStatus for_each_batch_header(const std::function<IoStatus(const BatchHeader&)>& visit);
  IoStatus rebuild_epoch_cache();
  IoStatus rebuild_producer_state();
  IoResult<Records::Batches> whole_batches(const Records& records) const;

  Disk& disk_;
  std::string dir_;
  LogConfig config_;
  SegmentConfig segment_config_;
  std::map<Offset, std::unique_ptr<LogSegment>> segments_;  // by base offset
  LeaderEpochFileCache epoch_cache_;
  ProducerStateManager producer_state_;
  Offset log_start_offset_;
  Offset recovery_point_;
  std::int64_t unflushed_messages_ = 0;
  std::int64_t last_flush_ms_ = 0;
  bool dir_dirty_ = false;  // a segment was created or deleted since the folder was synced
  LogRecovery recovery_;
  AppendListener append_listener_;
};

}  // namespace kafkasim::storage
