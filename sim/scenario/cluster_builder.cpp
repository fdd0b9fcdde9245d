#include "sim/scenario/cluster_builder.h"

#include "model/broker/broker.h"
#include "model/client/consumer_node.h"
#include "model/client/producer_node.h"
#include "model/controller/replica_assignment.h"
#include "model/controller/zk_layout.h"
#include "model/controller/zookeeper_server.h"

namespace kafkasim::sim::scenario {
namespace {

std::vector<std::pair<std::string, controller::Assignment>> assign_topics(const Scenario& s, Rng& rng) {
  std::vector<controller::BrokerRack> racks;
  for (const auto& b : s.brokers) racks.push_back(controller::BrokerRack{BrokerId{b.id}, b.rack});
  std::vector<std::pair<std::string, controller::Assignment>> topics;
  for (const auto& [name, t] : s.topics) {
    controller::Assignment a = assign_replicas(t.partitions, t.replication_factor, racks, rng);
    for (const auto& [partition, replicas] : t.replica_assignment) {
      a[partition] = std::vector<BrokerId>(replicas.begin(), replicas.end());
    }
    topics.emplace_back(name, std::move(a));
  }
  return topics;
}

}  // namespace

Cluster build_cluster(const Scenario& s, std::uint64_t seed) {
  Cluster c;
  WorldConfig wc;
  wc.seed = seed;
  wc.network = s.network;
  wc.disk = s.disk;
  c.world = std::make_unique<World>(wc);
  World& world = *c.world;

  Rng placement = Rng(seed).child("replica-placement");
  const auto topics = assign_topics(s, placement);
  for (const auto& [name, assignment] : topics) {
    for (const auto& [partition, replicas] : assignment) c.replicas[TopicPartition{name, partition}] = replicas;
  }
  controller::ZooKeeperConfig zc;
  zc.initial_ops = controller::zk::initial_ops(topics);
  c.zookeeper = world.add_node("zookeeper", [zc](Env& env) { return std::make_unique<controller::ZooKeeperServer>(env, zc); });

  std::vector<NodeId> bootstrap;
  for (const auto& b : s.brokers) {
    broker::BrokerConfig config = s.broker;
    config.broker_id = BrokerId{b.id};
    config.rack = b.rack;
    config.zookeeper = c.zookeeper;
    for (const auto& [name, t] : s.topics) {
      if (t.config) config.topic_configs[name] = *t.config;
    }
    const NodeId node = world.add_node("broker-" + std::to_string(b.id),
                                       [config](Env& env) { return std::make_unique<broker::Broker>(env, config); });
    c.brokers[b.id] = node;
    bootstrap.push_back(node);
  }
  for (const auto& p : s.producers) {
    client::ProducerConfig config = p.config;
    config.bootstrap = bootstrap;
    // Each life of the process (a kill and restart start a new one) numbers its records anew.
    world.add_node(p.id, [config, workload = p.workload, life = 0](Env& env) mutable {
      client::ProducerConfig this_life = config;
      if (life > 0) this_life.record_id_client = config.client_id + "~" + std::to_string(life);
      ++life;
      return std::make_unique<client::ProducerNode>(env, this_life, workload);
    });
  }
  for (const auto& consumer : s.consumers) {
    client::ConsumerConfig config = consumer.config;
    config.bootstrap = bootstrap;
    world.add_node(consumer.id, [config, workload = consumer.workload](Env& env) {
      return std::make_unique<client::ConsumerNode>(env, config, workload);
    });
  }
  return c;
}

}  // namespace kafkasim::sim::scenario
