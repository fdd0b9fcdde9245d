// Cluster metadata: the controller's UpdateMetadata to every broker, and the Metadata request
// with which clients learn leaders from any broker; InitProducerId for idempotent producers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/protocol/requests.h"

namespace kafkasim {

struct BrokerEndpoint {
  BrokerId id;
  NodeId node;
  std::string rack;  // "" when none
};

struct UpdateMetadataRequest {
  static constexpr const char* kName = "UpdateMetadata";
  std::int32_t correlation_id = 0;
  BrokerId controller_id;
  ControllerEpoch controller_epoch;
  std::vector<PartitionState> partitions;
  std::vector<BrokerEndpoint> live_brokers;
  std::size_t wire_bytes() const { return 64 + partitions.size() * 48 + live_brokers.size() * 24; }
  std::string describe() const;
};

struct UpdateMetadataResponse {
  static constexpr const char* kName = "UpdateMetadataResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::size_t wire_bytes() const { return 16; }
  std::string describe() const;
};

struct MetadataRequest {
  static constexpr const char* kName = "Metadata";
  std::int32_t correlation_id = 0;
  std::vector<std::string> topics;  // empty: every topic
  std::size_t wire_bytes() const { return 32 + topics.size() * 16; }
  std::string describe() const;
};

struct PartitionMetadata {
  TopicPartition tp;
  Errors error = Errors::NONE;  // LEADER_NOT_AVAILABLE while it has no live leader
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{-1};
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> isr;
};

struct TopicMetadata {
  std::string topic;
  Errors error = Errors::NONE;  // UNKNOWN_TOPIC_OR_PARTITION
  std::vector<PartitionMetadata> partitions;
};

struct MetadataResponse {
  static constexpr const char* kName = "MetadataResponse";
  std::int32_t correlation_id = 0;
  std::vector<BrokerEndpoint> brokers;
  BrokerId controller_id{-1};
  std::vector<TopicMetadata> topics;
  std::size_t wire_bytes() const;
  std::string describe() const;
};

// CreateTopics, sent to the controller (Kafka routes it there): an explicit assignment, or a
// partition count and replication factor for the controller to place (rack-aware).
struct NewTopic {
  std::string name;
  std::int32_t num_partitions = 1;
  std::int32_t replication_factor = 1;
  std::map<std::int32_t, std::vector<BrokerId>> assignment;  // empty: the controller chooses
};

struct CreateTopicsRequest {
  static constexpr const char* kName = "CreateTopics";
  std::int32_t correlation_id = 0;
  std::vector<NewTopic> topics;
  std::size_t wire_bytes() const { return 32 + topics.size() * 48; }
  std::string describe() const;
};

struct CreateTopicsResponse {
  static constexpr const char* kName = "CreateTopicsResponse";
  std::int32_t correlation_id = 0;
  std::vector<std::pair<std::string, Errors>> topics;
  std::size_t wire_bytes() const { return 16 + topics.size() * 24; }
  std::string describe() const;
};

// ControlledShutdown: a broker about to stop asks the controller to move its leaderships away
// first. The answer counts the partitions it still leads (none could take over).
struct ControlledShutdownRequest {
  static constexpr const char* kName = "ControlledShutdown";
  std::int32_t correlation_id = 0;
  BrokerId broker_id;
  std::size_t wire_bytes() const { return 24; }
  std::string describe() const { return std::string("broker=").append(std::to_string(broker_id.value())); }
};

struct ControlledShutdownResponse {
  static constexpr const char* kName = "ControlledShutdownResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::int32_t partitions_remaining = 0;
  std::size_t wire_bytes() const { return 24; }
  std::string describe() const {
    return std::string(error_name(error)).append(" remaining=").append(std::to_string(partitions_remaining));
  }
};

// An idempotent producer asks any broker for its producer id and epoch.
struct InitProducerIdRequest {
  static constexpr const char* kName = "InitProducerId";
  std::int32_t correlation_id = 0;
  std::size_t wire_bytes() const { return 32; }
  std::string describe() const { return {}; }
};

struct InitProducerIdResponse {
  static constexpr const char* kName = "InitProducerIdResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  ProducerId producer_id{-1};
  std::int16_t producer_epoch = -1;
  std::size_t wire_bytes() const { return 32; }
  std::string describe() const;
};

}  // namespace kafkasim
