#include "bench/checker_bench.h"

#include <chrono>
#include <memory>

#include "model/broker/broker.h"
#include "model/client/consumer_node.h"
#include "model/client/producer_node.h"
#include "model/controller/zk_layout.h"
#include "model/controller/zookeeper_server.h"
#include "sim/invariants/invariant_suite.h"
#include "sim/world.h"

namespace kafkasim::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Counter final : sim::TraceSink {
  std::uint64_t events = 0;
  void on_event(const sim::TraceRecord&) override { ++events; }
};

// One run; returns its wall time in seconds.
double run_once(const CheckerBenchOptions& o, sim::TraceSink* sink) {
  sim::WorldConfig wc;
  wc.seed = o.seed;
  sim::World world(wc);
  if (sink) world.trace().add_sink(sink);
  Rng placement(o.seed);
  std::vector<controller::BrokerRack> racks;
  for (int i = 1; i <= 3; ++i) racks.push_back(controller::BrokerRack{BrokerId{i}, ""});
  controller::ZooKeeperConfig zc;
  zc.initial_ops = controller::zk::initial_ops({{"orders", controller::assign_replicas(6, 3, racks, placement)}});
  const NodeId zookeeper = world.add_node("zookeeper", [zc](Env& env) { return std::make_unique<controller::ZooKeeperServer>(env, zc); });
  std::vector<NodeId> brokers;
  for (int i = 1; i <= 3; ++i) {
    broker::BrokerConfig b;
    b.broker_id = BrokerId{i};
    b.zookeeper = zookeeper;
    b.zookeeper_session_timeout_ms = 6000;
    brokers.push_back(world.add_node("broker-" + std::to_string(i), [b](Env& env) { return std::make_unique<broker::Broker>(env, b); }));
  }
  for (const char* id : {"p1", "p2"}) {
    client::ProducerConfig pc;
    pc.client_id = id;
    pc.bootstrap = brokers;
    pc.linger_ms = 5;
    client::ProducerWorkload pw;
    pw.topic = "orders";
    pw.messages_per_sec = o.messages_per_sec;
    world.add_node(id, [pc, pw](Env& env) { return std::make_unique<client::ProducerNode>(env, pc, pw); });
  }
  client::ConsumerConfig cc;
  cc.client_id = "c1";
  cc.bootstrap = brokers;
  cc.auto_offset_reset = client::OffsetReset::earliest;
  client::ConsumerWorkload cw;
  cw.topics = {"orders"};
  world.add_node("c1", [cc, cw](Env& env) { return std::make_unique<client::ConsumerNode>(env, cc, cw); });
  world.start_all();
  world.schedule_fault(SimTime::from_millis(o.simulated_ms / 3), sim::ProcessKill{{brokers[1]}}, Duration::millis(2000));
  const auto start = Clock::now();
  world.run_until(SimTime::from_millis(o.simulated_ms));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

CheckerBenchResult run_checker_bench(const CheckerBenchOptions& options) {
  CheckerBenchResult r;
  Counter counter;
  run_once(options, &counter);  // warm up, and count the events
  r.events = counter.events;
  r.plain_seconds = run_once(options, nullptr);
  sim::invariants::InvariantSuite checkers;
  r.checked_seconds = run_once(options, &checkers);
  checkers.finish(SimTime::from_millis(options.simulated_ms));
  r.violations = checkers.violations().size();
  return r;
}

}  // namespace kafkasim::bench
