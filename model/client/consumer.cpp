#include "model/client/consumer.h"

#include <algorithm>

#include "model/protocol/record_id.h"
#include "model/storage/record_batch.h"
#include "model/storage/records.h"

namespace kafkasim::client {
namespace {

std::string id_of(const storage::RecordView& r) {
  const auto id = r.header(kRecordIdHeader);
  return id ? std::string(storage::text_of(*id)) : std::string();
}

}  // namespace

Consumer::Consumer(Env& env, ConsumerConfig config, std::vector<std::string> topics)
    : env_(env),
      config_(std::move(config)),
      metadata_(env, ClientMetadataConfig{config_.bootstrap, config_.metadata_max_age_ms, config_.retry_backoff_ms,
                                          config_.request_timeout_ms, config_.reconnect},
                std::move(topics), [this] { run(); }, [this](NodeId node) { close_connection(node); }) {
  metadata_.request_update();
}

Consumer::~Consumer() {
  for (auto& [corr, o] : outstanding_) o.timeout.cancel();
  reconnect_wake_.cancel();
}

void Consumer::assign(const std::vector<TopicPartition>& partitions) { reassign(partitions, State::awaiting_reset); }

void Consumer::assign_awaiting_positions(const std::vector<TopicPartition>& partitions) {
  reassign(partitions, State::awaiting_position);
}

void Consumer::reassign(const std::vector<TopicPartition>& partitions, State new_partitions) {
  assignment_ = partitions;
  std::map<TopicPartition, PartitionProgress> kept;
  for (const TopicPartition& tp : partitions) {
    auto it = progress_.find(tp);
    if (it != progress_.end()) {
      kept[tp] = it->second;
    } else {
      kept[tp].state = new_partitions;
    }
  }
  progress_ = std::move(kept);
  std::erase_if(buffered_, [&](const ConsumerRecord& r) { return !progress_.contains(r.tp); });
  run();
}

std::vector<TopicPartition> Consumer::awaiting_positions() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, p] : progress_) {
    if (p.state == State::awaiting_position) out.push_back(tp);
  }
  return out;
}

void Consumer::seek(const TopicPartition& tp, Offset offset, LeaderEpoch epoch) {
  auto it = progress_.find(tp);
  if (it == progress_.end() || it->second.request_in_flight) return;
  drop_buffered(tp);
  it->second.position = offset;
  it->second.offset_epoch = epoch;
  // A committed epoch is checked against the leader's log before fetching (KIP-320).
  it->second.state = epoch.value() >= 0 && config_.validate_position_on_leader_change ? State::awaiting_validation
                                                                                     : State::fetching;
  run();
}

void Consumer::reset_position(const TopicPartition& tp) {
  auto it = progress_.find(tp);
  if (it == progress_.end() || it->second.request_in_flight) return;
  reset(tp, it->second);
  run();
}

std::vector<std::pair<TopicPartition, std::pair<Offset, LeaderEpoch>>> Consumer::positions() const {
  std::vector<std::pair<TopicPartition, std::pair<Offset, LeaderEpoch>>> out;
  for (const auto& [tp, p] : progress_) {
    if (p.state == State::fetching || p.state == State::awaiting_validation) out.push_back({tp, {p.position, p.offset_epoch}});
  }
  return out;
}

std::optional<Offset> Consumer::position(const TopicPartition& tp) const {
  auto it = progress_.find(tp);
  if (it == progress_.end() || it->second.state != State::fetching) return std::nullopt;
  return it->second.position;
}

std::int32_t Consumer::track(NodeId node, std::vector<TopicPartition> partitions) {
  const std::int32_t corr = ++correlation_id_;
  // Unanswered in time: Kafka's NetworkClient closes the connection, failing everything in flight on it.
  TimerHandle timeout = env_.after(Duration::millis(config_.request_timeout_ms), [this, node] {
    close_connection(node);
    run();
  });
  outstanding_.emplace(corr, Outstanding{node, std::move(partitions), timeout, {}});
  return corr;
}

void Consumer::close_connection(NodeId node) {
  env_.disconnect(node);
  on_disconnect(node);
}

void Consumer::on_disconnect(NodeId node) {
  metadata_.on_disconnect(node);
  std::vector<std::int32_t> failed;
  for (const auto& [corr, o] : outstanding_) {
    if (o.node == node) failed.push_back(corr);
  }
  for (std::int32_t corr : failed) answered(corr);
  if (!failed.empty()) metadata_.request_update();  // the broker may be gone
  if (disconnect_listener_) disconnect_listener_(node);
}

std::optional<Consumer::Outstanding> Consumer::answered(std::int32_t correlation_id) {
  auto it = outstanding_.find(correlation_id);
  if (it == outstanding_.end()) return std::nullopt;
  Outstanding o = std::move(it->second);
  outstanding_.erase(it);
  o.timeout.cancel();
  auto fetch = fetch_in_flight_.find(o.node);
  if (fetch != fetch_in_flight_.end() && fetch->second == correlation_id) fetch_in_flight_.erase(fetch);
  for (const TopicPartition& tp : o.partitions) {
    auto p = progress_.find(tp);
    if (p != progress_.end()) p->second.request_in_flight = false;
  }
  return o;
}

void Consumer::run() {
  std::map<NodeId, std::vector<TopicPartition>> fetchable;
  std::optional<std::int64_t> reconnect_in_ms;  // the soonest a leader waited for may be tried
  for (auto& [tp, p] : progress_) {
    const auto leader = metadata_.leader_for(tp);
    if (!leader) {
      metadata_.request_update();
      continue;
    }
    if (leader->epoch > p.leader_epoch) {
      // A new leader: check that the log still holds what was consumed before going on.
      if (p.state == State::fetching && p.offset_epoch.value() >= 0 && config_.validate_position_on_leader_change) {
        p.state = State::awaiting_validation;
      }
      p.leader_epoch = leader->epoch;
    }
    if (p.request_in_flight) continue;
    if (const std::int64_t delay = metadata_.connections().delay_ms(leader->node); delay > 0) {
      reconnect_in_ms = std::min(reconnect_in_ms.value_or(delay), delay);
      continue;
    }
    switch (p.state) {
      case State::awaiting_reset: {
        const std::int64_t ts = config_.auto_offset_reset == OffsetReset::earliest ? kEarliestTimestamp : kLatestTimestamp;
        p.request_in_flight = true;
        const std::int32_t corr = track(leader->node, {tp});
        env_.send(leader->node, make_message(ListOffsetsRequest{corr, {ListOffsetsPartition{tp, ts, leader->epoch}}}));
        break;
      }
      case State::awaiting_validation: {
        p.request_in_flight = true;
        const std::int32_t corr = track(leader->node, {tp});
        env_.send(leader->node, make_message(OffsetsForLeaderEpochRequest{
                                    corr, BrokerId{-1}, {EpochQuery{tp, leader->epoch, p.offset_epoch}}}));
        break;
      }
      case State::fetching: {
        const bool has_buffered = std::any_of(buffered_.begin(), buffered_.end(), [&partition = tp](const ConsumerRecord& r) { return r.tp == partition; });
        if (!has_buffered) fetchable[leader->node].push_back(tp);
        break;
      }
      case State::awaiting_position:
      case State::stopped: break;
    }
  }
  send_fetches(fetchable);
  if (reconnect_in_ms) wake_for_reconnect(Duration::millis(*reconnect_in_ms));
}

void Consumer::wake_for_reconnect(Duration in) {
  // The soonest wait counts: a broker closed later may be tried before one waiting longer.
  const SimTime at = env_.steady_now() + in;
  if (reconnect_wake_.pending() && reconnect_wake_at_ <= at) return;
  reconnect_wake_.cancel();
  reconnect_wake_at_ = at;
  reconnect_wake_ = env_.after(in, [this] { run(); });
}

void Consumer::send_fetches(const std::map<NodeId, std::vector<TopicPartition>>& by_leader) {
  for (const auto& [node, tps] : by_leader) {
    if (fetch_in_flight_.contains(node)) continue;  // one fetch per leader at a time
    FetchRequest f;
    f.replica_id = BrokerId{-1};
    f.max_wait_ms = config_.fetch_max_wait_ms;
    f.min_bytes = config_.fetch_min_bytes;
    for (const TopicPartition& tp : tps) {
      const PartitionProgress& p = progress_.at(tp);
      f.partitions.push_back(FetchPartition{tp, p.position, p.leader_epoch, config_.max_partition_fetch_bytes});
    }
    f.correlation_id = track(node, {});
    for (const FetchPartition& fp : f.partitions) outstanding_.at(f.correlation_id).fetched_from[fp.tp] = fp.fetch_offset;
    fetch_in_flight_[node] = f.correlation_id;
    env_.send(node, make_message(std::move(f)));
  }
}

void Consumer::on_partition_error(Errors error) {
  if (error == Errors::NOT_LEADER_OR_FOLLOWER || error == Errors::UNKNOWN_TOPIC_OR_PARTITION ||
      error == Errors::FENCED_LEADER_EPOCH || error == Errors::UNKNOWN_LEADER_EPOCH ||
      error == Errors::KAFKA_STORAGE_ERROR || error == Errors::LEADER_NOT_AVAILABLE) {
    metadata_.request_update();
  }
}

void Consumer::drop_buffered(const TopicPartition& tp) {
  std::erase_if(buffered_, [&](const ConsumerRecord& r) { return r.tp == tp; });
}

void Consumer::reset(const TopicPartition& tp, PartitionProgress& p) {
  drop_buffered(tp);
  p.state = config_.auto_offset_reset == OffsetReset::none ? State::stopped : State::awaiting_reset;
  if (p.state == State::stopped) env_.trace(Note{config_.client_id + ": no offset reset policy for " + tp.str()});
}

void Consumer::on_fetch(NodeId from, const FetchResponse& response) {
  const auto request = answered(response.correlation_id);
  if (!request) return;
  for (const FetchedPartition& fetched : response.partitions) {
    auto it = progress_.find(fetched.tp);
    if (it == progress_.end() || it->second.state != State::fetching) continue;
    PartitionProgress& p = it->second;
    // As Kafka's fetcher: data fetched for a position the consumer has since left (a seek to a
    // committed offset after a rebalance) is discarded, or it would skip what lies between.
    auto sent = request->fetched_from.find(fetched.tp);
    if (sent == request->fetched_from.end() || sent->second != p.position) continue;
    if (fetched.error == Errors::OFFSET_OUT_OF_RANGE) {
      env_.trace(ConsumerOffsetReset{config_.client_id, fetched.tp.str(), p.position.value()});
      env_.probe(Probe::consumer_offset_reset);
      reset(fetched.tp, p);
      continue;
    }
    if (fetched.error != Errors::NONE) {
      on_partition_error(fetched.error);
      continue;
    }
    // A fetch ends where max bytes did, maybe inside a batch: only whole batches count.
    for (const ByteView& bytes : storage::Records(fetched.records).batches()) {
      auto batch = storage::RecordBatchView::parse(bytes);
      if (!batch) break;
      const std::uint32_t crc = batch->computed_crc();  // check.crcs: never hand out a damaged record
      if (crc != batch->header().crc) {
        env_.trace(CorruptBatchFetched{fetched.tp.str(), from.value(), batch->header().base_offset.value(),
                                       batch->header().crc, crc});
        break;
      }
      // All of a batch or none of it: its records are decoded in place, then copied out.
      boost::container::small_vector<storage::RecordView, 4> records;
      storage::RecordReader reader(*batch);
      for (storage::RecordView r; reader.next(r);) records.push_back(r);
      if (!reader.ok()) break;
      const int lose_every = config_.test_only_loses_every_nth_batch;
      if (lose_every > 0 && batch->header().last_offset() >= p.position && ++batches_fetched_ % lose_every == 0) {
        p.position = Offset{batch->header().last_offset().value() + 1};
        continue;
      }
      for (const storage::RecordView& r : records) {
        if (r.offset < p.position) continue;  // a batch starts before the position
        std::optional<std::string> key;
        if (r.key) key = std::string(storage::text_of(*r.key));
        buffered_.push_back(ConsumerRecord{fetched.tp, r.offset, batch->header().partition_leader_epoch, std::move(key),
                                           r.value ? std::string(storage::text_of(*r.value)) : std::string(), id_of(r)});
        p.position = Offset{r.offset.value() + 1};
        p.offset_epoch = batch->header().partition_leader_epoch;
      }
    }
  }
  run();
}

void Consumer::on_list_offsets(const ListOffsetsResponse& response) {
  if (!answered(response.correlation_id)) return;
  for (const ListedOffset& listed : response.partitions) {
    auto it = progress_.find(listed.tp);
    if (it == progress_.end() || it->second.state != State::awaiting_reset) continue;
    if (listed.error != Errors::NONE) {
      on_partition_error(listed.error);
      continue;
    }
    it->second.position = listed.offset;
    it->second.offset_epoch = LeaderEpoch{-1};  // nothing consumed yet in this position's history
    it->second.state = State::fetching;
  }
  run();
}

void Consumer::on_epoch_end(const OffsetsForLeaderEpochResponse& response) {
  if (!answered(response.correlation_id)) return;
  for (const EpochEndOffset& end : response.partitions) {
    auto it = progress_.find(end.tp);
    if (it == progress_.end() || it->second.state != State::awaiting_validation) continue;
    PartitionProgress& p = it->second;
    if (end.error != Errors::NONE) {
      on_partition_error(end.error);
      continue;
    }
    if (end.end_offset.value() < 0 || end.end_offset < p.position) {
      // KIP-320: records this consumer read are gone from the new leader's log.
      const bool can_reset = config_.auto_offset_reset != OffsetReset::none && end.end_offset.value() >= 0;
      const Offset reset_to = can_reset ? end.end_offset : p.position;
      env_.trace(ConsumerTruncationDetected{config_.client_id, end.tp.str(), p.position.value(), end.leader_epoch.value(),
                                            end.end_offset.value(), reset_to.value()});
      env_.probe(Probe::consumer_truncation_detected);
      drop_buffered(end.tp);
      if (!can_reset) {
        reset(end.tp, p);
        continue;
      }
      p.position = reset_to;
      p.offset_epoch = end.leader_epoch;
    }
    p.state = State::fetching;
  }
  run();
}

std::vector<ConsumerRecord> Consumer::poll() {
  std::vector<ConsumerRecord> out;
  while (!buffered_.empty() && static_cast<std::int32_t>(out.size()) < config_.max_poll_records) {
    out.push_back(std::move(buffered_.front()));
    buffered_.pop_front();
  }
  // One trace event per run of records that continue each other (a batch's slice).
  for (std::size_t i = 0; i < out.size();) {
    std::size_t j = i + 1;
    while (j < out.size() && out[j].tp == out[i].tp && out[j].offset.value() == out[j - 1].offset.value() + 1 &&
           out[j].leader_epoch == out[i].leader_epoch && out[j].id == next_record_id(out[j - 1].id)) {
      ++j;
    }
    env_.trace(RecordsConsumed{config_.client_id, out[i].tp.str(), out[i].offset.value(), out[j - 1].offset.value(),
                               out[i].leader_epoch.value(), out[i].id});
    i = j;
  }
  records_consumed_ += static_cast<std::int64_t>(out.size());
  if (!out.empty()) run();  // partitions with nothing buffered fetch again
  return out;
}

bool Consumer::handle(NodeId from, const Message& message) {
  metadata_.connections().answered(from);
  if (const auto* f = body_cast<FetchResponse>(message)) {
    on_fetch(from, *f);
  } else if (const auto* m = body_cast<MetadataResponse>(message)) {
    metadata_.handle_response(*m);
  } else if (const auto* l = body_cast<ListOffsetsResponse>(message)) {
    on_list_offsets(*l);
  } else if (const auto* e = body_cast<OffsetsForLeaderEpochResponse>(message)) {
    on_epoch_end(*e);
  } else {
    return false;
  }
  return true;
}

}  // namespace kafkasim::client
