// The invariant checkers: each catches a real violation produced by the model under a
// known-unsafe setting, and stays silent when Kafka is configured as it is today.
#include <catch2/catch.hpp>

#include <set>

#include "broker_support.h"
#include "model/client/consumer_node.h"
#include "sim/invariants/invariant_suite.h"
#include "zk_cluster_support.h"

using namespace kafkasim;
using namespace kafkasim::testing;
using kafkasim::sim::invariants::InvariantSuite;
using kafkasim::sim::invariants::Violation;

namespace {

std::set<std::string> found(const std::vector<Violation>& violations) {
  std::set<std::string> out;
  for (const Violation& v : violations) out.insert(v.invariant);
  return out;
}

std::vector<Violation> run_kip101(broker::ReplicaTruncation mode) {
  InvariantSuite suite;
  kip101(mode, suite);
  suite.finish(SimTime::max());
  return suite.violations();
}

// KIP-101's second example, with an unclean election standing in for the power loss: the
// follower misses m2, which the leader commits alone; the follower is elected and takes m3 at
// m2's offset; the old leader comes back with m2 below its checkpointed high watermark.
std::vector<Violation> run_divergence(broker::ReplicaTruncation mode) {
  broker::BrokerConfig config;
  config.replica_truncation = mode;
  config.replica_high_watermark_checkpoint_interval_ms = 1;
  config.replica_lag_time_max_ms = 500;
  sim::WorldConfig wc = quiet_world();
  wc.disk.fsync_latency = Duration::micros(20);
  InvariantSuite suite;
  BrokerCluster c(2, config, wc, &suite);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));  // m1
  await_produce(c, 1);
  const auto cut = c.world.start_fault(sim::NetworkPartition{{{c.node(a), c.harness}, {c.node(b)}}});
  c.run_for(Duration::seconds(2));  // the ISR shrinks to {a}
  REQUIRE(c.partition(a).isr() == std::vector<BrokerId>{a});
  c.produce(a, 2, 1, make_batch(1, 1, 1000));  // m2, committed by a alone
  await_produce(c, 2);
  c.run_for(Duration::millis(10));
  c.world.kill(c.node(a));
  c.world.end_fault(cut);
  c.lead(b, LeaderEpoch{2}, {b}, {a, b}, {b});  // unclean: b was not in the ISR
  c.run_for(Duration::millis(10));
  c.produce(b, 3, 1, make_batch(7, 1, 2000));  // m3 at offset 1
  await_produce(c, 3);
  c.world.restart(c.node(a));
  c.lead(b, LeaderEpoch{3}, {b}, {a, b});
  c.run_for(Duration::seconds(1));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: KIP-101 under high-watermark truncation loses a committed, acknowledged record",
          "[invariants]") {
  const auto violations = run_kip101(broker::ReplicaTruncation::high_watermark);
  const auto names = found(violations);
  CHECK(names.contains("committed_record_lost"));
  CHECK(names.contains("acked_write_lost"));
  CHECK(names.contains("hw_exceeds_isr_leo"));  // the follower cut below the leader's HW while in the ISR
  for (const Violation& v : violations) {
    if (v.invariant != "committed_record_lost") continue;
    CHECK(v.tp == "orders-0");
    CHECK(v.offset == 1);
    CHECK_THAT(v.detail, Catch::Contains("offset 1 was committed at") && Catch::Contains("broker-2 became leader in epoch 2") &&
                             Catch::Contains("after truncating to 1 (high_watermark)"));
    CHECK(v.evidence.size() >= 3);
  }
  // The same faults with leader-epoch truncation: nothing to find.
  CHECK(run_kip101(broker::ReplicaTruncation::leader_epoch).empty());
}

TEST_CASE("Checkers: KIP-101's divergence example under high-watermark truncation", "[invariants]") {
  const auto names = found(run_divergence(broker::ReplicaTruncation::high_watermark));
  CHECK(names.contains("replica_divergence"));
  CHECK(names.contains("committed_record_lost"));  // the unclean election lost m2
  // With leader epochs the old leader cuts m2 and takes m3: the loss remains, the divergence not.
  const auto modern = found(run_divergence(broker::ReplicaTruncation::leader_epoch));
  CHECK_FALSE(modern.contains("replica_divergence"));
  CHECK(modern.contains("committed_record_lost"));
}

namespace {

std::vector<Violation> leader_crash(std::int32_t epoch_step) {
  broker::BrokerConfig b;
  b.zookeeper_session_timeout_ms = 6000;
  b.controller.test_only_leader_epoch_step = epoch_step;
  b.test_only_accept_equal_leader_epoch = epoch_step == 0;
  InvariantSuite suite;
  ZkCluster c(3, {{"orders", controller::Assignment{{0, kAll}}}}, b, quiet_world(), {}, &suite);
  c.run_for(Duration::seconds(2));
  c.world.kill(c.node(BrokerId{1}));
  c.run_for(Duration::seconds(10));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: a controller that reuses or lowers leader epochs is caught; Kafka's is not", "[invariants]") {
  CHECK(leader_crash(1).empty());
  CHECK(found(leader_crash(0)).contains("multiple_leaders"));
  CHECK(found(leader_crash(-1)).contains("epoch_regression"));
}

TEST_CASE("Checkers: an unknown invariant name is refused", "[invariants]") {
  CHECK_THROWS_WITH(InvariantSuite({"committed_record_lost", "no_such_thing"}), Catch::Contains("no_such_thing"));
}

namespace {

NodeId add_consumer(BrokerCluster& c, bool validate) {
  client::ConsumerConfig config;
  config.client_id = "c1";
  config.bootstrap = c.brokers;
  config.auto_offset_reset = client::OffsetReset::earliest;
  config.fetch_max_wait_ms = 100;
  config.validate_position_on_leader_change = validate;
  client::ConsumerWorkload workload;
  workload.topics = {"orders"};
  const NodeId node = c.world.add_node("c1", [config, workload](Env& env) {
    return std::make_unique<client::ConsumerNode>(env, config, workload);
  });
  c.world.start(node);
  return node;
}

// A consumer reads offsets 0-9, which broker-1 committed alone; broker-1 dies and broker-2,
// holding 0-4, is elected uncleanly and takes three new records.
std::vector<Violation> consumer_after_unclean_election(bool validate) {
  broker::BrokerConfig config;
  config.replica_lag_time_max_ms = 500;
  InvariantSuite suite;
  BrokerCluster c(2, config, quiet_world(), &suite);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.update_metadata({a, b});
  c.run_for(Duration::millis(10));
  add_consumer(c, validate);
  for (int i = 0; i < 5; ++i) c.produce(a, i, -1, make_batch(i, 1, 1000 + i));
  c.run_for(Duration::millis(200));
  c.world.start_fault(sim::Isolate{{c.node(b)}});
  c.run_for(Duration::seconds(2));
  for (int i = 5; i < 10; ++i) c.produce(a, i, 1, make_batch(i, 1, 1000 + i));
  c.run_for(Duration::millis(500));
  c.world.kill(c.node(a));
  c.world.heal_all();
  c.lead(b, LeaderEpoch{2}, {b}, {a, b}, {b});
  c.update_metadata({b});
  for (int i = 0; i < 3; ++i) c.produce(b, 100 + i, -1, make_batch(50 + i, 1, 2000 + i));
  c.run_for(Duration::seconds(35));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: a consumer without KIP-320 validation reads offsets again after an unclean election",
          "[invariants]") {
  // Finding its position past the new leader's log end, the old consumer resets to the earliest
  // offset and reads 0.. again; a modern one detects the truncation and moves to its end.
  const auto old_consumer = found(consumer_after_unclean_election(false));
  CHECK(old_consumer.contains("consumer_order"));
  CHECK(old_consumer.contains("committed_record_lost"));  // the unclean election itself
  const auto modern = found(consumer_after_unclean_election(true));
  CHECK_FALSE(modern.contains("consumer_order"));
}

namespace {

std::vector<Violation> consumer_with_lagging_follower(bool broken) {
  broker::BrokerConfig config;
  config.test_only_serve_consumers_above_high_watermark = broken;
  InvariantSuite suite;
  BrokerCluster c(2, config, quiet_world(), &suite);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.update_metadata({a, b});
  c.run_for(Duration::millis(10));
  add_consumer(c, true);
  c.world.start_fault(sim::Isolate{{c.node(b)}});  // nothing commits: the HW stays at 0
  for (int i = 0; i < 5; ++i) c.produce(a, i, -1, make_batch(i, 1, 1000 + i), 60000);
  c.run_for(Duration::seconds(2));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: a broker that serves consumers above the high watermark is caught", "[invariants]") {
  const auto broken = consumer_with_lagging_follower(true);
  REQUIRE(found(broken).contains("consumer_read_uncommitted"));
  CHECK_THAT(broken[0].detail, Catch::Contains("while the leader's high watermark was 0"));
  CHECK(consumer_with_lagging_follower(false).empty());
}
