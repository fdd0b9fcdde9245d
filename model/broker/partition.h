// One partition on one broker: its log, its role, and, as leader, what it knows of the
// followers (Kafka's Partition).
//
// The leader keeps each follower's log end offset, learnt from the offset the follower
// fetches at, and computes the high watermark as the smallest log end offset over the ISR,
// its own included. A record below the high watermark is committed. As a follower the
// partition appends what it fetches and takes the leader's high watermark, bounded by its own
// log end offset.
//
// ISR changes (Kafka 2.7+, KIP-497): the leader proposes them to the controller and applies
// them only when the controller confirms. While a proposal is in flight the high watermark
// is computed over the *maximal* ISR (current plus any replica being added), and no other
// proposal is made; a shrink takes effect only once confirmed. A leader whose proposal the
// controller refused (its epoch or version is stale) keeps waiting: only a new LeaderAndIsr
// resolves it, so a deposed leader cannot commit alone.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "model/protocol/errors.h"
#include "model/protocol/requests.h"
#include "model/storage/log.h"

namespace kafkasim::broker {

struct LeaderAppendResult {
  Errors error = Errors::NONE;
  storage::LogAppendInfo info;
};

// What the leader knows of one follower (Kafka's Replica).
struct FollowerState {
  Offset log_end{-1};
  std::int64_t last_caught_up_ms = 0;  // the last time it had everything the leader had
  std::int64_t last_fetch_ms = 0;
  Offset last_fetch_leader_log_end{-1};  // the leader's log end at that fetch
};

class Partition {
 public:
  // `checkpointed_high_watermark`: from replication-offset-checkpoint, when the broker restarts.
  Partition(TopicPartition tp, BrokerId local, storage::Log& log, Offset checkpointed_high_watermark = Offset{0})
      : tp_(std::move(tp)), name_(tp_.str()), local_(local), log_(log),
        high_watermark_(std::min(checkpointed_high_watermark, log.log_end_offset())) {}

  const TopicPartition& tp() const { return tp_; }
  // tp().str(), made once: every trace event and purgatory key of the partition names it.
  const std::string& name() const { return name_; }
  storage::Log& log() { return log_; }
  bool is_leader() const { return leader_ == local_; }
  BrokerId leader() const { return leader_; }
  LeaderEpoch leader_epoch() const { return leader_epoch_; }
  std::int32_t partition_epoch() const { return partition_epoch_; }
  // The ISR as the controller last confirmed it.
  const std::vector<BrokerId>& isr() const { return isr_; }
  // The ISR plus a replica whose addition is in flight: what the high watermark waits for.
  // Asked on every follower fetch, so it is built without an allocation.
  boost::container::small_vector<BrokerId, 8> maximal_isr() const;
  const std::optional<AlterIsrItem>& pending_isr_change() const { return pending_; }
  const std::vector<BrokerId>& replicas() const { return replicas_; }
  Offset high_watermark() const { return high_watermark_; }
  Offset log_end_offset() const { return log_.log_end_offset(); }

  // Applies a LeaderAndIsr state (the caller has checked that its leader epoch is newer).
  void make_leader(const PartitionState& state, std::int64_t now_ms);
  void make_follower(const PartitionState& state);

  // Leader: appends a producer's records. acks=-1 needs min.insync.replicas in the ISR.
  LeaderAppendResult append_records_to_leader(const std::vector<ByteView>& records, std::int16_t acks,
                                              std::int32_t min_insync_replicas, std::int64_t now_ms);
  // Leader: a follower fetched at fetch_offset, so that is its log end offset. True when the
  // high watermark moved.
  bool update_follower_fetch_state(BrokerId follower, Offset fetch_offset, std::int64_t now_ms);
  // Leader: for a produce waiting on acks=-1: nothing yet while the high watermark is below
  // required_offset, else the error to answer with.
  std::optional<Errors> check_enough_replicas_reach(Offset required_offset, std::int32_t min_insync_replicas) const;

  // Leader: proposes adding `follower` when it has caught up: its log end has reached the high
  // watermark and the start of this leader's epoch. Nothing while another change is in flight.
  std::optional<AlterIsrItem> maybe_expand_isr(BrokerId follower);
  // Leader: proposes removing the followers that have not caught up for `lag_max_ms`
  // (replica.lag.time.max.ms).
  std::optional<AlterIsrItem> maybe_shrink_isr(std::int64_t now_ms, std::int64_t lag_max_ms);
  // Leader: the controller's answer to the pending proposal. A confirmed state becomes the
  // ISR; a refusal leaves the proposal pending until a LeaderAndIsr arrives. True when the
  // high watermark moved.
  bool complete_isr_change(const AlterIsrResult& result);
  // Leader: the controller refused the proposal as ineligible: back to the confirmed ISR, to
  // propose again later.
  void abandon_isr_change() { pending_.reset(); }

  // Follower: takes the leader's high watermark, bounded by the local log end. True when moved.
  bool update_follower_high_watermark(Offset leader_high_watermark);
  // Follower: cuts the log at `offset` (whole batches go); the high watermark follows.
  storage::IoStatus truncate_to(Offset offset);
  // Follower: drops the whole log and starts it empty at `offset`, the high watermark with it.
  storage::IoStatus truncate_fully_and_start_at(Offset offset);

 private:
  void take_state(const PartitionState& state);
  bool maybe_increment_high_watermark();
  AlterIsrItem propose(std::vector<BrokerId> new_isr);

  TopicPartition tp_;
  std::string name_;
  BrokerId local_;
  storage::Log& log_;
  BrokerId leader_{-1};
  LeaderEpoch leader_epoch_{-1};
  std::int32_t partition_epoch_ = 0;
  std::vector<BrokerId> isr_;
  std::optional<AlterIsrItem> pending_;  // leader only
  std::vector<BrokerId> replicas_;
  std::map<BrokerId, FollowerState> followers_;  // leader only
  Offset leader_epoch_start_offset_{-1};         // leader only: the log end when it took over
  Offset high_watermark_;
};

}  // namespace kafkasim::broker
