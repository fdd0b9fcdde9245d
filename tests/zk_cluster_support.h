// A ZooKeeper-mode cluster for tests: a `zookeeper` node and brokers that register with it and
// elect a controller among themselves; topics are written to the store before it starts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "broker_support.h"
#include "model/broker/broker.h"
#include "model/controller/zk_layout.h"
#include "model/controller/zookeeper_server.h"
#include "sim/world.h"

namespace kafkasim::testing {

struct ZkCluster {
  sim::World world;
  NodeId zookeeper;
  std::vector<NodeId> brokers;  // broker-1.. has BrokerId 1..

  ZkCluster(int n, const std::vector<std::pair<std::string, controller::Assignment>>& topics,
            broker::BrokerConfig base = {}, sim::WorldConfig wc = quiet_world(), std::vector<std::string> racks = {},
            sim::TraceSink* sink = nullptr)
      : world(wc) {
    if (sink) world.trace().add_sink(sink);
    controller::ZooKeeperConfig zc;
    zc.initial_ops = controller::zk::initial_ops(topics);
    zookeeper = world.add_node("zookeeper", [zc](Env& env) { return std::make_unique<controller::ZooKeeperServer>(env, zc); });
    for (int i = 1; i <= n; ++i) {
      broker::BrokerConfig c = base;
      c.broker_id = BrokerId{i};
      c.zookeeper = zookeeper;
      if (!racks.empty()) c.rack = racks[static_cast<std::size_t>(i - 1)];
      brokers.push_back(world.add_node("broker-" + std::to_string(i),
                                       [c](Env& env) { return std::make_unique<broker::Broker>(env, c); }));
    }
    world.start_all();
  }
  NodeId node(BrokerId b) const { return brokers.at(static_cast<std::size_t>(b.value() - 1)); }
  broker::Broker* broker(BrokerId b) { return world.node_as<broker::Broker>(node(b)); }
  controller::ZooKeeperServer& zk() { return *world.node_as<controller::ZooKeeperServer>(zookeeper); }
  // The partition's state as the controller recorded it in the store.
  std::optional<controller::zk::LeaderAndIsr> state(const TopicPartition& tp) {
    const auto data = zk().data(controller::zk::partition_state_path(tp));
    return data ? controller::zk::decode_leader_and_isr(*data) : std::nullopt;
  }
  // The broker whose controller is active (0 when none is).
  BrokerId active_controller() {
    for (std::size_t i = 0; i < brokers.size(); ++i) {
      auto* b = world.node_as<broker::Broker>(brokers[i]);
      if (b && b->controller() && b->controller()->active()) return BrokerId{static_cast<std::int32_t>(i + 1)};
    }
    return BrokerId{0};
  }
  void run_for(Duration d) { world.run_until(world.now() + d); }
};

}  // namespace kafkasim::testing
