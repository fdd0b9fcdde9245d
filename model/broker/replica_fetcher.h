// ReplicaFetcher: a follower's fetch loop, one per leader broker (Kafka's
// ReplicaFetcherThread, without the thread).
//
// It keeps one request in flight to each leader. While a partition must first find where its
// log parts from the leader's, that is an OffsetsForLeaderEpoch query; then it is a fetch of
// every partition that follows the leader, at the local log end offset and leader epoch. A
// fetch response is appended to the local logs, the high watermark taken, and the next fetch
// sent at once: the leader's DelayedFetch does the waiting. A request unanswered within
// request.timeout.ms, or an error, is retried after replica.fetch.backoff.ms. A fetch offset
// out of the leader's range is settled as Kafka's fetchOffsetAndTruncate does: ListOffsets for
// the leader's log end, cut to it if it is below the local one (an unclean election), else for
// the leader's log start, and start afresh there if the local log ends below it (retention
// went on while this replica was away).
#pragma once

#include <map>

#include "model/broker/broker_config.h"
#include "model/env.h"
#include "model/protocol/requests.h"

namespace kafkasim::broker {

class ReplicaManager;

class ReplicaFetcher {
 public:
  ReplicaFetcher(Env& env, const BrokerConfig& config, ReplicaManager& replicas)
      : env_(env), config_(config), replicas_(replicas) {}

  // The partitions that follow each leader, and where that leader is. With truncate_first,
  // the partition asks the leader about its latest epoch before it fetches.
  void set_leader(const TopicPartition& tp, BrokerId leader, NodeId leader_node, bool truncate_first);
  void remove(const TopicPartition& tp);
  void handle_response(NodeId from, const FetchResponse& response);
  void handle_epoch_response(NodeId from, const OffsetsForLeaderEpochResponse& response);
  void handle_list_offsets_response(NodeId from, const ListOffsetsResponse& response);
  // The connection to `node` closed: a request in flight to a leader there failed, and is sent
  // again after replica.fetch.backoff.ms (Kafka's fetcher backs off a failed fetch).
  void on_disconnect(NodeId node);

 private:
  // What a partition asks its leader next.
  enum class Step {
    fetch,
    truncate,         // OffsetsForLeaderEpoch: where the logs part
    find_log_end,     // out of range: ListOffsets for the leader's log end
    find_log_start,   // out of range, not ahead of the leader: ListOffsets for its log start
  };
  struct Leader {
    NodeId node;
    std::map<TopicPartition, Step> partitions;
    std::int32_t in_flight = -1;  // correlation id of the outstanding request, or -1
    TimerHandle timeout;
    TimerHandle backoff;
  };
  // Sends what comes next to this leader: an epoch query if a partition must truncate, else
  // a fetch.
  void send_next(BrokerId leader);
  // A batch the log refused for its checksum goes in the trace (Kafka's fetcher logs it).
  void report_corrupt_batch(NodeId from, const TopicPartition& tp, const storage::Records& records);
  void send_epoch_query(BrokerId leader, Leader& l);
  void send_offset_query(BrokerId leader, Leader& l);
  void send_fetch(BrokerId leader, Leader& l);
  void await(BrokerId leader, Leader& l, std::int32_t correlation_id);
  // The leader waiting for this response, if any.
  Leader* answered(NodeId from, std::int32_t correlation_id, BrokerId& leader);
  void retry_later(BrokerId leader);

  Env& env_;
  const BrokerConfig& config_;
  ReplicaManager& replicas_;
  std::map<BrokerId, Leader> leaders_;
  std::map<TopicPartition, BrokerId> leader_of_;
  std::int32_t next_correlation_id_ = 1;
};

}  // namespace kafkasim::broker
