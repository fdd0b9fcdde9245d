// Builds the world of a scenario: the ZooKeeper-like store (holding the topics created at
// time 0, placed by Kafka's rack-aware assignment), the brokers, producers and consumers, on
// the scenario's network and disk. Nodes are added in a fixed order (store, brokers by id,
// producers, consumers), so node ids and random streams depend only on the scenario and seed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace kafkasim::sim::scenario {

struct Cluster {
  std::unique_ptr<World> world;
  NodeId zookeeper;
  std::map<std::int32_t, NodeId> brokers;                  // broker id -> node
  std::map<TopicPartition, std::vector<BrokerId>> replicas;  // the assignment made at time 0
};

// Nodes are not started yet: add trace sinks first, so that they see every event.
Cluster build_cluster(const Scenario& scenario, std::uint64_t seed);

}  // namespace kafkasim::sim::scenario
