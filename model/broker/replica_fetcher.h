// ReplicaFetcher: a follower's fetch loop, one per leader broker (Kafka's
// ReplicaFetcherThread, without the thread).
//
// It keeps one fetch in flight to each leader, for every partition that follows it, at the
// local log end offset and leader epoch. A response is appended to the local logs, the high
// watermark taken, and the next fetch sent at once: the leader's DelayedFetch does the waiting.
// A fetch unanswered within request.timeout.ms, or an error, is retried after
// replica.fetch.backoff.ms.
#pragma once

#include <map>
#include <set>

#include "model/broker/broker_config.h"
#include "model/env.h"
#include "model/protocol/requests.h"

namespace kafkasim::broker {

class ReplicaManager;

class ReplicaFetcher {
 public:
  ReplicaFetcher(Env& env, const BrokerConfig& config, ReplicaManager& replicas)
      : env_(env), config_(config), replicas_(replicas) {}

  // The partitions that follow each leader, and where that leader is.
  void set_leader(const TopicPartition& tp, BrokerId leader, NodeId leader_node);
  void remove(const TopicPartition& tp);
  void handle_response(NodeId from, const FetchResponse& response);

 private:
  struct Leader {
    NodeId node;
    std::set<TopicPartition> partitions;
    std::int32_t in_flight = -1;  // correlation id of the outstanding fetch, or -1
    TimerHandle timeout;
    TimerHandle backoff;
  };
  void send_fetch(BrokerId leader);
  void retry_later(BrokerId leader);

  Env& env_;
  const BrokerConfig& config_;
  ReplicaManager& replicas_;
  std::map<BrokerId, Leader> leaders_;
  std::map<TopicPartition, BrokerId> leader_of_;
  std::int32_t next_correlation_id_ = 1;
};

}  // namespace kafkasim::broker
