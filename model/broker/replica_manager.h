// ReplicaManager: the partitions of one broker and the requests that touch them.
//
// Produce: the leader appends; acks=0 and acks=1 are answered at once, acks=-1 waits in the
// produce purgatory (DelayedProduce) until the high watermark passes the batch, or times out.
// Fetch: a follower's fetch offset is its log end offset, which may move the high watermark
// and complete waiting produces; a consumer reads only below the high watermark. A fetch with
// nothing to return waits in the fetch purgatory (DelayedFetch) for data or for max_wait_ms.
// Fetches carry the fetcher's leader epoch (KIP-320): an older one is FENCED_LEADER_EPOCH, a
// newer one UNKNOWN_LEADER_EPOCH. A replica that becomes a follower first truncates its log
// where it parts from the leader's, as replica.truncation says.
//
// ISR: every replica.lag.time.max.ms / 2 a leader proposes to drop followers that have not
// caught up within replica.lag.time.max.ms; a fetch that catches a follower up proposes adding
// it back. Proposals go to the controller that sent the last LeaderAndIsr (AlterIsr, KIP-497)
// and are resent until answered.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "model/broker/broker_config.h"
#include "model/broker/partition.h"
#include "model/broker/replica_fetcher.h"
#include "model/env.h"
#include "model/storage/log_manager.h"
#include "model/timer/delayed_operation.h"

namespace kafkasim::broker {

class ReplicaManager {
 public:
  ReplicaManager(Env& env, const BrokerConfig& config, storage::LogManager& logs);
  ~ReplicaManager();

  // On start: traces each log as recovery left it, its batches above the checkpointed high
  // watermark (or the recovery point, if lower) and then its log end offset.
  void trace_recovered_logs();

  // `from`: the controller, to which ISR changes are proposed.
  LeaderAndIsrResponse become_leader_or_follower(NodeId from, const LeaderAndIsrRequest& request);
  void handle_alter_isr_response(const AlterIsrResponse& response);
  // Where ISR changes go: the controller of the latest UpdateMetadata or LeaderAndIsr.
  void set_controller(NodeId node) { controller_ = node; }
  // Requests of one client are processed one at a time, in the order they came: Kafka's
  // SocketServer mutes a connection until the response to its current request is sent, so a
  // producer's pipelined requests are answered in request order even when one waits for
  // replication.
  void handle_produce(NodeId from, const ProduceRequest& request);
  // Traces the outcome per partition, sends the response (acks 1 and all) and lets the
  // client's next request run.
  void answer_produce(NodeId client, std::int32_t correlation_id, std::int16_t acks,
                      const std::vector<ProducePartitionResponse>& results);
  // Kafka's appendRecords: appends to the partitions this broker leads and calls `answer`
  // once, at once for acks 0 and 1, for acks -1 when the high watermark passes every batch
  // (or at the timeout). Produce requests and the group coordinator's writes both come here.
  using AppendCallback = std::function<void(const std::vector<ProducePartitionResponse>&)>;
  void append_records(std::int16_t acks, std::int32_t timeout_ms, const std::vector<ProducePartition>& partitions,
                      AppendCallback answer);
  // Told of every partition that took a new role from a LeaderAndIsr (Kafka's
  // onLeadershipChange, which the group coordinator follows).
  void set_leadership_listener(std::function<void(const Partition&)> listener) { leadership_listener_ = std::move(listener); }
  void handle_fetch(NodeId from, const FetchRequest& request);
  void handle_fetch_response(NodeId from, const FetchResponse& response) { fetcher_.handle_response(from, response); }
  // The connection to `node` closed: fetches from a leader there back off and go again; ISR
  // changes sent to a controller there go again after alter.isr.retry.backoff.ms.
  void on_disconnect(NodeId node);
  void handle_offsets_for_leader_epoch(NodeId from, const OffsetsForLeaderEpochRequest& request);
  void handle_list_offsets(NodeId from, const ListOffsetsRequest& request);
  void handle_offsets_for_leader_epoch_response(NodeId from, const OffsetsForLeaderEpochResponse& response) {
    fetcher_.handle_epoch_response(from, response);
  }
  void handle_list_offsets_response(NodeId from, const ListOffsetsResponse& response) {
    fetcher_.handle_list_offsets_response(from, response);
  }
  // Writes replication-offset-checkpoint (also done every
  // replica.high.watermark.checkpoint.interval.ms).
  void checkpoint_high_watermarks();
  // Retention: deletes expired segments of every hosted log, never above its high watermark.
  void delete_old_segments();
  // Proposes dropping lagging followers from each led partition's ISR.
  void maybe_shrink_isrs();

  Partition* partition(const TopicPartition& tp);

 private:
  void process_produce(NodeId from, const ProduceRequest& request);
  void produce_answered(NodeId client);
  friend class ReplicaFetcher;
  friend class DelayedFetch;
  // Counts the produce refusals a fault causes (model/probes.h).
  void probe_produce_error(Errors error);
  // Reads what a fetch asks for, or tells why it cannot. Follower fetches update the leader.
  FetchedPartition read_partition(BrokerId replica, const FetchPartition& p);
  // True when a fetch could return something now: an error, or at least fetch.min.bytes.
  bool fetch_ready(const FetchRequest& request);
  // The leader's answer to a partition of a request that checks the current leader epoch
  // (KIP-320): nothing when this broker leads it in that epoch.
  std::optional<Errors> leader_error(const Partition* p, LeaderEpoch current_leader_epoch) const;
  void answer_fetch(NodeId to, const FetchRequest& request);
  void on_high_watermark_moved(Partition& p);
  // The trace events of appends (one per batch, as the log writes it) and of a high
  // watermark move, on leader and follower alike.
  void trace_appends(Partition& p);
  void trace_high_watermark(const Partition& p);
  void trace_role(const Partition& p);
  void truncate(Partition& p, Offset offset, std::string_view reason);
  // A follower behind the leader's log start drops its log and starts afresh there.
  void truncate_fully_and_start_at(Partition& p, Offset offset);
  // KIP-107: a follower's log starts no earlier than its leader's (Kafka's
  // maybeIncrementLogStartOffset, LeaderOffsetIncremented): what retention or DeleteRecords
  // removed on the leader goes on the follower too, up to the follower's high watermark.
  void follow_leader_log_start(Partition& p, Offset leader_log_start);
  // Sends the partition's pending ISR change to the controller, and again after `retry_ms`
  // unless an answer or a new LeaderAndIsr comes first.
  void send_isr_change(Partition& p);
  void retry_isr_change(const TopicPartition& tp, std::int64_t after_ms);
  // KIP-101/279: where a follower's log parts from the leader's, from the leader's answer.
  // True when that is settled; false when the follower must ask again about an older epoch.
  bool truncate_to_leader_epoch(Partition& p, const EpochEndOffset& leader);
  // Runs `task` every `interval_ms` (INT64_MAX: never), from now until the manager goes.
  void every(std::int64_t interval_ms, std::function<void()> task);
  void arm(std::size_t index);
  // Adds a partition just made to by_topic_.
  void index_partition(Partition& p);

  Env& env_;
  const BrokerConfig& config_;
  storage::LogManager& logs_;
  std::map<TopicPartition, std::unique_ptr<Partition>> partitions_;
  // The same partitions by topic, then by partition number: every request looks partitions
  // up, most of them several times, and this is a pointer compare per topic and an index.
  std::vector<std::pair<TopicName, std::vector<Partition*>>> by_topic_;
  ControllerEpoch controller_epoch_{-1};
  std::optional<NodeId> controller_;
  std::map<TopicPartition, TimerHandle> isr_change_retries_;
  storage::OffsetMap checkpointed_high_watermarks_;
  struct Periodic {
    std::int64_t interval_ms;
    std::function<void()> task;
    TimerHandle timer;
  };
  std::vector<Periodic> periodic_;  // addressed by index: the vector may grow
  timer::DelayedOperationPurgatory produce_purgatory_;
  timer::DelayedOperationPurgatory fetch_purgatory_;
  std::map<NodeId, std::deque<ProduceRequest>> muted_produce_;  // client -> requests behind its current one
  ReplicaFetcher fetcher_;
  std::function<void(const Partition&)> leadership_listener_;
};

}  // namespace kafkasim::broker
