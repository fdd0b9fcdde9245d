#include "model/broker/replica_manager.h"

#include <string>

#include "model/protocol/record_id.h"
#include "model/storage/record_batch.h"

namespace kafkasim::broker {
namespace {

// A purgatory key: the partition's name, as Partition::name() gives it.
std::string key_of(const TopicPartition& tp) { return tp.str(); }

std::int64_t now_ms(const Env& env) { return env.now().as_micros() / 1000; }

std::string first_record_id(const ByteView& batch) {
  const auto view = storage::RecordBatchView::parse(batch);
  if (!view) return {};
  storage::RecordView first;
  const auto id = storage::RecordReader(*view).next(first) ? first.header(kRecordIdHeader) : std::nullopt;
  return id ? std::string(storage::text_of(*id)) : std::string();
}

// acks=-1: waits until the high watermark passes the batches appended for every partition of
// the request, then answers them all at once.
class DelayedProduce final : public timer::DelayedOperation {
 public:
  struct Waiting {
    std::size_t result;  // index in the response
    Offset required_offset;
    std::int32_t min_isr;
  };
  DelayedProduce(ReplicaManager& replicas, std::int32_t timeout_ms, std::vector<ProducePartitionResponse> results,
                 std::vector<Waiting> waiting, ReplicaManager::AppendCallback answer)
      : DelayedOperation(timeout_ms),
        replicas_(replicas),
        results_(std::move(results)),
        waiting_(std::move(waiting)),
        answer_(std::move(answer)) {}

  bool try_complete() override {
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      ProducePartitionResponse& r = results_[it->result];
      Partition* p = replicas_.partition(r.tp);
      const auto outcome = p ? p->check_enough_replicas_reach(it->required_offset, it->min_isr)
                             : std::optional<Errors>(Errors::NOT_LEADER_OR_FOLLOWER);
      if (!outcome) {
        ++it;
        continue;
      }
      r.error = *outcome;
      if (r.error != Errors::NONE) r.base_offset = Offset{-1};
      it = waiting_.erase(it);
    }
    return waiting_.empty() && force_complete();
  }
  void on_complete() override {
    for (const Waiting& w : waiting_) results_[w.result] = {results_[w.result].tp, Errors::REQUEST_TIMED_OUT, Offset{-1}};
    answer_(results_);
  }
  void on_expiration() override {}

 private:
  ReplicaManager& replicas_;
  std::vector<ProducePartitionResponse> results_;
  std::vector<Waiting> waiting_;  // partitions whose high watermark has not passed their batches yet
  ReplicaManager::AppendCallback answer_;
};

}  // namespace

// Waits until a fetch can return data (or an error), or max_wait_ms passes.
class DelayedFetch final : public timer::DelayedOperation {
 public:
  DelayedFetch(ReplicaManager& replicas, NodeId fetcher, FetchRequest request)
      : DelayedOperation(request.max_wait_ms), replicas_(replicas), fetcher_(fetcher), request_(std::move(request)) {}
  bool try_complete() override { return replicas_.fetch_ready(request_) && force_complete(); }
  void on_complete() override { replicas_.answer_fetch(fetcher_, request_); }
  void on_expiration() override {}

 private:
  ReplicaManager& replicas_;
  NodeId fetcher_;
  FetchRequest request_;
};

ReplicaManager::ReplicaManager(Env& env, const BrokerConfig& config, storage::LogManager& logs)
    : env_(env),
      config_(config),
      logs_(logs),
      produce_purgatory_(env, "Produce", 1000, config.test_only_timer_fire_early_ms),
      fetch_purgatory_(env, "Fetch", 1000, config.test_only_timer_fire_early_ms),
      fetcher_(env, config, *this) {
  auto checkpointed = logs_.read_high_watermarks();
  if (checkpointed.ok()) {
    checkpointed_high_watermarks_ = std::move(checkpointed.value());
  } else {
    env_.trace(Note{"ignored " + checkpointed.status().detail() + "; high watermarks start at 0"});
  }
  // Kafka's scheduled tasks: the replica manager's and the log manager's.
  every(config_.replica_high_watermark_checkpoint_interval_ms, [this] { checkpoint_high_watermarks(); });
  every(config_.replica_lag_time_max_ms / 2, [this] { maybe_shrink_isrs(); });
  every(config_.log_retention_check_interval_ms, [this] { delete_old_segments(); });
  every(config_.log_flush_scheduler_interval_ms, [this] {
    for (const auto& [tp, log] : logs_.logs()) {
      if (!log->maybe_flush(now_ms(env_)).ok()) env_.trace(Note{"flush of " + tp.str() + " failed"});
    }
  });
  every(config_.log_flush_offset_checkpoint_interval_ms, [this] {
    if (!logs_.checkpoint_recovery_points().ok()) env_.trace(Note{"could not write the recovery point checkpoint"});
  });
  every(config_.log_flush_start_offset_checkpoint_interval_ms, [this] {
    if (!logs_.checkpoint_log_start_offsets().ok()) env_.trace(Note{"could not write the log start offset checkpoint"});
  });
}

ReplicaManager::~ReplicaManager() {
  for (Periodic& p : periodic_) p.timer.cancel();
  for (auto& [tp, retry] : isr_change_retries_) retry.cancel();
}

void ReplicaManager::every(std::int64_t interval_ms, std::function<void()> task) {
  if (interval_ms <= 0 || interval_ms == INT64_MAX) return;  // never
  periodic_.push_back(Periodic{interval_ms, std::move(task), {}});
  arm(periodic_.size() - 1);
}

void ReplicaManager::arm(std::size_t index) {
  periodic_[index].timer = env_.after(Duration::millis(periodic_[index].interval_ms), [this, index] {
    periodic_[index].task();
    arm(index);
  });
}

void ReplicaManager::delete_old_segments() {
  for (const auto& [tp, p] : partitions_) {
    const Offset start = p->log().log_start_offset();
    if (!p->log().delete_old_segments(now_ms(env_), p->high_watermark()).ok()) {
      env_.trace(Note{"retention of " + tp.str() + " failed"});
    }
    if (p->log().log_start_offset() != start) {
      env_.trace(LogStartMoved{p->name(), p->log().log_start_offset().value(), "retention"});
      env_.probe(Probe::log_segment_deleted_by_retention);
    }
  }
}

void ReplicaManager::checkpoint_high_watermarks() {
  storage::OffsetMap hws = checkpointed_high_watermarks_;  // partitions not hosted (yet) keep theirs
  for (const auto& [tp, p] : partitions_) hws[tp] = p->high_watermark();
  if (!logs_.write_high_watermarks(hws).ok()) env_.trace(Note{"could not write the high watermark checkpoint"});
}

void ReplicaManager::maybe_shrink_isrs() {
  for (const auto& [tp, p] : partitions_) {
    if (p->maybe_shrink_isr(now_ms(env_), config_.replica_lag_time_max_ms)) send_isr_change(*p);
  }
}

void ReplicaManager::send_isr_change(Partition& p) {
  const auto& change = p.pending_isr_change();
  if (!change || !controller_) return;
  env_.trace(IsrChangeProposed{p.name(), change->leader_epoch.value(), broker_list(p.isr()),
                               broker_list(change->new_isr), change->partition_epoch});
  env_.send(*controller_, make_message(AlterIsrRequest{config_.broker_id, {*change}}));
  retry_isr_change(p.tp(), config_.request_timeout_ms);  // no answer: ask again
}

void ReplicaManager::on_disconnect(NodeId node) {
  fetcher_.on_disconnect(node);
  if (controller_ != node) return;
  // retry_isr_change replaces the entry's timer in place: the map itself does not change.
  for (const auto& [tp, retry] : isr_change_retries_) {
    if (retry.pending()) retry_isr_change(tp, config_.alter_isr_retry_backoff_ms);
  }
}

void ReplicaManager::retry_isr_change(const TopicPartition& tp, std::int64_t after_ms) {
  TimerHandle& retry = isr_change_retries_[tp];
  retry.cancel();
  retry = env_.after(Duration::millis(after_ms), [this, tp] {
    if (Partition* again = partition(tp)) send_isr_change(*again);
  });
}

void ReplicaManager::handle_alter_isr_response(const AlterIsrResponse& response) {
  for (const AlterIsrResult& result : response.partitions) {
    Partition* p = partition(result.tp);
    if (p == nullptr || !p->pending_isr_change()) continue;
    env_.trace(IsrChangeAnswered{result.tp.str(), error_name(result.error), broker_list(result.isr),
                                 result.partition_epoch});
    if (result.error != Errors::NONE) env_.probe(Probe::isr_change_refused);
    switch (result.error) {
      case Errors::FENCED_LEADER_EPOCH:
      case Errors::INVALID_UPDATE_VERSION:
      case Errors::UNKNOWN_TOPIC_OR_PARTITION:
      case Errors::NOT_LEADER_OR_FOLLOWER:
        // Our view is stale: the proposal stays pending (and the high watermark keeps waiting
        // for the maximal ISR) until the controller's LeaderAndIsr says what is true.
        isr_change_retries_[result.tp].cancel();
        break;
      case Errors::INELIGIBLE_REPLICA:
        isr_change_retries_[result.tp].cancel();
        p->abandon_isr_change();
        break;
      case Errors::NONE:
        isr_change_retries_[result.tp].cancel();
        if (p->complete_isr_change(result)) on_high_watermark_moved(*p);
        break;
      default:
        // Retriable (NOT_CONTROLLER while the controller moves, ...): ask again after the
        // backoff, never at once (a broker that still names itself controller would loop).
        retry_isr_change(result.tp, config_.alter_isr_retry_backoff_ms);
        break;
    }
  }
}

void ReplicaManager::truncate(Partition& p, Offset offset, std::string_view reason) {
  const Offset from = p.log_end_offset();
  if (!p.truncate_to(offset).ok()) {
    env_.trace(Note{"truncation of " + p.name() + " failed"});
    return;
  }
  if (p.log_end_offset() != from) {
    env_.trace(LogTruncated{p.name(), from.value(), p.log_end_offset().value(), reason});
    if (reason == "leader_epoch") env_.probe(Probe::follower_truncated_by_leader_epoch);
    if (reason == "high_watermark") env_.probe(Probe::follower_truncated_to_high_watermark);
    if (reason == "leader_log_end") env_.probe(Probe::follower_truncated_to_leader_log_end);
  }
  trace_high_watermark(p);  // what the follower now believes is committed
}

void ReplicaManager::truncate_fully_and_start_at(Partition& p, Offset offset) {
  const Offset from = p.log_end_offset();
  const Offset start = p.log().log_start_offset();
  if (!p.truncate_fully_and_start_at(offset).ok()) {
    env_.trace(Note{"truncation of " + p.name() + " failed"});
    return;
  }
  // Everything the replica held is gone: a truncation to where its log started, and a log
  // that starts again at the leader's log start.
  env_.trace(LogTruncated{p.name(), from.value(), start.value(), "log_start"});
  env_.trace(LogStartMoved{p.name(), offset.value(), "leader_log_start"});
  env_.probe(Probe::follower_restarted_at_leader_log_start);
  trace_high_watermark(p);
}

void ReplicaManager::follow_leader_log_start(Partition& p, Offset leader_log_start) {
  if (leader_log_start <= p.log().log_start_offset() || leader_log_start > p.high_watermark()) return;
  if (!p.log().increment_log_start_offset(leader_log_start, now_ms(env_)).ok()) {
    env_.trace(Note{"moving the log start of " + p.name() + " failed"});
    return;
  }
  env_.trace(LogStartMoved{p.name(), leader_log_start.value(), "leader_log_start"});
  env_.probe(Probe::follower_log_start_followed_leader);
}

bool ReplicaManager::truncate_to_leader_epoch(Partition& p, const EpochEndOffset& leader) {
  const Offset leo = p.log_end_offset();
  if (leader.end_offset == storage::kUndefinedOffset) {  // the leader knows no epoch this old
    truncate(p, p.high_watermark(), "high_watermark");
    return true;
  }
  if (config_.replica_truncation == ReplicaTruncation::leader_epoch_0_11) {
    // Kafka 0.11 cut to the end offset the leader named, not asking which epoch ends there: a
    // leader that never had the follower's latest epoch names where its next epoch starts, and
    // the follower keeps its own records below that where the leader's differ (KIP-279).
    truncate(p, std::min(leader.end_offset, leo), "leader_epoch");
    return true;
  }
  const auto [local_epoch, local_end] = p.log().epoch_cache().end_offset_for(leader.leader_epoch, leo);
  if (local_epoch == storage::kUndefinedEpoch || local_epoch == leader.leader_epoch) {
    // Both logs agree up to the end of that epoch on the shorter of the two (KIP-101).
    const Offset end = local_epoch == storage::kUndefinedEpoch ? leader.end_offset : std::min(leader.end_offset, local_end);
    truncate(p, std::min(end, leo), "leader_epoch");
    return true;
  }
  // The follower's history differs already in an earlier epoch: cut to where its own epoch ends
  // and ask again about the epoch before (KIP-279).
  truncate(p, std::min(local_end, leo), "leader_epoch");
  return false;
}

void ReplicaManager::handle_offsets_for_leader_epoch(NodeId from, const OffsetsForLeaderEpochRequest& request) {
  OffsetsForLeaderEpochResponse response;
  response.correlation_id = request.correlation_id;
  for (const EpochQuery& q : request.partitions) {
    EpochEndOffset out;
    out.tp = q.tp;
    Partition* p = partition(q.tp);
    if (const auto error = leader_error(p, q.current_leader_epoch)) {
      out.error = *error;
    } else {
      const auto [epoch, end] = p->log().epoch_cache().end_offset_for(q.leader_epoch, p->log_end_offset());
      out.leader_epoch = epoch;
      out.end_offset = end;
    }
    response.partitions.push_back(out);
  }
  env_.send(from, make_message(std::move(response)));
}

std::optional<Errors> ReplicaManager::leader_error(const Partition* p, LeaderEpoch current_leader_epoch) const {
  if (p == nullptr) return Errors::UNKNOWN_TOPIC_OR_PARTITION;
  if (!p->is_leader()) return Errors::NOT_LEADER_OR_FOLLOWER;
  if (current_leader_epoch.value() >= 0 && current_leader_epoch != p->leader_epoch()) {
    return current_leader_epoch < p->leader_epoch() ? Errors::FENCED_LEADER_EPOCH : Errors::UNKNOWN_LEADER_EPOCH;
  }
  return std::nullopt;
}

void ReplicaManager::handle_list_offsets(NodeId from, const ListOffsetsRequest& request) {
  ListOffsetsResponse response;
  response.correlation_id = request.correlation_id;
  for (const ListOffsetsPartition& q : request.partitions) {
    ListedOffset out{q.tp, Errors::NONE, Offset{-1}, LeaderEpoch{-1}};
    Partition* p = partition(q.tp);
    if (const auto error = leader_error(p, q.current_leader_epoch)) {
      out.error = *error;
    } else if (q.timestamp == kEarliestTimestamp) {
      out.offset = p->log().log_start_offset();
    } else if (q.timestamp == kLatestTimestamp) {
      // A consumer's end is what is committed; a follower's the log end (Kafka reads with no
      // isolation level for a replica).
      out.offset = request.replica_id.value() >= 0 ? p->log_end_offset() : p->high_watermark();
    } else {
      auto found = p->log().offset_for_timestamp(q.timestamp);
      if (!found.ok()) {
        out.error = Errors::KAFKA_STORAGE_ERROR;
      } else {
        out.offset = std::min(found.value().value_or(p->high_watermark()), p->high_watermark());
      }
    }
    if (out.error == Errors::NONE) out.leader_epoch = p->leader_epoch();
    response.partitions.push_back(out);
  }
  env_.send(from, make_message(std::move(response)));
}

Partition* ReplicaManager::partition(const TopicPartition& tp) {
  for (const auto& [topic, numbered] : by_topic_) {
    if (topic != tp.topic) continue;
    const auto n = static_cast<std::size_t>(tp.partition);
    return tp.partition >= 0 && n < numbered.size() ? numbered[n] : nullptr;
  }
  return nullptr;
}

void ReplicaManager::index_partition(Partition& p) {
  auto topic = std::find_if(by_topic_.begin(), by_topic_.end(), [&](const auto& t) { return t.first == p.tp().topic; });
  if (topic == by_topic_.end()) topic = by_topic_.insert(by_topic_.end(), {p.tp().topic, {}});
  auto& numbered = topic->second;
  const auto n = static_cast<std::size_t>(p.tp().partition);
  if (numbered.size() <= n) numbered.resize(n + 1, nullptr);
  numbered[n] = &p;
}

void ReplicaManager::trace_role(const Partition& p) {
  env_.trace(BecameLeaderOrFollower{p.name(), p.is_leader(), p.leader().value(), p.leader_epoch().value(),
                                    broker_list(p.isr())});
}

LeaderAndIsrResponse ReplicaManager::become_leader_or_follower(NodeId from, const LeaderAndIsrRequest& request) {
  LeaderAndIsrResponse response;
  response.correlation_id = request.correlation_id;
  if (request.controller_epoch < controller_epoch_) {
    env_.probe(Probe::stale_controller_request_refused);
    for (const auto& s : request.partitions) response.partitions.emplace_back(s.tp, Errors::STALE_CONTROLLER_EPOCH);
    return response;
  }
  controller_epoch_ = request.controller_epoch;
  controller_ = from;
  std::map<BrokerId, NodeId> nodes(request.brokers.begin(), request.brokers.end());
  for (const PartitionState& state : request.partitions) {
    auto log = logs_.get_or_create(state.tp, now_ms(env_));
    if (!log.ok()) {
      response.partitions.emplace_back(state.tp, Errors::KAFKA_STORAGE_ERROR);
      continue;
    }
    auto& slot = partitions_[state.tp];
    if (!slot) {
      auto hw = checkpointed_high_watermarks_.find(state.tp);
      slot = std::make_unique<Partition>(state.tp, config_.broker_id, *log.value(),
                                         hw == checkpointed_high_watermarks_.end() ? Offset{0} : hw->second);
      index_partition(*slot);
      trace_appends(*slot);
    }
    Partition& p = *slot;
    // As Kafka: only a newer leader epoch changes anything.
    const bool newer = state.leader_epoch > p.leader_epoch() ||
                       (config_.test_only_accept_equal_leader_epoch && state.leader_epoch == p.leader_epoch());
    if (!newer) {
      response.partitions.emplace_back(state.tp, Errors::STALE_CONTROLLER_EPOCH);
      continue;
    }
    auto leader_node = nodes.find(state.leader);
    if (state.leader != config_.broker_id && leader_node == nodes.end()) {
      // As Kafka's makeFollowers: a follower of a leader it cannot reach changes nothing, so
      // that the same epoch, told again with the leader's endpoint, still counts as new.
      response.partitions.emplace_back(state.tp, Errors::NONE);
      continue;
    }
    isr_change_retries_[state.tp].cancel();
    if (state.leader == config_.broker_id) {
      p.make_leader(state, now_ms(env_));
      if (config_.replica_truncation == ReplicaTruncation::leader_epoch) {
        // Since Kafka 2.1 (KAFKA-7415) a new leader records where its epoch starts at once, not
        // at its first append: a follower asking about an epoch the leader never had would
        // otherwise hear "undefined" and keep its log up to its own high watermark, which a
        // deposed leader's is, above records the new leader holds differently. An I/O error
        // here reaches the LogDirFailureChannel like any other.
        (void)p.log().epoch_cache().assign(p.leader_epoch(), p.log_end_offset());
      }
      fetcher_.remove(state.tp);
      trace_high_watermark(p);  // a new leader starts from the high watermark it had
    } else {
      p.make_follower(state);
      // Before 0.11 a new follower cut its log to its high watermark at once; since KIP-101 it
      // asks the leader first.
      const bool ask_leader = config_.replica_truncation != ReplicaTruncation::high_watermark;
      if (!ask_leader) truncate(p, p.high_watermark(), "high_watermark");
      fetcher_.set_leader(state.tp, state.leader, leader_node->second, ask_leader);
    }
    trace_role(p);
    if (leadership_listener_) leadership_listener_(p);
    response.partitions.emplace_back(state.tp, Errors::NONE);
    // Waiting requests learn of the new role: a deposed leader's produces fail now.
    produce_purgatory_.check_and_complete(p.name());
    fetch_purgatory_.check_and_complete(p.name());
  }
  return response;
}

void ReplicaManager::on_high_watermark_moved(Partition& p) {
  trace_high_watermark(p);
  produce_purgatory_.check_and_complete(p.name());
  fetch_purgatory_.check_and_complete(p.name());
}

void ReplicaManager::trace_high_watermark(const Partition& p) {
  env_.trace(HighWatermarkUpdated{p.name(), p.high_watermark().value(), p.log_end_offset().value()});
}

void ReplicaManager::trace_recovered_logs() {
  for (const auto& [tp, log] : logs_.logs()) {
    const auto hw = checkpointed_high_watermarks_.find(tp);
    Offset from = std::min(log->recovery_point(), hw == checkpointed_high_watermarks_.end() ? Offset{0} : hw->second);
    from = std::max(from, log->log_start_offset());
    const std::string name = tp.str();
    if (from < log->log_end_offset()) {
      auto tail = log->read_to_end(from);  // every segment of the tail, not only the first's
      if (!tail.ok()) {
        env_.trace(Note{"could not read back the recovered log of " + name + ": " + tail.status().detail()});
      } else {
        for (const ByteView& batch : tail.value()) {
          const storage::BatchHeader b = storage::decode_batch_header(batch.data());
          env_.trace(RecoveredBatch{name, b.base_offset.value(), b.last_offset().value(),
                                    b.partition_leader_epoch.value(), b.crc, first_record_id(batch)});
        }
      }
    }
    env_.trace(LogRecovered{name, log->log_end_offset().value()});
  }
}

void ReplicaManager::trace_appends(Partition& p) {
  // As each batch is written, before a flush that may fail and halt the broker: the batch is
  // in the file all the same, and recovery will find it.
  p.log().set_append_listener([this, &p](const storage::BatchHeader& b, const ByteView& batch, bool as_leader) {
    env_.trace(RecordsAppended{p.name(), as_leader, b.base_offset.value(), b.last_offset().value(),
                               b.partition_leader_epoch.value(), b.crc, first_record_id(batch), b.producer_id.value()});
  });
}

void ReplicaManager::handle_produce(NodeId from, const ProduceRequest& request) {
  if (request.acks == 0) return process_produce(from, request);  // no response to wait for
  auto [queue, first] = muted_produce_.try_emplace(from);
  queue->second.push_back(request);
  if (first) process_produce(from, request);  // otherwise it waits for the one in progress
}

void ReplicaManager::produce_answered(NodeId client) {
  auto it = muted_produce_.find(client);
  if (it == muted_produce_.end()) return;
  it->second.pop_front();
  if (it->second.empty()) {
    muted_produce_.erase(it);
    return;
  }
  // The next request runs as a new event, as Kafka reads it on a later poll: never inside the
  // purgatory pass that completed this one.
  env_.after(Duration::zero(), [this, client] {
    auto queued = muted_produce_.find(client);
    if (queued != muted_produce_.end()) process_produce(client, queued->second.front());
  });
}

void ReplicaManager::process_produce(NodeId from, const ProduceRequest& request) {
  append_records(request.acks, request.timeout_ms, request.partitions,
                 [this, from, correlation_id = request.correlation_id, acks = request.acks](
                     const std::vector<ProducePartitionResponse>& results) {
                   answer_produce(from, correlation_id, acks, results);
                 });
}

void ReplicaManager::append_records(std::int16_t acks, std::int32_t timeout_ms, const std::vector<ProducePartition>& partitions,
                                    AppendCallback answer) {
  std::vector<ProducePartitionResponse> results;
  std::vector<DelayedProduce::Waiting> waiting;
  std::vector<std::string> keys;
  for (const ProducePartition& part : partitions) {
    Partition* p = partition(part.tp);
    if (p == nullptr) {
      results.push_back({part.tp, Errors::UNKNOWN_TOPIC_OR_PARTITION, Offset{-1}});
      continue;
    }
    const std::int32_t min_isr = config_.min_insync_replicas_of(part.tp.topic);
    const Offset hw_before = p->high_watermark();
    const LeaderAppendResult result = p->append_records_to_leader(part.records, acks, min_isr, now_ms(env_));
    if (result.error != Errors::NONE) {
      results.push_back({part.tp, result.error, Offset{-1}});
      continue;
    }
    const storage::LogAppendInfo& info = result.info;
    if (info.duplicate) {
      env_.probe(Probe::produce_duplicate_answered);
    } else {
      fetch_purgatory_.check_and_complete(p->name());  // followers waiting for data
    }
    if (p->high_watermark() > hw_before) on_high_watermark_moved(*p);
    results.push_back({part.tp, Errors::NONE, info.first_offset});
    if (acks == -1) {
      waiting.push_back({results.size() - 1, Offset{info.last_offset.value() + 1}, min_isr});
      keys.push_back(p->name());
    }
  }
  if (waiting.empty()) return answer(results);
  auto delayed = std::make_shared<DelayedProduce>(*this, timeout_ms, std::move(results), std::move(waiting), std::move(answer));
  produce_purgatory_.try_complete_else_watch(delayed, keys);
}

void ReplicaManager::answer_produce(NodeId client, std::int32_t correlation_id, std::int16_t acks,
                                    const std::vector<ProducePartitionResponse>& results) {
  for (const auto& r : results) {
    env_.trace(ProduceAnswered{r.tp.str(), correlation_id, acks, error_name(r.error), r.base_offset.value()});
    probe_produce_error(r.error);
  }
  if (acks == 0) return;
  env_.send(client, make_message(ProduceResponse{correlation_id, results}));
  produce_answered(client);
}

void ReplicaManager::probe_produce_error(Errors error) {
  switch (error) {
    case Errors::NOT_ENOUGH_REPLICAS: env_.probe(Probe::produce_refused_not_enough_replicas); break;
    case Errors::NOT_ENOUGH_REPLICAS_AFTER_APPEND: env_.probe(Probe::produce_not_enough_replicas_after_append); break;
    case Errors::REQUEST_TIMED_OUT: env_.probe(Probe::produce_expired_in_purgatory); break;
    case Errors::NOT_LEADER_OR_FOLLOWER: env_.probe(Probe::produce_refused_not_leader); break;
    case Errors::OUT_OF_ORDER_SEQUENCE_NUMBER: env_.probe(Probe::produce_out_of_order_sequence); break;
    case Errors::INVALID_PRODUCER_EPOCH: env_.probe(Probe::produce_fenced_producer_epoch); break;
    default: break;
  }
}

FetchedPartition ReplicaManager::read_partition(BrokerId replica, const FetchPartition& request) {
  FetchedPartition out;
  out.tp = request.tp;
  Partition* p = partition(request.tp);
  if (const auto error = leader_error(p, request.current_leader_epoch)) {
    if (*error == Errors::FENCED_LEADER_EPOCH) env_.probe(Probe::fetch_fenced_leader_epoch);
    out.error = *error;
    return out;
  }
  // A follower may read to the log end; a consumer only what is committed.
  const bool to_log_end = replica.value() >= 0 || config_.test_only_serve_consumers_above_high_watermark;
  const Offset max_offset = to_log_end ? p->log_end_offset() : p->high_watermark();
  auto read = p->log().read(request.fetch_offset, static_cast<std::size_t>(request.max_bytes), max_offset, true);
  if (!read.ok()) {
    out.error = Errors::KAFKA_STORAGE_ERROR;
    return out;
  }
  if (read.value().out_of_range) {
    out.error = Errors::OFFSET_OUT_OF_RANGE;
    return out;
  }
  out.high_watermark = p->high_watermark();
  out.log_start_offset = p->log().log_start_offset();
  out.records = read.value().records.chunks();
  return out;
}

bool ReplicaManager::fetch_ready(const FetchRequest& request) {
  std::size_t available = 0;
  for (const FetchPartition& fp : request.partitions) {
    Partition* p = partition(fp.tp);
    if (leader_error(p, fp.current_leader_epoch)) return true;
    const Offset end = request.replica_id.value() >= 0 ? p->log_end_offset() : p->high_watermark();
    if (fp.fetch_offset > end || fp.fetch_offset < p->log().log_start_offset()) return true;  // out of range
    if (fp.fetch_offset == end) continue;
    if (request.min_bytes <= 1) return true;
    // fetch.min.bytes: count what a read would return, up to what is still missing.
    const std::size_t wanted = static_cast<std::size_t>(request.min_bytes) - available;
    auto read = p->log().read(fp.fetch_offset, wanted, end, true);
    if (!read.ok()) return true;
    available += read.value().records.size_bytes();
    if (available >= static_cast<std::size_t>(request.min_bytes)) return true;
  }
  return false;
}

void ReplicaManager::answer_fetch(NodeId to, const FetchRequest& request) {
  FetchResponse response;
  response.correlation_id = request.correlation_id;
  for (const FetchPartition& fp : request.partitions) {
    response.partitions.push_back(read_partition(request.replica_id, fp));
    const FetchedPartition& out = response.partitions.back();
    if (!out.records.empty()) {
      // What a consumer was sent is judged against the high watermark; followers may read past it.
      std::int64_t last = -1;
      if (request.replica_id.value() < 0) {
        const storage::Records::Batches batches = storage::Records(out.records).batches();
        if (!batches.empty()) last = storage::decode_batch_header(batches.back().data()).last_offset().value();
      }
      env_.trace(FetchServed{fp.tp.str(), to.value(), request.replica_id.value(), fp.fetch_offset.value(), last,
                             static_cast<std::int64_t>(chunks_bytes(out.records)), out.high_watermark.value()});
    }
  }
  env_.send(to, make_message(std::move(response)));
}

void ReplicaManager::handle_fetch(NodeId from, const FetchRequest& request) {
  if (request.replica_id.value() >= 0) {
    // The fetch offset of a follower is its log end offset, which may commit records.
    for (const FetchPartition& fp : request.partitions) {
      Partition* p = partition(fp.tp);
      if (p == nullptr || !p->is_leader() || fp.current_leader_epoch != p->leader_epoch()) continue;
      if (p->update_follower_fetch_state(request.replica_id, fp.fetch_offset, now_ms(env_))) on_high_watermark_moved(*p);
      if (p->maybe_expand_isr(request.replica_id)) send_isr_change(*p);
    }
  }
  if (fetch_ready(request) || request.max_wait_ms <= 0) return answer_fetch(from, request);
  std::vector<std::string> keys;
  for (const FetchPartition& fp : request.partitions) keys.push_back(key_of(fp.tp));
  fetch_purgatory_.try_complete_else_watch(std::make_shared<DelayedFetch>(*this, from, request), keys);
}

}  // namespace kafkasim::broker
