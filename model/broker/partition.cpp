#include "model/broker/partition.h"

#include <algorithm>

namespace kafkasim::broker {

void Partition::take_state(const PartitionState& state) {
  leader_ = state.leader;
  leader_epoch_ = state.leader_epoch;
  isr_ = state.isr;
  replicas_ = state.replicas;
  follower_log_end_.clear();
  // The high watermark never passes the local log end.
  high_watermark_ = std::min(high_watermark_, log_end_offset());
}

void Partition::make_leader(const PartitionState& state) {
  take_state(state);
  // A new leader knows nothing of its followers until they fetch (Kafka resets them too).
  for (BrokerId r : replicas_) {
    if (r != local_) follower_log_end_[r] = Offset{-1};
  }
  maybe_increment_high_watermark();
}

void Partition::make_follower(const PartitionState& state) { take_state(state); }

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

bool Partition::update_follower_fetch_state(BrokerId follower, Offset fetch_offset) {
  auto it = follower_log_end_.find(follower);
  if (it == follower_log_end_.end()) return false;
  it->second = fetch_offset;
  return maybe_increment_high_watermark();
}

bool Partition::maybe_increment_high_watermark() {
  Offset smallest = log_end_offset();
  for (BrokerId r : isr_) {
    if (r == local_) continue;
    auto it = follower_log_end_.find(r);
    smallest = std::min(smallest, it == follower_log_end_.end() ? Offset{-1} : it->second);
  }
  if (smallest <= high_watermark_) return false;
  high_watermark_ = smallest;
  return true;
}

std::optional<Errors> Partition::check_enough_replicas_reach(Offset required_offset,
                                                             std::int32_t min_insync_replicas) const {
  if (!is_leader()) return Errors::NOT_LEADER_OR_FOLLOWER;
  if (high_watermark_ < required_offset) return std::nullopt;
  if (static_cast<std::int32_t>(isr_.size()) < min_insync_replicas) return Errors::NOT_ENOUGH_REPLICAS_AFTER_APPEND;
  return Errors::NONE;
}

bool Partition::update_follower_high_watermark(Offset leader_high_watermark) {
  const Offset hw = std::min(leader_high_watermark, log_end_offset());
  if (hw <= high_watermark_) return false;
  high_watermark_ = hw;
  return true;
}

}  // namespace kafkasim::broker

namespace kafkasim::broker {

storage::IoStatus Partition::truncate_to(Offset offset) {
  auto removed = log_.truncate_to(offset);
  high_watermark_ = std::min(high_watermark_, log_end_offset());
  return removed.status();
}

}  // namespace kafkasim::broker
