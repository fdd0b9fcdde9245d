#include "model/client/producer.h"

#include <algorithm>
#include <limits>

#include "model/protocol/record_id.h"
#include "model/storage/record_batch.h"

namespace kafkasim::client {
namespace {

// Errors after which the same batch may succeed later (Kafka's RetriableException family).
bool retriable(Errors e) {
  switch (e) {
    case Errors::LEADER_NOT_AVAILABLE:
    case Errors::NOT_LEADER_OR_FOLLOWER:
    case Errors::UNKNOWN_TOPIC_OR_PARTITION:
    case Errors::REQUEST_TIMED_OUT:
    case Errors::NETWORK_EXCEPTION:
    case Errors::NOT_ENOUGH_REPLICAS:
    case Errors::NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case Errors::KAFKA_STORAGE_ERROR:
    case Errors::FENCED_LEADER_EPOCH:
    case Errors::UNKNOWN_LEADER_EPOCH:
    case Errors::OUT_OF_ORDER_SEQUENCE_NUMBER:  // while an earlier batch is in flight (see complete_batch)
      return true;
    default:
      return false;
  }
}

// Errors that mean the client's idea of the leader is stale.
bool needs_metadata(Errors e) {
  return e == Errors::LEADER_NOT_AVAILABLE || e == Errors::NOT_LEADER_OR_FOLLOWER ||
         e == Errors::UNKNOWN_TOPIC_OR_PARTITION || e == Errors::KAFKA_STORAGE_ERROR ||
         e == Errors::FENCED_LEADER_EPOCH || e == Errors::UNKNOWN_LEADER_EPOCH || e == Errors::NETWORK_EXCEPTION;
}

}  // namespace

Producer::Producer(Env& env, ProducerConfig config, std::vector<std::string> topics)
    : env_(env),
      config_(std::move(config)),
      metadata_(env, ClientMetadataConfig{config_.bootstrap, config_.metadata_max_age_ms, config_.retry_backoff_ms,
                                          config_.request_timeout_ms, config_.reconnect},
                std::move(topics), [this] { run(); }, [this](NodeId node) { close_connection(node); }),
      accumulator_(config_.batch_size, config_.linger_ms),
      partitioner_(env.rng()) {
  metadata_.request_update();
  if (config_.enable_idempotence) init_producer_id();
}

Producer::~Producer() {
  for (auto& [corr, f] : in_flight_) f.timeout.cancel();
  init_timeout_.cancel();
  wake_.cancel();
}

std::int64_t Producer::now_ms() const { return env_.now().as_micros() / 1000; }

void Producer::send(TopicName topic, std::optional<std::string> key, std::string value) {
  ++stats_.records_sent;
  waiting_for_metadata_.push_back(Unpartitioned{topic, PendingRecord{std::move(key), std::move(value), now_ms()}});
  // As Kafka's send(): the sender is woken only when a batch was started or filled; a record
  // joining a lingering batch changes nothing it would do before its wake-up.
  if (partition_waiting_records()) run();
}

bool Producer::partition_waiting_records() {
  bool wake_sender = false;
  while (!waiting_for_metadata_.empty()) {
    Unpartitioned& next = waiting_for_metadata_.front();
    const auto count = metadata_.partition_count(next.topic);
    if (!count) {
      metadata_.request_update();
      return wake_sender;  // records keep their order: wait for the topic's metadata
    }
    std::int32_t partition;
    if (next.record.key) {
      partition = partition_for_key(*next.record.key, *count);
    } else {
      const auto available = metadata_.available_partitions(next.topic);
      partition = partitioner_.partition(next.topic, *count, available);
      if (accumulator_.needs_new_batch(TopicPartition{next.topic, partition}, estimated_record_bytes(next.record))) {
        partition = partitioner_.next(next.topic, partition, *count, available);
      }
    }
    wake_sender |= accumulator_.append(TopicPartition{next.topic, partition}, std::move(next.record), now_ms());
    waiting_for_metadata_.pop_front();
  }
  return wake_sender;
}

bool Producer::earlier_batch_in_flight(const ProducerBatch& batch) const {
  return std::any_of(in_flight_.begin(), in_flight_.end(), [&](const auto& entry) {
    return std::any_of(entry.second.batches.begin(), entry.second.batches.end(), [&](const ProducerBatch& other) {
      return other.tp == batch.tp && other.producer_id == batch.producer_id &&
             other.producer_epoch == batch.producer_epoch && other.base_sequence < batch.base_sequence;
    });
  });
}

bool Producer::numbered_batch_unanswered(const TopicPartition& tp) const {
  const auto numbered = [&](const ProducerBatch& b) { return b.tp == tp && b.base_sequence >= 0; };
  return accumulator_.any_batch(numbered) || std::any_of(in_flight_.begin(), in_flight_.end(), [&](const auto& entry) {
           return std::any_of(entry.second.batches.begin(), entry.second.batches.end(), numbered);
         });
}

bool Producer::may_send(const ProducerBatch& batch) {
  if (!config_.enable_idempotence) return true;
  if (batch.base_sequence < 0) return may_number_new_batch(batch.tp);
  // A retry goes only once no lower sequence of its partition is in flight.
  return !earlier_batch_in_flight(batch);
}

bool Producer::may_number_new_batch(const TopicPartition& tp) {
  if (!producer_id_) return false;
  PartitionSequence& s = sequences_[tp];
  const auto current = [&] { return s.producer_id == *producer_id_ && s.epoch == producer_epoch_; };
  if (current() && !s.unresolved_next) return true;
  if (numbered_batch_unanswered(tp)) return false;  // their answers first
  if (s.unresolved_next) {
    s.unresolved_next.reset();
    // Unless every batch numbered was acknowledged after all, the broker's sequence has a gap.
    if (s.next != s.last_acked + 1) bump_epoch();
    if (!producer_id_) return false;  // the epoch ran out: a new producer id is on its way
  }
  if (!current()) s = starting_sequence();
  return true;
}

void Producer::restart_sequences(const TopicPartition& tp, ProducerBatch* answered) {
  bump_epoch();
  std::vector<ProducerBatch*> unanswered;
  if (answered) unanswered.push_back(answered);
  for (auto& [corr, f] : in_flight_) {
    for (ProducerBatch& b : f.batches) {
      if (b.tp == tp && b.base_sequence >= 0) unanswered.push_back(&b);
    }
  }
  accumulator_.for_each_batch([&](ProducerBatch& b) {
    if (b.tp == tp && b.base_sequence >= 0) unanswered.push_back(&b);
  });
  std::sort(unanswered.begin(), unanswered.end(),
            [](const ProducerBatch* a, const ProducerBatch* b) { return a->base_sequence < b->base_sequence; });
  PartitionSequence& s = sequences_[tp];
  s = producer_id_ ? starting_sequence() : PartitionSequence{};
  for (ProducerBatch* b : unanswered) {
    b->encoded.reset();
    b->sequence_reset = true;
    b->producer_id = s.producer_id;
    b->producer_epoch = s.epoch;
    b->base_sequence = producer_id_ ? s.next : -1;  // without an id: numbered when the new one comes
    if (producer_id_) s.next += b->record_count();
  }
}

Producer::PartitionSequence Producer::starting_sequence() const {
  PartitionSequence s;
  s.producer_id = *producer_id_;
  s.epoch = producer_epoch_;
  return s;
}

void Producer::bump_epoch() {
  if (producer_epoch_ == std::numeric_limits<std::int16_t>::max()) {  // as Kafka: a new producer id
    producer_id_.reset();
    init_producer_id();
    return;
  }
  ++producer_epoch_;  // a producer without transactions bumps its own epoch (KIP-360)
  env_.probe(Probe::producer_epoch_bumped);
}

void Producer::run() {
  partition_waiting_records();
  for (ProducerBatch& expired : accumulator_.expire(now_ms(), config_.delivery_timeout_ms)) {
    env_.probe(Probe::producer_batch_expired);
    finish(expired, Errors::REQUEST_TIMED_OUT, Offset{-1});
  }
  const bool can_send = !config_.enable_idempotence || producer_id_.has_value();
  std::optional<std::int64_t> reconnect_in_ms;  // the soonest a broker waited for may be tried
  if (can_send) {
    // Kafka's sender drains every ready partition of a broker into one request.
    std::map<NodeId, std::vector<ProducerBatch>> requests;
    for (const TopicPartition& tp : accumulator_.ready(now_ms())) {
      const auto leader = metadata_.leader_for(tp);
      if (!leader) {
        metadata_.request_update();
        continue;
      }
      if (const std::int64_t delay = metadata_.connections().delay_ms(leader->node); delay > 0) {
        reconnect_in_ms = std::min(reconnect_in_ms.value_or(delay), delay);
        continue;
      }
      const auto& connection = connections_[leader->node];
      if (static_cast<std::int32_t>(connection.size()) >= config_.max_in_flight_requests_per_connection) continue;
      if (!may_send(accumulator_.first(tp))) continue;
      requests[leader->node].push_back(accumulator_.drain(tp));
    }
    for (auto& [node, batches] : requests) send_request(node, std::move(batches));
  }
  wake_.cancel();
  std::optional<std::int64_t> wake_in_ms = reconnect_in_ms;
  if (const auto next = accumulator_.next_ready_ms(); next && *next > now_ms()) {
    wake_in_ms = std::min(wake_in_ms.value_or(*next - now_ms()), *next - now_ms());
  }
  if (wake_in_ms) wake_ = env_.after(Duration::millis(*wake_in_ms), [this] { run(); });
}

void Producer::encode(ProducerBatch& batch) {
  if (config_.enable_idempotence && batch.base_sequence < 0) {
    PartitionSequence& s = sequences_[batch.tp];
    batch.producer_id = s.producer_id;
    batch.producer_epoch = s.epoch;
    batch.base_sequence = s.next;
    s.next += batch.record_count();
  }
  batch.sequence_reset = false;
  storage::RecordBatchBuilder builder(Offset{0}, batch.records.front().timestamp_ms);
  if (config_.enable_idempotence) builder.producer(batch.producer_id, batch.producer_epoch, batch.base_sequence);
  std::int64_t n = batch.first_record_number;
  for (const PendingRecord& r : batch.records) {
    const std::string id = record_id(record_id_client(), n++);
    const storage::RecordHeaderSpan header{kRecordIdHeader, storage::bytes_of(id)};
    const auto key = r.key ? std::optional(storage::bytes_of(*r.key)) : std::nullopt;
    builder.append(r.timestamp_ms, key, storage::bytes_of(r.value), std::span(&header, 1));
  }
  batch.encoded = builder.build();
}

void Producer::send_request(NodeId node, std::vector<ProducerBatch> batches) {
  ProduceRequest request{++correlation_id_, config_.acks, config_.request_timeout_ms, {}};
  for (ProducerBatch& batch : batches) {
    if (!batch.encoded) encode(batch);
    ++batch.attempts;
    request.partitions.push_back(ProducePartition{batch.tp, {*batch.encoded}});
  }
  const std::int32_t corr = request.correlation_id;
  env_.send(node, make_message(std::move(request)));
  if (config_.acks == 0) {  // nothing will come back: done as soon as it is sent
    for (const ProducerBatch& batch : batches) finish(batch, Errors::NONE, Offset{-1});
    return;
  }
  connections_[node].push_back(corr);
  // Unanswered in time: Kafka's NetworkClient closes the connection, failing everything in flight on it.
  TimerHandle timeout = env_.after(Duration::millis(config_.request_timeout_ms), [this, node] {
    env_.probe(Probe::producer_request_timed_out);
    close_connection(node);
  });
  in_flight_.emplace(corr, InFlight{std::move(batches), node, timeout});
}

void Producer::on_produce_response(NodeId from, const ProduceResponse& response) {
  auto& connection = connections_[from];
  const std::int32_t corr = response.correlation_id;
  if (std::find(connection.begin(), connection.end(), corr) == connection.end()) return;  // a dropped connection's
  if (connection.front() != corr) {
    disconnect(from);  // an earlier response was lost
  } else {
    connection.pop_front();
    complete(corr, &response, Errors::NONE);
  }
  run();
}

void Producer::disconnect(NodeId node) {
  std::deque<std::int32_t> lost;
  lost.swap(connections_[node]);
  for (std::int32_t corr : lost) complete(corr, nullptr, Errors::NETWORK_EXCEPTION);
}

void Producer::complete(std::int32_t correlation_id, const ProduceResponse* response, Errors error) {
  auto it = in_flight_.find(correlation_id);
  it->second.timeout.cancel();
  std::vector<ProducerBatch> batches = std::move(it->second.batches);
  in_flight_.erase(it);
  for (ProducerBatch& batch : batches) {
    if (response == nullptr) {
      complete_batch(std::move(batch), error, Offset{-1});
      continue;
    }
    auto r = std::find_if(response->partitions.begin(), response->partitions.end(),
                          [&](const ProducePartitionResponse& p) { return p.tp == batch.tp; });
    if (r == response->partitions.end()) complete_batch(std::move(batch), Errors::NETWORK_EXCEPTION, Offset{-1});
    else complete_batch(std::move(batch), r->error, r->base_offset);
  }
}

void Producer::complete_batch(ProducerBatch batch, Errors error, Offset base_offset) {
  if (error == Errors::NONE || error == Errors::DUPLICATE_SEQUENCE_NUMBER) {
    if (config_.enable_idempotence) {
      PartitionSequence& s = sequences_[batch.tp];
      if (numbered_under(batch, s)) s.last_acked = std::max(s.last_acked, batch.base_sequence + batch.record_count() - 1);
    }
    finish(batch, Errors::NONE, base_offset);
  } else if (error == Errors::OUT_OF_ORDER_SEQUENCE_NUMBER && config_.enable_idempotence) {
    // Kafka's TransactionManager.canRetry without transactions: retried, after a new epoch where
    // the gap is certain: the batch follows what was acknowledged (nothing timed out), or
    // follows what timed out. Otherwise an earlier batch may still arrive and fill it.
    const PartitionSequence& s = sequences_[batch.tp];
    const bool gap = s.unresolved_next ? batch.base_sequence == *s.unresolved_next
                                       : !batch.sequence_reset && batch.base_sequence == s.last_acked + 1;
    if (gap && numbered_under(batch, s)) restart_sequences(batch.tp, &batch);
    retry_or_fail(std::move(batch), error);
  } else {
    retry_or_fail(std::move(batch), error);
  }
}

void Producer::retry_or_fail(ProducerBatch batch, Errors error) {
  if (needs_metadata(error)) metadata_.request_update();
  const bool in_time = now_ms() - batch.created_ms < config_.delivery_timeout_ms;
  if (!retriable(error) || batch.attempts > config_.retries || !in_time) return finish(batch, error, Offset{-1});
  batch.retry_at_ms = now_ms() + config_.retry_backoff_ms;
  accumulator_.reenqueue(std::move(batch));  // with its numbering: the first attempt may be in the log
}

void Producer::finish(const ProducerBatch& batch, Errors error, Offset base_offset) {
  env_.trace(ProducerBatchDone{config_.client_id, batch.tp.str(), record_id(record_id_client(), batch.first_record_number),
                               batch.record_count(), config_.acks, error_name(error), base_offset.value(),
                               batch.attempts, now_ms() - batch.created_ms});
  if (error == Errors::NONE) {
    stats_.records_acked += batch.record_count();
    for (const PendingRecord& r : batch.records) stats_.ack_latency_us.push_back(env_.now().as_micros() - r.timestamp_ms * 1000);
    return;
  }
  stats_.records_failed += batch.record_count();
  if (!config_.enable_idempotence || batch.base_sequence < 0) return;  // never sent: no sequence to resolve
  PartitionSequence& s = sequences_[batch.tp];
  if (!numbered_under(batch, s)) return;
  if (!retriable(error)) return restart_sequences(batch.tp, nullptr);  // refused: not in the log
  // Timed out, or out of time or retries: it may be in the log. Its partition waits until its
  // other batches are answered (may_number_new_batch), as Kafka's markSequenceUnresolved.
  const std::int32_t after = batch.base_sequence + batch.record_count();
  s.unresolved_next = std::max(s.unresolved_next.value_or(after), after);
}

void Producer::init_producer_id() {
  if (init_in_flight_) return;
  init_in_flight_ = ++correlation_id_;
  init_sent_to_ = metadata_.any_node();
  env_.send(init_sent_to_, make_message(InitProducerIdRequest{*init_in_flight_}));
  init_timeout_.cancel();  // a retry waiting for its backoff: this is it
  init_timeout_ = env_.after(Duration::millis(config_.request_timeout_ms), [this] { close_connection(init_sent_to_); });
}

void Producer::init_producer_id_failed() {
  init_in_flight_.reset();
  init_timeout_.cancel();
  init_timeout_ = env_.after(Duration::millis(config_.retry_backoff_ms), [this] { init_producer_id(); });  // the next broker in turn
}

void Producer::close_connection(NodeId node) {
  env_.disconnect(node);
  on_disconnect(node);
}

void Producer::on_disconnect(NodeId node) {
  metadata_.on_disconnect(node);
  if (init_in_flight_ && init_sent_to_ == node) init_producer_id_failed();
  disconnect(node);
  run();
}

void Producer::on_init_producer_id(const InitProducerIdResponse& response) {
  if (!init_in_flight_ || response.correlation_id != *init_in_flight_) return;
  init_in_flight_.reset();
  init_timeout_.cancel();
  if (response.error != Errors::NONE) {
    init_timeout_ = env_.after(Duration::millis(config_.retry_backoff_ms), [this] { init_producer_id(); });
    return;
  }
  producer_id_ = response.producer_id;
  producer_epoch_ = response.producer_epoch;
  run();
}

bool Producer::handle(NodeId from, const Message& message) {
  metadata_.connections().answered(from);
  if (const auto* r = body_cast<ProduceResponse>(message)) {
    on_produce_response(from, *r);
  } else if (const auto* m = body_cast<MetadataResponse>(message)) {
    metadata_.handle_response(*m);
  } else if (const auto* i = body_cast<InitProducerIdResponse>(message)) {
    on_init_producer_id(*i);
  } else {
    return false;
  }
  return true;
}

}  // namespace kafkasim::client
