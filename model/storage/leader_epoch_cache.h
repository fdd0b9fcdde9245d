// LeaderEpochFileCache: for each leader epoch, the first offset written in it (KIP-101).
//
// A follower asks the leader for the end offset of its latest epoch (OffsetsForLeaderEpoch)
// and truncates to it, instead of to its high watermark: this is what keeps replicas from
// diverging after a leader change. Kept on disk in leader-epoch-checkpoint, rewritten
// atomically after every change.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/protocol/types.h"
#include "model/storage/checkpoint.h"

namespace kafkasim::storage {

inline constexpr LeaderEpoch kUndefinedEpoch{-1};
inline constexpr Offset kUndefinedOffset{-1};

struct EpochEntry {
  LeaderEpoch epoch;
  Offset start_offset;
  friend bool operator==(const EpochEntry&, const EpochEntry&) = default;
};

class LeaderEpochFileCache {
 public:
  LeaderEpochFileCache(Disk& disk, std::string path) : checkpoint_(disk, std::move(path)) {}

  // Reads the checkpoint. An absent file is an empty cache; a malformed one is reported (the
  // caller rebuilds the cache from the epochs stamped on the log's batches).
  IoStatus load();

  // Records that `epoch` starts at `start_offset`. A repeat of the latest epoch at a later
  // offset changes nothing; entries that would break the order (a later epoch, or a later
  // start offset) are removed first.
  IoStatus assign(LeaderEpoch epoch, Offset start_offset);
  // Kafka's endOffsetFor: the largest epoch <= requested, and the start offset of the next
  // larger epoch (or the log end offset for the latest epoch). (-1, -1) when unknown.
  std::pair<LeaderEpoch, Offset> end_offset_for(LeaderEpoch requested, Offset log_end_offset) const;
  // Removes the entries starting at or after end_offset (after a log truncation).
  IoStatus truncate_from_end(Offset end_offset);
  // Removes the entries wholly before start_offset; the one that spans it now starts there.
  IoStatus truncate_from_start(Offset start_offset);
  IoStatus clear();

  std::optional<EpochEntry> latest_entry() const;
  std::optional<LeaderEpoch> latest_epoch() const;
  const std::vector<EpochEntry>& entries() const { return entries_; }

 private:
  IoStatus flush();
  CheckpointFile checkpoint_;
  std::vector<EpochEntry> entries_;  // by epoch, and so by start offset
};

}  // namespace kafkasim::storage
