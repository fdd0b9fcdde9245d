// Kafka's producer: records go through the partitioner into the accumulator; the sender
// drains ready batches to partition leaders, at most max.in.flight.requests.per.connection
// requests per broker, and retries retriable errors after retry.backoff.ms until
// delivery.timeout.ms or `retries` run out. Errors that mean stale metadata trigger a refresh.
//
// With enable.idempotence the producer first gets a producer id (InitProducerId) and numbers
// each partition's batches with consecutive sequences; a retry resends the same bytes, which
// the broker recognises as a duplicate. A retried batch waits until no batch with a lower
// sequence of its partition is in flight, so the broker sees sequences in order. A numbered
// batch that fails leaves a gap, recovered as KIP-360 does for a producer without transactions
// (Kafka 2.5+): a batch that timed out may be in the log, so its partition sends nothing new
// until its other numbered batches are answered; a gap left then, or one the broker names
// (OUT_OF_ORDER_SEQUENCE_NUMBER for the batch right after what was acknowledged, or right after
// what timed out), bumps the producer epoch, and the partition's unanswered batches are
// numbered again from 0 (TransactionManager: canRetry, maybeResolveSequences,
// bumpIdempotentProducerEpoch). Other partitions move to the new epoch once nothing of theirs
// is unanswered, so a retry keeps its numbering while its first attempt may be in the log.
// Kafka takes a batch the broker answered out of order for one not in the log; a first attempt
// still held on a connection the producer closed can prove that wrong, and the record is
// written twice (scenarios/idempotence-delivery-timeout.json).
//
// Requests to one broker travel on one connection, whose responses come back in request order
// (Kafka's NetworkClient checks correlation ids). A response out of that order means an earlier
// one was lost, and a request that times out means the same: either way the producer drops
// the connection, and every request in flight on it fails with NETWORK_EXCEPTION and is
// retried, in sequence order, so that the broker sees retries within its duplicate window.
//
// Every record carries its id (model/protocol/record_id.h). Outcomes are traced per batch
// (ProducerBatchDone): what the producer was told is what the checkers hold Kafka to.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/client/client_metadata.h"
#include "model/client/partitioner.h"
#include "model/client/producer_config.h"
#include "model/client/record_accumulator.h"
#include "model/env.h"
#include "model/message.h"

namespace kafkasim::client {

struct ProducerStats {
  std::int64_t records_sent = 0;    // handed to send()
  std::int64_t records_acked = 0;
  std::int64_t records_failed = 0;
  std::vector<std::int64_t> ack_latency_us;  // per acknowledged record, from send() to the answer
};

class Producer {
 public:
  Producer(Env& env, ProducerConfig config, std::vector<std::string> topics);
  ~Producer();

  void send(TopicName topic, std::optional<std::string> key, std::string value);
  // Takes the responses meant for the producer; false for any other message.
  bool handle(NodeId from, const Message& message);
  // The connection to `node` closed: its requests in flight failed (NETWORK_EXCEPTION).
  void on_disconnect(NodeId node);
  // A request to `node` went unanswered in time: Kafka's NetworkClient closes the connection
  // (processTimeoutDisconnection), and on_disconnect follows.
  void close_connection(NodeId node);

  const ProducerStats& stats() const { return stats_; }
  const ClientMetadata& metadata() const { return metadata_; }
  std::optional<ProducerId> producer_id() const { return producer_id_; }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  struct InFlight {
    std::vector<ProducerBatch> batches;  // one per partition of the request
    NodeId node;
    TimerHandle timeout;
  };

  void run();  // the sender: drain what is ready, then sleep until something will be
  // Appends the records waiting for metadata; returns whether the sender should run.
  bool partition_waiting_records();
  bool may_send(const ProducerBatch& batch);
  // A batch of the same partition, producer id and epoch with a lower sequence is in flight.
  bool earlier_batch_in_flight(const ProducerBatch& batch) const;
  // One request to `node` with a batch of each partition.
  void send_request(NodeId node, std::vector<ProducerBatch> batches);
  void encode(ProducerBatch& batch);
  const std::string& record_id_client() const {
    return config_.record_id_client.empty() ? config_.client_id : config_.record_id_client;
  }
  void on_produce_response(NodeId from, const ProduceResponse& response);
  // Fails every request in flight to `node` with NETWORK_EXCEPTION.
  void disconnect(NodeId node);
  // Each batch of the request by its partition's outcome; nothing: every batch failed with `error`.
  void complete(std::int32_t correlation_id, const ProduceResponse* response, Errors error);
  void complete_batch(ProducerBatch batch, Errors error, Offset base_offset);
  void retry_or_fail(ProducerBatch batch, Errors error);
  void finish(const ProducerBatch& batch, Errors error, Offset base_offset);
  void init_producer_id();
  void init_producer_id_failed();
  void on_init_producer_id(const InitProducerIdResponse& response);

  // How a partition's batches are numbered: under the producer id and epoch it last started
  // with (Kafka's TopicPartitionBookkeeper entry).
  struct PartitionSequence {
    ProducerId producer_id{-1};
    std::int16_t epoch = -1;
    std::int32_t next = 0;         // the sequence of the next batch numbered
    std::int32_t last_acked = -1;  // the last sequence acknowledged
    // A numbered batch failed without an answer that says it is not in the log: the sequence
    // after it (Kafka's partitionsWithUnresolvedSequences).
    std::optional<std::int32_t> unresolved_next;
  };
  static bool numbered_under(const ProducerBatch& batch, const PartitionSequence& s) {
    return batch.base_sequence >= 0 && batch.producer_id == s.producer_id && batch.producer_epoch == s.epoch;
  }
  // Whether a batch never sent may be numbered now (Kafka's shouldStopDrainBatchesForPartition
  // and maybeResolveSequences): not while the partition waits for answers to an older
  // numbering or to an unresolved sequence; a gap found then bumps the epoch.
  bool may_number_new_batch(const TopicPartition& tp);
  // A batch of `tp` with a sequence waits for its answer, in flight or queued for a retry.
  bool numbered_batch_unanswered(const TopicPartition& tp) const;
  // A gap in `tp`'s sequence the broker will not fill: a new epoch, and `tp`'s unanswered
  // batches (with `answered`, whose answer named the gap) renumbered from 0 in their order, as
  // Kafka's bumpIdempotentProducerEpoch does.
  void restart_sequences(const TopicPartition& tp, ProducerBatch* answered);
  void bump_epoch();
  // Sequence 0 under the producer's id and epoch.
  PartitionSequence starting_sequence() const;
  std::int64_t now_ms() const;

  Env& env_;
  ProducerConfig config_;
  ClientMetadata metadata_;
  RecordAccumulator accumulator_;
  StickyPartitioner partitioner_;
  struct Unpartitioned {
    TopicName topic;
    PendingRecord record;
  };
  std::deque<Unpartitioned> waiting_for_metadata_;
  std::map<std::int32_t, InFlight> in_flight_;
  std::map<NodeId, std::deque<std::int32_t>> connections_;  // correlation ids in flight, in send order
  std::int32_t correlation_id_ = 0;
  // Idempotence.
  std::optional<ProducerId> producer_id_;
  std::int16_t producer_epoch_ = -1;
  std::optional<std::int32_t> init_in_flight_;
  NodeId init_sent_to_;
  TimerHandle init_timeout_;
  std::map<TopicPartition, PartitionSequence> sequences_;
  TimerHandle wake_;
  ProducerStats stats_;
};

}  // namespace kafkasim::client
