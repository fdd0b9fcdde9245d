// A client's view of the cluster (Kafka's Metadata + ManualMetadataUpdater): leaders of the
// partitions of the topics it uses, learnt with Metadata requests to any broker it knows
// (bootstrap servers at first). It refreshes when asked (after NOT_LEADER_OR_FOLLOWER and
// similar errors) and every metadata.max.age.ms; a partition's leader is replaced only by one
// of the same or a newer leader epoch (KIP-320), so a lagging broker cannot send the client back.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/client/connection_states.h"
#include "model/env.h"
#include "model/protocol/metadata.h"

namespace kafkasim::client {

struct ClientMetadataConfig {
  std::vector<NodeId> bootstrap;               // bootstrap.servers
  std::int64_t metadata_max_age_ms = 300000;   // metadata.max.age.ms
  std::int64_t retry_backoff_ms = 100;         // retry.backoff.ms
  std::int32_t request_timeout_ms = 30000;     // request.timeout.ms
  ReconnectConfig reconnect;
};

struct LeaderInfo {
  BrokerId id;
  NodeId node;
  LeaderEpoch epoch;
};

class ClientMetadata {
 public:
  // `on_update` runs after every response that changed something. `close_connection` is how
  // the client closes its connection to a node whose answer timed out (Kafka's NetworkClient
  // does so for every request): every part of the client hears of it as of any close, this
  // metadata's on_disconnect included.
  ClientMetadata(Env& env, ClientMetadataConfig config, std::vector<std::string> topics,
                 std::function<void()> on_update, std::function<void(NodeId)> close_connection);
  ~ClientMetadata();

  // Asks for a refresh as soon as possible (at most one request is in flight).
  void request_update();
  void handle_response(const MetadataResponse& response);
  // The connection to `node` closed: a request in flight to it failed, and the client waits
  // before it tries the node again.
  void on_disconnect(NodeId node);
  // Which brokers the client may send to now. It sits here because every part of a client
  // (Kafka's NetworkClient holds both) reads it beside the metadata.
  ConnectionStates& connections() { return connections_; }
  const ConnectionStates& connections() const { return connections_; }

  std::optional<LeaderInfo> leader_for(const TopicPartition& tp) const;
  std::optional<NodeId> node_of(BrokerId broker) const;
  // Partition count of a topic; nothing while the topic is unknown.
  std::optional<std::int32_t> partition_count(const std::string& topic) const;
  // The partitions of a topic that have a leader.
  std::vector<std::int32_t> available_partitions(const std::string& topic) const;
  // Any broker it knows, in turn, passing over those it must wait for while another is ready
  // (for requests any broker can answer).
  NodeId any_node();

 private:
  void send_request();
  void request_failed();
  void arm_refresh();

  Env& env_;
  ClientMetadataConfig config_;
  std::vector<std::string> topics_;
  std::function<void()> on_update_;
  std::function<void(NodeId)> close_connection_;
  ConnectionStates connections_;
  std::map<BrokerId, NodeId> brokers_;
  std::map<TopicPartition, LeaderInfo> leaders_;
  std::map<std::string, std::int32_t> partition_counts_;
  std::size_t next_node_ = 0;
  std::int32_t correlation_id_ = 0;
  std::optional<std::int32_t> in_flight_;  // correlation id of the outstanding request
  NodeId in_flight_to_;
  std::int64_t last_refresh_ms_ = -1;
  TimerHandle timeout_;
  TimerHandle refresh_;
};

}  // namespace kafkasim::client
