// Where Kafka keeps its cluster state in ZooKeeper, and how each znode's data is written.
//
//   /brokers/ids/<id>                                  ephemeral: node=<node>;rack=<rack>
//   /brokers/topics/<topic>                            0=1,2,3;1=2,3,1   (partition=replicas)
//   /brokers/topics/<topic>/partitions/<p>/state       leader=1;leader_epoch=4;isr=1,2;controller_epoch=2
//   /controller                                        ephemeral: brokerid=<id>
//   /controller_epoch                                  <epoch>
//
// A partition state's znode version is its partition epoch: every ISR or leader change is a
// write conditional on it. A broker's epoch (KIP-380) is the creation zxid of its znode.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/controller/replica_assignment.h"
#include "model/protocol/requests.h"
#include "model/protocol/zookeeper.h"

namespace kafkasim::controller::zk {

inline const std::string kBrokers = "/brokers";
inline const std::string kBrokerIds = "/brokers/ids";
inline const std::string kTopics = "/brokers/topics";
inline const std::string kController = "/controller";
inline const std::string kControllerEpoch = "/controller_epoch";

std::string broker_path(BrokerId id);
std::string topic_path(const std::string& topic);
std::string partition_state_path(const TopicPartition& tp);
// The znodes a partition's state needs above it (created with the state).
std::vector<std::string> partition_parents(const TopicPartition& tp);

struct BrokerRegistration {
  NodeId node;
  std::string rack;
};
std::string encode(const BrokerRegistration& b);
std::optional<BrokerRegistration> decode_broker(const std::string& data);

std::string encode(const Assignment& a);
std::optional<Assignment> decode_assignment(const std::string& data);

struct LeaderAndIsr {
  BrokerId leader;
  LeaderEpoch leader_epoch;
  std::vector<BrokerId> isr;
  ControllerEpoch controller_epoch;
};
std::string encode(const LeaderAndIsr& s);
std::optional<LeaderAndIsr> decode_leader_and_isr(const std::string& data);

std::optional<std::int32_t> decode_broker_id(const std::string& data);  // /controller
std::optional<std::int32_t> decode_number(const std::string& text);     // /controller_epoch, ids

// The persistent paths a cluster needs and its topics at time 0 (what kafka-topics.sh wrote
// to ZooKeeper directly before KIP-4), as ops for a store with nothing in it yet.
std::vector<ZkOp> initial_ops(const std::vector<std::pair<std::string, Assignment>>& topics);

}  // namespace kafkasim::controller::zk
