// One partition on one broker: its log, its role, and, as leader, what it knows of the
// followers (Kafka's Partition).
//
// The leader keeps each follower's log end offset, learnt from the offset the follower
// fetches at, and computes the high watermark as the smallest log end offset over the ISR,
// its own included. A record below the high watermark is committed. As a follower the
// partition appends what it fetches and takes the leader's high watermark, bounded by its own
// log end offset.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "model/protocol/errors.h"
#include "model/protocol/requests.h"
#include "model/storage/log.h"

namespace kafkasim::broker {

struct LeaderAppendResult {
  Errors error = Errors::NONE;
  storage::LogAppendInfo info;
};

class Partition {
 public:
  // `checkpointed_high_watermark`: from replication-offset-checkpoint, when the broker restarts.
  Partition(TopicPartition tp, BrokerId local, storage::Log& log, Offset checkpointed_high_watermark = Offset{0})
      : tp_(std::move(tp)), local_(local), log_(log),
        high_watermark_(std::min(checkpointed_high_watermark, log.log_end_offset())) {}

  const TopicPartition& tp() const { return tp_; }
  storage::Log& log() { return log_; }
  bool is_leader() const { return leader_ == local_; }
  BrokerId leader() const { return leader_; }
  LeaderEpoch leader_epoch() const { return leader_epoch_; }
  const std::vector<BrokerId>& isr() const { return isr_; }
  const std::vector<BrokerId>& replicas() const { return replicas_; }
  Offset high_watermark() const { return high_watermark_; }
  Offset log_end_offset() const { return log_.log_end_offset(); }

  // Applies a LeaderAndIsr state (the caller has checked that its leader epoch is newer).
  void make_leader(const PartitionState& state);
  void make_follower(const PartitionState& state);

  // Leader: appends a producer's records. acks=-1 needs min.insync.replicas in the ISR.
  LeaderAppendResult append_records_to_leader(const std::vector<ByteView>& records, std::int16_t acks,
                                              std::int32_t min_insync_replicas, std::int64_t now_ms);
  // Leader: a follower fetched at fetch_offset, so that is its log end offset. True when the
  // high watermark moved.
  bool update_follower_fetch_state(BrokerId follower, Offset fetch_offset);
  // Leader: for a produce waiting on acks=-1: nothing yet while the high watermark is below
  // required_offset, else the error to answer with.
  std::optional<Errors> check_enough_replicas_reach(Offset required_offset, std::int32_t min_insync_replicas) const;

  // Follower: takes the leader's high watermark, bounded by the local log end. True when moved.
  bool update_follower_high_watermark(Offset leader_high_watermark);
  // Follower: cuts the log at `offset` (whole batches go); the high watermark follows.
  storage::IoStatus truncate_to(Offset offset);

 private:
  void take_state(const PartitionState& state);
  bool maybe_increment_high_watermark();

  TopicPartition tp_;
  BrokerId local_;
  storage::Log& log_;
  BrokerId leader_{-1};
  LeaderEpoch leader_epoch_{-1};
  std::vector<BrokerId> isr_;
  std::vector<BrokerId> replicas_;
  std::map<BrokerId, Offset> follower_log_end_;  // leader only
  Offset high_watermark_;
};

}  // namespace kafkasim::broker
