#include "model/broker/partition.h"

#include <algorithm>

namespace kafkasim::broker {
namespace {

template <class Brokers>
bool contains(const Brokers& v, BrokerId b) { return std::find(v.begin(), v.end(), b) != v.end(); }

}  // namespace

void Partition::take_state(const PartitionState& state) {
  leader_ = state.leader;
  leader_epoch_ = state.leader_epoch;
  partition_epoch_ = state.partition_epoch;
  isr_ = state.isr;
  pending_.reset();
  replicas_ = state.replicas;
  followers_.clear();
  // The high watermark never passes the local log end.
  high_watermark_ = std::min(high_watermark_, log_end_offset());
}

void Partition::make_leader(const PartitionState& state, std::int64_t now_ms) {
  take_state(state);
  leader_epoch_start_offset_ = log_end_offset();
  // A new leader knows nothing of its followers' logs until they fetch; those in the ISR count
  // as caught up now, so that they have replica.lag.time.max.ms to show up (as Kafka).
  for (BrokerId r : replicas_) {
    if (r == local_) continue;
    FollowerState& f = followers_[r];
    f.last_caught_up_ms = contains(isr_, r) ? now_ms : 0;
    f.last_fetch_ms = now_ms;
  }
  maybe_increment_high_watermark();
}

void Partition::make_follower(const PartitionState& state) {
  take_state(state);
  leader_epoch_start_offset_ = Offset{-1};
}

boost::container::small_vector<BrokerId, 8> Partition::maximal_isr() const {
  boost::container::small_vector<BrokerId, 8> out(isr_.begin(), isr_.end());
  if (pending_) {
    for (BrokerId b : pending_->new_isr) {
      if (!contains(out, b)) out.push_back(b);
    }
  }
  return out;
}

LeaderAppendResult Partition::append_records_to_leader(const std::vector<ByteView>& records, std::int16_t acks,
                                                       std::int32_t min_insync_replicas, std::int64_t now_ms) {
  LeaderAppendResult result;
  if (!is_leader()) {
    result.error = Errors::NOT_LEADER_OR_FOLLOWER;
    return result;
  }
  if (acks == -1 && static_cast<std::int32_t>(isr_.size()) < min_insync_replicas) {
    result.error = Errors::NOT_ENOUGH_REPLICAS;
    return result;
  }
  auto appended = log_.append_as_leader(storage::Records(records), leader_epoch_, now_ms);
  if (!appended.ok()) {
    switch (appended.status().code()) {
      case storage::IoErrc::invalid_argument: result.error = Errors::CORRUPT_MESSAGE; break;
      case storage::IoErrc::out_of_order_sequence: result.error = Errors::OUT_OF_ORDER_SEQUENCE_NUMBER; break;
      case storage::IoErrc::invalid_producer_epoch: result.error = Errors::INVALID_PRODUCER_EPOCH; break;
      default: result.error = Errors::KAFKA_STORAGE_ERROR; break;
    }
    return result;
  }
  result.info = std::move(appended.value());
  maybe_increment_high_watermark();  // a leader alone in its ISR commits at once
  return result;
}

bool Partition::update_follower_fetch_state(BrokerId follower, Offset fetch_offset, std::int64_t now_ms) {
  auto it = followers_.find(follower);
  if (it == followers_.end()) return false;
  FollowerState& f = it->second;
  // Caught up now if it asks for what follows the leader's end; caught up as of its previous
  // fetch if it now has everything the leader had then (Kafka's Replica.updateFetchState).
  const Offset leader_end = log_end_offset();
  if (fetch_offset >= leader_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
  } else if (fetch_offset >= f.last_fetch_leader_log_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.log_end = fetch_offset;
  f.last_fetch_leader_log_end = leader_end;
  f.last_fetch_ms = now_ms;
  return maybe_increment_high_watermark();
}

bool Partition::maybe_increment_high_watermark() {
  Offset smallest = log_end_offset();
  for (BrokerId r : maximal_isr()) {
    if (r == local_) continue;
    auto it = followers_.find(r);
    smallest = std::min(smallest, it == followers_.end() ? Offset{-1} : it->second.log_end);
  }
  if (smallest <= high_watermark_) return false;
  high_watermark_ = smallest;
  return true;
}

std::optional<Errors> Partition::check_enough_replicas_reach(Offset required_offset,
                                                             std::int32_t min_insync_replicas) const {
  if (!is_leader()) return Errors::NOT_LEADER_OR_FOLLOWER;
  if (high_watermark_ < required_offset) return std::nullopt;
  if (static_cast<std::int32_t>(maximal_isr().size()) < min_insync_replicas) {
    return Errors::NOT_ENOUGH_REPLICAS_AFTER_APPEND;
  }
  return Errors::NONE;
}

AlterIsrItem Partition::propose(std::vector<BrokerId> new_isr) {
  pending_ = AlterIsrItem{tp_, leader_epoch_, std::move(new_isr), partition_epoch_};
  return *pending_;
}

std::optional<AlterIsrItem> Partition::maybe_expand_isr(BrokerId follower) {
  if (!is_leader() || pending_ || contains(isr_, follower)) return std::nullopt;
  auto it = followers_.find(follower);
  if (it == followers_.end()) return std::nullopt;
  const Offset end = it->second.log_end;
  if (end < high_watermark_ || end < leader_epoch_start_offset_) return std::nullopt;
  std::vector<BrokerId> new_isr = isr_;
  new_isr.push_back(follower);
  return propose(std::move(new_isr));
}

std::optional<AlterIsrItem> Partition::maybe_shrink_isr(std::int64_t now_ms, std::int64_t lag_max_ms) {
  if (!is_leader() || pending_) return std::nullopt;
  std::vector<BrokerId> new_isr;
  for (BrokerId r : isr_) {
    auto it = followers_.find(r);
    const bool lagging = r != local_ && (it == followers_.end() || now_ms - it->second.last_caught_up_ms > lag_max_ms);
    if (!lagging) new_isr.push_back(r);
  }
  if (new_isr.size() == isr_.size()) return std::nullopt;
  return propose(std::move(new_isr));
}

bool Partition::complete_isr_change(const AlterIsrResult& result) {
  if (!pending_ || result.error != Errors::NONE) return false;
  // An answer about another epoch or an older version is stale: a newer state has arrived since.
  if (result.leader_epoch != leader_epoch_ || result.partition_epoch < partition_epoch_) return false;
  isr_ = result.isr;
  partition_epoch_ = result.partition_epoch;
  pending_.reset();
  return maybe_increment_high_watermark();
}

bool Partition::update_follower_high_watermark(Offset leader_high_watermark) {
  const Offset hw = std::min(leader_high_watermark, log_end_offset());
  if (hw <= high_watermark_) return false;
  high_watermark_ = hw;
  return true;
}

storage::IoStatus Partition::truncate_fully_and_start_at(Offset offset) {
  auto status = log_.truncate_fully_and_start_at(offset);
  high_watermark_ = log_end_offset();
  return status;
}

storage::IoStatus Partition::truncate_to(Offset offset) {
  auto removed = log_.truncate_to(offset);
  high_watermark_ = std::min(high_watermark_, log_end_offset());
  return removed.status();
}

}  // namespace kafkasim::broker
