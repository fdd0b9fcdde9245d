// Kafka's consumer in assign mode (no group): it learns leaders from metadata, finds a start
// position per partition with ListOffsets (auto.offset.reset), and keeps one fetch in flight
// per leader with every partition that leader serves (fetch.min.bytes, fetch.max.wait.ms,
// max.partition.fetch.bytes). poll() hands out at most max.poll.records buffered records.
//
// Fetches carry the leader epoch the consumer knows (KIP-320): a stale leader answers
// FENCED_LEADER_EPOCH instead of serving a diverged log. When the leader changes, the consumer
// validates its position before fetching again: OffsetsForLeaderEpoch for the epoch of the last
// record it consumed; if the new leader's log ends that epoch below the position, the log was
// truncated under the consumer (ConsumerTruncationDetected), and it moves to that end offset
// (or stops the partition under auto.offset.reset=none).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/client/assignors.h"
#include "model/client/client_metadata.h"
#include "model/env.h"
#include "model/message.h"

namespace kafkasim::client {

enum class OffsetReset { earliest, latest, none };

struct ConsumerConfig {
  std::string client_id = "consumer";
  std::vector<NodeId> bootstrap;
  std::int32_t max_poll_records = 500;
  std::int32_t fetch_min_bytes = 1;
  std::int32_t fetch_max_wait_ms = 500;
  std::int32_t max_partition_fetch_bytes = 1048576;
  OffsetReset auto_offset_reset = OffsetReset::latest;
  std::int32_t request_timeout_ms = 30000;
  std::int64_t retry_backoff_ms = 100;
  std::int64_t metadata_max_age_ms = 300000;
  ReconnectConfig reconnect;  // reconnect.backoff.ms, reconnect.backoff.max.ms
  // KIP-320 position validation after a leader change (Kafka 2.3+). Off: as older consumers,
  // which fetch on and, finding their offset out of range, reset by auto.offset.reset.
  bool validate_position_on_leader_change = true;
  // Tests only: every n-th batch fetched is stepped over, its records never handed out (a
  // consumer that loses what it fetched); 0 for Kafka's consumer.
  int test_only_loses_every_nth_batch = 0;
  // Group membership (group.id); "" for a consumer that assigns itself partitions.
  std::string group_id;
  // group.instance.id: a static member (KIP-345), which keeps its place (and partitions) when
  // its process restarts within its session; "" for a dynamic member.
  std::string group_instance_id;
  AssignmentStrategy assignment_strategy = AssignmentStrategy::range;  // partition.assignment.strategy
  // Tests only: a cooperative group's leader assigns as eager sticky does, handing a partition
  // to its new owner while its old one still consumes it (KIP-429's hold-back forgotten).
  bool test_only_cooperative_hands_over_at_once = false;
  std::int32_t session_timeout_ms = 45000;
  std::int32_t heartbeat_interval_ms = 3000;
  std::int32_t max_poll_interval_ms = 300000;  // the rebalance timeout a member asks for
  bool enable_auto_commit = true;
  std::int64_t auto_commit_interval_ms = 5000;
};

struct ConsumerRecord {
  TopicPartition tp;
  Offset offset;
  LeaderEpoch leader_epoch;  // of its batch
  std::optional<std::string> key;
  std::string value;
  std::string id;  // "" when the record carries none
};

class Consumer {
 public:
  Consumer(Env& env, ConsumerConfig config, std::vector<std::string> topics);
  const ConsumerConfig& config() const { return config_; }
  ~Consumer();

  void assign(const std::vector<TopicPartition>& partitions);
  // A group member's assignment: new partitions wait for seek() or reset_position() (the
  // committed offset, or auto.offset.reset when there is none) before they are fetched. As
  // assign(), partitions kept keep their positions (a cooperative member's).
  void assign_awaiting_positions(const std::vector<TopicPartition>& partitions);
  // The assigned partitions still waiting for seek() or reset_position().
  std::vector<TopicPartition> awaiting_positions() const;
  // Fetch `tp` from `offset`; `epoch` is the leader epoch of the record before it (-1: unknown).
  void seek(const TopicPartition& tp, Offset offset, LeaderEpoch epoch);
  // Find `tp`'s position by auto.offset.reset.
  void reset_position(const TopicPartition& tp);
  // The next offset to consume of each assigned partition with a position, and the leader
  // epoch of the record before it: what a commit records.
  std::vector<std::pair<TopicPartition, std::pair<Offset, LeaderEpoch>>> positions() const;
  const std::vector<TopicPartition>& assignment() const { return assignment_; }
  // Buffered records, at most max.poll.records, each partition's in offset order.
  std::vector<ConsumerRecord> poll();
  bool handle(NodeId from, const Message& message);
  // The connection to `node` closed, by the broker's side or by the client's when a request on
  // it timed out (Kafka's NetworkClient closes it then): its requests in flight failed, the
  // next poll asks again, and the listener (the group's coordinator client) hears of it too.
  void on_disconnect(NodeId node);
  // A request to `node` went unanswered in time: the client closes the connection, and
  // on_disconnect follows.
  void close_connection(NodeId node);
  // The one other part of the client that sends on these connections; empty to stop.
  void set_disconnect_listener(std::function<void(NodeId)> listener) { disconnect_listener_ = std::move(listener); }

  std::optional<Offset> position(const TopicPartition& tp) const;
  const ClientMetadata& metadata() const { return metadata_; }
  std::int64_t records_consumed() const { return records_consumed_; }

 private:
  enum class State { awaiting_position, awaiting_reset, awaiting_validation, fetching, stopped };
  struct PartitionProgress {
    State state = State::awaiting_reset;
    Offset position{-1};
    LeaderEpoch offset_epoch{-1};  // leader epoch of the record before the position
    LeaderEpoch leader_epoch{-1};  // of the leader it fetches from
    bool request_in_flight = false;  // a ListOffsets or OffsetsForLeaderEpoch
  };
  struct Outstanding {
    NodeId node;
    std::vector<TopicPartition> partitions;
    TimerHandle timeout;
    std::map<TopicPartition, Offset> fetched_from;  // a fetch's position per partition when sent
  };

  // Partitions kept keep their progress; new ones start in `new_partitions`.
  void reassign(const std::vector<TopicPartition>& partitions, State new_partitions);
  void run();
  void send_fetches(const std::map<NodeId, std::vector<TopicPartition>>& by_leader);
  void wake_for_reconnect(Duration in);
  std::int32_t track(NodeId node, std::vector<TopicPartition> partitions);
  std::optional<Outstanding> answered(std::int32_t correlation_id);
  void on_fetch(NodeId from, const FetchResponse& response);
  void on_list_offsets(const ListOffsetsResponse& response);
  void on_epoch_end(const OffsetsForLeaderEpochResponse& response);
  void on_partition_error(Errors error);
  void reset(const TopicPartition& tp, PartitionProgress& p);
  void drop_buffered(const TopicPartition& tp);

  Env& env_;
  ConsumerConfig config_;
  ClientMetadata metadata_;
  std::vector<TopicPartition> assignment_;
  std::map<TopicPartition, PartitionProgress> progress_;
  std::deque<ConsumerRecord> buffered_;
  std::map<std::int32_t, Outstanding> outstanding_;
  std::map<NodeId, std::int32_t> fetch_in_flight_;  // node -> correlation id
  TimerHandle reconnect_wake_;  // runs again when a leader waited for may be tried
  SimTime reconnect_wake_at_;   // when reconnect_wake_ fires, while it is pending
  std::int32_t correlation_id_ = 0;
  std::int64_t records_consumed_ = 0;
  std::int64_t batches_fetched_ = 0;  // for test_only_loses_every_nth_batch
  std::function<void(NodeId)> disconnect_listener_;
};

}  // namespace kafkasim::client
