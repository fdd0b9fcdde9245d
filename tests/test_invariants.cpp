// The invariant checkers: each catches a real violation produced by the model under a
// known-unsafe setting, and stays silent when Kafka is configured as it is today.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <set>

#include "broker_support.h"
#include "model/client/consumer_node.h"
#include "model/client/producer_node.h"
#include "sim/invariants/group_checkers.h"
#include "sim/invariants/invariant_suite.h"
#include "sim/invariants/leadership_checkers.h"
#include "sim/invariants/timer_checker.h"
#include "traced_run.h"
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
  c.restart(a);
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

TEST_CASE("Checkers: KIP-279's fast leader changes under Kafka 0.11's truncation leave replicas diverged",
          "[invariants]") {
  const auto found_in = [](broker::ReplicaTruncation mode) {
    InvariantSuite suite;
    kip279(mode, suite);
    suite.finish(SimTime::max());
    return found(suite.violations());
  };
  const auto old_protocol = found_in(broker::ReplicaTruncation::leader_epoch_0_11);
  CHECK(old_protocol.contains("replica_divergence"));
  CHECK(old_protocol.contains("committed_record_lost"));  // the unclean election lost b's writes
  // With KIP-279 the follower cuts to where its own epoch 1 ends: the loss remains, the divergence not.
  const auto modern = found_in(broker::ReplicaTruncation::leader_epoch);
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

TEST_CASE("Checkers: a controller that reuses or lowers leader epochs is caught, Kafka's is not", "[invariants]") {
  CHECK(leader_crash(1).empty());
  CHECK(found(leader_crash(0)).contains("multiple_leaders"));
  CHECK(found(leader_crash(-1)).contains("epoch_regression"));
}

TEST_CASE("Checkers: a partition state older than one already seen is an old view, not a regression", "[invariants]") {
  sim::invariants::EpochRegression checker;
  std::uint64_t index = 0;
  const auto recorded = [&](std::int32_t epoch, std::int32_t version) {
    const sim::TraceEvent e = PartitionStateRecorded{"orders-0", 3, epoch, "3", version};
    checker.on_event(sim::TraceRecord{index++, SimTime::from_millis(1), NodeId{1}, e});
  };
  recorded(5, 9);
  recorded(6, 10);
  recorded(5, 9);  // a deposed controller's read, answered before version 10 was written
  CHECK(checker.violations().empty());
  recorded(4, 11);  // a newer version with an older epoch: a real regression
  REQUIRE(checker.violations().size() == 1);
  CHECK(checker.violations()[0].invariant == "epoch_regression");
}

TEST_CASE("Checkers: group ownership belongs to consumer processes, not member ids", "[invariants][group]") {
  sim::invariants::GroupDoubleOwnership checker;
  std::uint64_t index = 0;
  const auto at = [&](NodeId node, const sim::TraceEvent& e) {
    checker.on_event(sim::TraceRecord{index++, SimTime::from_millis(static_cast<std::int64_t>(index)), node, e});
  };
  const NodeId c1{11}, c2{12};
  const auto assigned = [](const char* client, const char* member, std::int32_t generation, const char* partitions) {
    return GroupAssignmentReceived{client, "g1", member, "w", generation, partitions, ""};
  };
  at(c1, assigned("c1", "w1-a", 2, "orders-0,orders-1"));
  // c1, told by a stale coordinator that its id is unknown, rejoins the new one as a static
  // member: a new member id in the same generation, and orders-1 handed to c2 meanwhile.
  at(c1, assigned("c1", "w1-b", 2, "orders-0"));
  at(c2, assigned("c2", "w2-a", 2, "orders-1"));
  CHECK(checker.violations().empty());
  at(c2, assigned("c2", "w2-a", 2, "orders-0,orders-1"));  // two live processes: caught
  REQUIRE(checker.violations().size() == 1);
  CHECK(checker.violations()[0].tp == "orders-0");
  // c1's process dies: a restarted c1 may take orders-0 back, in the same generation, once c2 gave it up.
  at(c1, sim::NodeLifecycle{"kill", 0});
  at(c2, assigned("c2", "w2-a", 3, "orders-1"));
  at(c1, assigned("c1", "w1-c", 3, "orders-0"));
  at(c1, sim::NodeLifecycle{"kill", 1});
  at(c2, assigned("c2", "w2-a", 3, "orders-0,orders-1"));
  CHECK(checker.violations().size() == 1);
}

namespace {

// A leader commits three batches (offsets 0..14) and acknowledges the first; retention then
// deletes its log below `leader_start`. A follower that was away empties its log, starts at
// the leader's log start (`follower_start`, or not at all when -1), fetches what it is given
// from `follower_fetches_from` on, and is elected: the violations the checkers find.
std::vector<Violation> elected_after_retention(std::int64_t leader_start, std::int64_t follower_start,
                                               std::int64_t follower_fetches_from) {
  InvariantSuite suite({"committed_record_lost", "acked_write_lost"});
  std::uint64_t index = 0;
  const NodeId leader{1}, follower{2};
  const auto at = [&](NodeId node, sim::TraceEvent e) {
    suite.on_event(sim::TraceRecord{index, SimTime::from_millis(static_cast<std::int64_t>(index)), node, std::move(e)});
    ++index;
  };
  at(leader, BrokerStarted{1});
  at(follower, BrokerStarted{2});
  at(leader, BecameLeaderOrFollower{"t-0", true, 1, 0, "1,2"});
  for (std::int64_t base : {0, 5, 10}) {
    at(leader, RecordsAppended{"t-0", true, base, base + 4, 0, static_cast<std::uint32_t>(100 + base), "", -1});
    at(leader, ProduceAnswered{"t-0", static_cast<std::int32_t>(base), -1, "NONE", base});
  }
  at(leader, HighWatermarkUpdated{"t-0", 15, 15});
  at(leader, LogStartMoved{"t-0", leader_start, "retention"});
  at(follower, LogTruncated{"t-0", 3, 0, "log_start"});
  if (follower_start >= 0) at(follower, LogStartMoved{"t-0", follower_start, "leader_log_start"});
  for (std::int64_t base = follower_fetches_from; base < 15; base += 5) {
    at(follower, RecordsAppended{"t-0", false, base, base + 4, 0, static_cast<std::uint32_t>(100 + base), "", -1});
  }
  at(follower, HighWatermarkUpdated{"t-0", 15, 15});
  at(leader, sim::NodeLifecycle{"kill", 1});
  at(follower, BecameLeaderOrFollower{"t-0", true, 2, 1, "2"});
  suite.finish(SimTime::from_millis(static_cast<std::int64_t>(index)));
  return suite.violations();
}

std::set<std::pair<std::string, std::int64_t>> found_at(const std::vector<Violation>& violations) {
  std::set<std::pair<std::string, std::int64_t>> out;
  for (const Violation& v : violations) out.insert({v.invariant, v.offset});
  return out;
}

}  // namespace

TEST_CASE("Checkers: what retention deleted is not lost, what lies above the log start still counts",
          "[invariants]") {
  // The follower starts at the leader's log start (10) and fetches the rest: nothing is lost.
  CHECK(elected_after_retention(10, 10, 10).empty());
  // The same follower without the batch at 10: that one is lost, not those retention deleted.
  using Found = std::set<std::pair<std::string, std::int64_t>>;
  CHECK(found_at(elected_after_retention(10, 10, 15)) ==
        Found{{"committed_record_lost", 10}, {"acked_write_lost", 10}});
  // A follower that lacks 0..9 without a log start to say why has lost them.
  CHECK(found_at(elected_after_retention(10, -1, 10)) ==
        Found{{"committed_record_lost", 0}, {"committed_record_lost", 5}, {"acked_write_lost", 0}, {"acked_write_lost", 5}});
}

TEST_CASE("Checkers: a leader of an older epoch than a commit's is a fenced zombie, a newer one must hold the batch",
          "[invariants]") {
  InvariantSuite suite({"committed_record_lost"});
  std::uint64_t index = 0;
  const auto at = [&](NodeId node, sim::TraceEvent e) {
    suite.on_event(sim::TraceRecord{index, SimTime::from_millis(static_cast<std::int64_t>(index)), node, std::move(e)});
    ++index;
  };
  const NodeId b1{1}, b2{2}, b3{3};
  at(b1, BrokerStarted{1});
  at(b2, BrokerStarted{2});
  at(b3, BrokerStarted{3});
  at(b1, BecameLeaderOrFollower{"t-0", true, 1, 2, "1,3"});
  at(b1, RecordsAppended{"t-0", true, 0, 4, 2, 100, "", -1});
  at(b1, HighWatermarkUpdated{"t-0", 5, 5});  // committed in epoch 2
  // broker-2 applies epoch 1's LeaderAndIsr late (held by a cut): it never had the batch.
  at(b2, BecameLeaderOrFollower{"t-0", true, 2, 1, "2,1"});
  CHECK(suite.violations().empty());
  // broker-3 is elected in epoch 3 without it: that leader lost a committed record.
  at(b3, BecameLeaderOrFollower{"t-0", true, 3, 3, "3"});
  REQUIRE(suite.violations().size() == 1);
  CHECK(suite.violations()[0].invariant == "committed_record_lost");
  CHECK(suite.violations()[0].node == b3);
}

TEST_CASE("Checkers: a replica's batch log finds, replaces and cuts batches as its log does", "[invariants]") {
  using sim::invariants::BatchInfo;
  sim::invariants::BatchLog log;
  log.put(0, BatchInfo{4, 1, 11, 0, {}});
  log.put(5, BatchInfo{5, 1, 12, 0, {}});
  log.put(6, BatchInfo{9, 1, 13, 0, {}});
  CHECK(log.holding(3)->first == 0);
  CHECK(log.holding(5)->first == 5);
  CHECK(log.holding(9)->second.crc == 13);
  CHECK(log.holding(10) == nullptr);
  CHECK(log.find(6)->second.crc == 13);
  CHECK(log.find(7) == log.end());
  CHECK(log.lower_bound(1)->first == 5);
  log.cut(7);  // mid-batch: the batch 6..9 goes whole
  CHECK(log.holding(6) == nullptr);
  CHECK(log.holding(5)->second.crc == 12);
  log.put(5, BatchInfo{7, 2, 22, 0, {}});  // a new leader's batch at the same offset
  CHECK(log.holding(7)->second.crc == 22);
  log.put(2, BatchInfo{2, 0, 99, 0, {}});  // out of order: kept sorted
  CHECK(std::is_sorted(log.begin(), log.end(), [](const auto& a, const auto& b) { return a.first < b.first; }));
  log.cut(0);
  CHECK(log.empty());
}

TEST_CASE("Checkers: record ids kept as keys give back the very strings they came from", "[invariants]") {
  sim::invariants::RecordIds ids;
  const auto p1 = ids.key("p1:17");
  CHECK(p1.parsed());
  CHECK(p1.n == 17);
  CHECK(ids.client(p1) == "p1");
  CHECK(ids.key("p1:18").client == p1.client);  // one name per client
  CHECK(ids.key("p2:17") != p1);
  CHECK(ids.key("p1:17") == p1);
  CHECK(ids.key("").empty());
  // Shapes record_id() never writes are kept whole, so they neither parse nor collide.
  for (const std::string odd : {"p1:017", "p1:-1", ":5", "p1", "p1:", "a:b:7x", "p1:99999999999999999999"}) {
    const auto key = ids.key(odd);
    CHECK_FALSE(key.parsed());
    CHECK(ids.text(key) == odd);
    CHECK(key != p1);
  }
  for (const std::string id : {"p1:17", "p1:0", "a:b:7", "producer-with-a-long-name:123456789012"}) CHECK(ids.text(ids.key(id)) == id);
}

TEST_CASE("Checkers: a batch log's searches agree with a linear scan at every offset", "[invariants]") {
  // Batches of 1-3 offsets with gaps, so that searches land inside batches, between batches,
  // at either end and beyond, at every distance from the end the search gallops over.
  using sim::invariants::BatchInfo;
  sim::invariants::BatchLog log;
  std::vector<std::pair<std::int64_t, std::int64_t>> batches;  // first, last
  std::int64_t next = 3;
  for (int i = 0; i < 100; ++i) {
    const std::int64_t last = next + i % 3;
    log.put(next, BatchInfo{last, 1, static_cast<std::uint32_t>(i), 0, {}});
    batches.emplace_back(next, last);
    next = last + 1 + (i % 4 == 0 ? 2 : 0);
  }
  for (std::int64_t offset = 0; offset <= next + 2; ++offset) {
    const auto first_at_or_after = std::find_if(batches.begin(), batches.end(), [&](const auto& b) { return b.first >= offset; });
    const auto lower = log.lower_bound(offset);
    if (first_at_or_after == batches.end()) {
      CHECK(lower == log.end());
    } else {
      REQUIRE(lower != log.end());
      CHECK(lower->first == first_at_or_after->first);
    }
    const auto holder = std::find_if(batches.begin(), batches.end(), [&](const auto& b) { return b.first <= offset && offset <= b.second; });
    const auto* held = log.holding(offset);
    CHECK((held == nullptr) == (holder == batches.end()));
    if (held && holder != batches.end()) CHECK(held->first == holder->first);
  }
}

TEST_CASE("Checkers: an unknown invariant name is refused", "[invariants]") {
  CHECK_THROWS_WITH(InvariantSuite({"committed_record_lost", "no_such_thing"}), Catch::Contains("no_such_thing"));
}

namespace {

NodeId add_consumer(BrokerCluster& c, bool validate, int loses_every_nth_batch = 0) {
  client::ConsumerConfig config;
  config.test_only_loses_every_nth_batch = loses_every_nth_batch;
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

// Twenty committed batches of one record each, read by a consumer that may lose every n-th.
std::vector<Violation> consumer_reading_twenty_batches(int loses_every_nth_batch) {
  InvariantSuite suite;
  BrokerCluster c(2, broker::BrokerConfig{}, quiet_world(), &suite);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.update_metadata({a, b});
  c.run_for(Duration::millis(10));
  add_consumer(c, true, loses_every_nth_batch);
  for (int i = 0; i < 20; ++i) {
    c.produce(a, i, -1, make_batch(i, 1, 1000 + i));
    c.run_for(Duration::millis(50));
  }
  c.run_for(Duration::seconds(2));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: a consumer that steps over a fetched batch is caught, Kafka's never does", "[invariants]") {
  const auto lossy = consumer_reading_twenty_batches(3);
  REQUIRE(found(lossy).contains("consumer_skipped_record"));
  const auto first = std::find_if(lossy.begin(), lossy.end(), [](const Violation& v) { return v.invariant == "consumer_skipped_record"; });
  CHECK(first->detail.find("were never handed out") != std::string::npos);
  CHECK_FALSE(found(lossy).contains("consumer_order"));  // what it hands out still goes up
  CHECK(found(consumer_reading_twenty_batches(0)).empty());
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

namespace {

// A leader writes two batches that stay in its page cache; the tail of its segment is garbled
// (a crash mid-write), the broker is killed and restarted, so its log recovers, and a new
// follower then fetches everything from it. With the broken recovery that keeps batches whose
// checksum fails, the follower receives a torn batch.
std::vector<Violation> torn_tail_then_fetch(bool recovery_skips_checksums) {
  broker::BrokerConfig config;
  config.log.test_only_recovery_skips_checksums = recovery_skips_checksums;
  InvariantSuite suite;
  BrokerCluster c(2, config, quiet_world(), &suite);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a}, {a});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, 1, make_batch(0, 5, 1000));
  await_produce(c, 1);
  c.produce(a, 2, 1, make_batch(5, 5, 2000));
  await_produce(c, 2);
  const auto garbled = c.world.disk(c.node(a)).corrupt_tail();
  REQUIRE(garbled.has_value());
  REQUIRE_THAT(*garbled, Catch::EndsWith(".log"));
  c.world.kill(c.node(a));
  c.world.restart(c.node(a));
  c.run_for(Duration::millis(10));
  c.lead(a, LeaderEpoch{2}, {a}, {a, b});
  c.run_for(Duration::seconds(1));
  suite.finish(c.world.now());
  return suite.violations();
}

}  // namespace

TEST_CASE("Checkers: a recovery that keeps a torn batch is caught when the batch is fetched", "[invariants]") {
  const auto broken = torn_tail_then_fetch(true);
  REQUIRE(found(broken).contains("torn_record_visible"));
  const Violation& v = *std::find_if(broken.begin(), broken.end(), [](const Violation& x) { return x.invariant == "torn_record_visible"; });
  CHECK(v.offset == 5);
  CHECK(v.evidence.size() == 3);
  CHECK_THAT(v.detail, Catch::Contains("broker-1 served the batch at offset 5 of orders-0"));
  CHECK_THAT(v.detail, Catch::Contains("to broker-2"));
  // Kafka's recovery cuts the torn batch: the follower gets only what is whole, nothing fires.
  CHECK_FALSE(found(torn_tail_then_fetch(false)).contains("torn_record_visible"));
}

namespace {

// One partition on three brokers, led by broker-1, whose answers to the producer arrive late
// half the time (lost packets sent again): its 200 ms request timeout closes the connection and
// it sends the batch again, which the log often holds already. `ids` gets the record ids of
// broker-1's log at the end.
std::vector<Violation> producer_retries_after_late_answers(bool idempotence, bool leader_writes_duplicates,
                                                           std::vector<std::string>& ids) {
  broker::BrokerConfig config;
  config.log.test_only_writes_duplicates = leader_writes_duplicates;
  InvariantSuite suite;
  BrokerCluster c(3, config, quiet_world(), &suite);
  const TopicPartition tp{"orders", 0};
  c.lead(tp, BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.update_metadata();
  c.run_for(Duration::millis(10));
  client::ProducerConfig pc;
  pc.client_id = "p1";
  pc.bootstrap = c.brokers;
  pc.enable_idempotence = idempotence;
  pc.request_timeout_ms = 200;
  pc.retry_backoff_ms = 20;
  pc.linger_ms = 2;
  client::ProducerWorkload w;
  w.topic = "orders";
  w.messages_per_sec = 200;
  w.max_messages = 400;
  const NodeId p1 = c.world.add_node("p1", [pc, w](Env& env) { return std::make_unique<client::ProducerNode>(env, pc, w); });
  c.world.start(p1);
  c.world.start_fault(sim::DegradedNetwork{{c.node(BrokerId{1})}, {p1}, sim::Direction::from,
                                           sim::LinkDegradation{Duration::zero(), Duration::zero(), 50.0}});
  c.run_for(Duration::seconds(30));
  suite.finish(c.world.now());
  ids = record_ids(c.log(BrokerId{1}, tp));
  return suite.violations();
}

std::size_t repeated(const std::vector<std::string>& ids) {
  return ids.size() - std::set<std::string>(ids.begin(), ids.end()).size();
}

}  // namespace

TEST_CASE("Checkers: a leader that writes an idempotent producer's retry again is caught", "[invariants][idempotence]") {
  std::vector<std::string> ids;
  const auto broken = producer_retries_after_late_answers(true, true, ids);
  REQUIRE(repeated(ids) > 0);
  REQUIRE(found(broken).contains("duplicate_write"));
  const Violation& v = *std::find_if(broken.begin(), broken.end(), [](const Violation& x) { return x.invariant == "duplicate_write"; });
  CHECK(v.tp == "orders-0");
  CHECK(v.evidence.size() == 3);
  CHECK_THAT(v.detail, Catch::Contains("is committed twice in orders-0"));
  CHECK_THAT(v.detail, Catch::Contains("should have answered its retry DUPLICATE_SEQUENCE_NUMBER"));
  // Kafka's leader answers the retry with the original's offsets: every record once.
  CHECK_FALSE(found(producer_retries_after_late_answers(true, false, ids)).contains("duplicate_write"));
  CHECK(ids.size() == 400);
  CHECK(repeated(ids) == 0);
  // Without idempotence the producer promises at least once: the duplicates are there, and
  // they are Kafka's documented behaviour, not a broken promise.
  CHECK_FALSE(found(producer_retries_after_late_answers(false, false, ids)).contains("duplicate_write"));
  CHECK(repeated(ids) > 0);
}

namespace {

// What a run switches on beyond Kafka's promise.
enum class Unsafe {
  none,
  blackout,           // the schedule ends with a power loss of every broker at once, flushing off
  acks_one,           // the producer asks for acks=1 (and so cannot be idempotent)
  hw_truncation,      // replica.truncation: high-watermark, the protocol before KIP-101
  unclean_election,   // unclean.leader.election.enable: a replica outside the ISR may lead
};

// One random cluster (1-4 brokers, two partitions, replication factor, min.insync.replicas 2
// where it can be, an idempotent acks=all producer) under a random schedule of faults on one
// broker at a time: a kill (then restart), a pause, or isolation; with one unsafe setting, if
// any. Drawn first, run after, so that a drawn case can run twice.
struct ClusterCase {
  Unsafe unsafe = Unsafe::none;
  int brokers = 1;
  int rf = 1;
  std::uint64_t seed = 0;
  // kind (0 kill, 1 pause, 2 isolation, 3 fsync errors, 4 full disk; disk faults only where
  // nothing may be found), broker, gap, length
  std::vector<std::tuple<int, int, std::int64_t, std::int64_t>> faults;
};

ClusterCase draw_cluster_case(Unsafe unsafe) {
  ClusterCase k;
  k.unsafe = unsafe;
  const bool unclean = unsafe == Unsafe::unclean_election;  // needs a replica outside the ISR
  // KIP-101's loss needs a follower to truncate (so two replicas) with no leader to fetch from
  // before it is elected: under that setting there are 2-3 brokers, kills are three times as
  // likely as pauses or isolation, and faults overlap and last as for an unclean election (the
  // leader dies while the follower is down, so the follower comes back, truncates, and leads).
  // Without this bias 4 of 5 random RapidCheck seeds found nothing; with it 2 of 9.
  const bool hw_truncation = unsafe == Unsafe::hw_truncation;
  k.brokers = *rc::gen::inRange(unclean || hw_truncation ? 2 : 1, hw_truncation ? 4 : 5);
  k.rf = *rc::gen::inRange(unclean || hw_truncation ? 2 : 1, k.brokers + 1);
  k.seed = *rc::gen::arbitrary<std::uint64_t>();
  // Faults come one after another. An unclean election needs at least two that overlap (the
  // ISR shrinks to the leader while a follower is out, then the leader is gone long enough for
  // its ZooKeeper session to expire): with that setting a run has 2-5 faults, each may start up
  // to 5 s before the previous one ends, and last up to 10 s.
  const int fault_count = *rc::gen::inRange(unclean ? 2 : 0, unclean ? 6 : 4);
  const std::int64_t earliest_gap = unclean || hw_truncation ? -5000 : 0;
  const std::int64_t longest = unclean || hw_truncation ? 10000 : 5000;
  k.faults = *rc::gen::container<std::vector<std::tuple<int, int, std::int64_t, std::int64_t>>>(
      static_cast<std::size_t>(fault_count),
      rc::gen::tuple(hw_truncation                ? rc::gen::element(0, 0, 0, 1, 2)
                     : unsafe == Unsafe::none ? rc::gen::inRange(0, 5)
                                              : rc::gen::inRange(0, 3),
                     rc::gen::inRange(1, k.brokers + 1), rc::gen::inRange<std::int64_t>(earliest_gap, 1000),
                     rc::gen::inRange<std::int64_t>(100, longest)));
  return k;
}

struct ClusterRun {
  std::vector<Violation> violations;
  std::uint64_t trace_hash = 0;
};

sim::FaultSpec fault_of_kind(int kind, NodeId n) {
  switch (kind) {
    case 1: return sim::ProcessStop{{n}};
    case 2: return sim::Isolate{{n}};
    case 3: return sim::DiskFault{{n}, sim::DiskFaultMode::fsync_error};
    case 4: return sim::DiskFault{{n}, sim::DiskFaultMode::full};
    default: return sim::ProcessKill{{n}};
  }
}

ClusterRun run_cluster_case(const ClusterCase& k) {
  broker::BrokerConfig b;
  b.zookeeper_session_timeout_ms = 4000;
  b.replica_lag_time_max_ms = 2000;
  b.min_insync_replicas = std::min(k.rf, 2);
  if (k.unsafe == Unsafe::hw_truncation) {
    b.replica_truncation = broker::ReplicaTruncation::high_watermark;
    b.replica_high_watermark_checkpoint_interval_ms = 100;
  }
  b.controller.unclean_leader_election_enable = k.unsafe == Unsafe::unclean_election;
  sim::WorldConfig wc = quiet_world();
  wc.seed = k.seed;
  Rng placement(wc.seed);
  std::vector<controller::BrokerRack> racks;
  for (int i = 1; i <= k.brokers; ++i) racks.push_back(controller::BrokerRack{BrokerId{i}, ""});
  const auto assignment = controller::assign_replicas(2, k.rf, racks, placement);
  InvariantSuite checkers;
  ZkCluster c(k.brokers, {{"orders", assignment}}, b, wc, {}, &checkers);
  client::ProducerConfig pc;
  pc.client_id = "p1";
  pc.bootstrap = c.brokers;
  pc.request_timeout_ms = 2000;
  if (k.unsafe == Unsafe::acks_one) {
    pc.acks = 1;
    pc.enable_idempotence = false;
  }
  client::ProducerWorkload pw;
  pw.topic = "orders";
  // Under high-watermark truncation, what a follower loses is what it fetched past its last
  // known high watermark: a busier producer leaves more there.
  pw.messages_per_sec = k.unsafe == Unsafe::hw_truncation ? 1000 : 50;
  pw.start_ms = 1000;
  const NodeId producer = c.world.add_node("p1", [pc, pw](Env& env) { return std::make_unique<client::ProducerNode>(env, pc, pw); });
  c.world.start(producer);
  std::int64_t at = 2000;
  for (const auto& [kind, broker, gap, length] : k.faults) {
    at = std::max<std::int64_t>(at + gap, 2000);
    const NodeId n = c.node(BrokerId{broker});
    c.world.schedule_fault(SimTime::from_millis(at), fault_of_kind(kind, n), Duration::millis(length));
    at += length;
    // A disk fault halts its broker (Kafka's log directory failure): a supervisor starts it
    // again once the disk is whole.
    if (kind >= 3) {
      at += 100;
      c.world.schedule_fault(SimTime::from_millis(at), sim::Restart{{n}}, std::nullopt);
    }
  }
  if (k.unsafe == Unsafe::blackout) c.world.schedule_fault(SimTime::from_millis(at + 500), sim::PowerLoss{c.brokers}, Duration::millis(1000));
  c.world.run_until(SimTime::from_millis(std::max<std::int64_t>(at + 2000, 6000)));
  c.world.heal_all();
  c.run_for(Duration::seconds(6));
  checkers.finish(c.world.now());
  return {checkers.violations(), c.world.trace().hash()};
}

}  // namespace

TEST_CASE("Property: random clusters under faults Kafka promises to survive violate no invariant",
          "[invariants][property]") {
  rc::prop("no checker fires", [] {
    const auto [violations, hash] = run_cluster_case(draw_cluster_case(Unsafe::none));
    for (const Violation& v : violations) RC_LOG() << v.invariant << ": " << v.detail << "\n";
    RC_ASSERT(violations.empty());
  });
}

TEST_CASE("Property: a random cluster under faults run twice gives the same trace hash", "[invariants][property]") {
  rc::prop("same case, same run", [] {
    const ClusterCase k = draw_cluster_case(*rc::gen::element(Unsafe::none, Unsafe::unclean_election));
    RC_ASSERT(run_cluster_case(k).trace_hash == run_cluster_case(k).trace_hash);
  });
}

namespace {

// Runs RapidCheck on the random clusters with `unsafe` switched on, requiring that it finds a
// run where one of `expected` fires. Returns whether it found one, and the fewest faults in a
// failing run it saw (RapidCheck shrinks towards fewer). A search that must succeed gets four
// times the cases of one that must find nothing: with 100, one random seed in five missed the
// KIP-101 loss (the pinned seed finds every loss within the first 100, so CI's time is the same).
std::pair<bool, std::size_t> unsafe_setting_caught(Unsafe unsafe, const std::set<std::string>& expected) {
  std::size_t smallest = SIZE_MAX;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess *= 4;
  rc::detail::TestMetadata metadata;
  metadata.id = metadata.description = "no checker fires";
  const auto result = rc::detail::checkTestable(
      [&] {
        const ClusterCase k = draw_cluster_case(unsafe);
        const auto [violations, hash] = run_cluster_case(k);
        const std::size_t faults = k.faults.size();
        const bool caught = std::any_of(violations.begin(), violations.end(),
                                        [&](const Violation& v) { return expected.contains(v.invariant); });
        if (caught) smallest = std::min(smallest, faults);
        RC_ASSERT(!caught);
      },
      metadata, params);
  rc::detail::printResultMessage(result, std::cerr);
  std::cerr << "\n";
  return {!result.is<rc::detail::SuccessResult>(), smallest};
}

}  // namespace

TEST_CASE("Property: the same clusters with a power loss of every broker lose acknowledged writes",
          "[invariants][property]") {
  // RapidCheck must find a counterexample (it prints it, shrunk) and shrink it to a schedule
  // with at most one fault besides the blackout.
  const auto [caught, smallest] = unsafe_setting_caught(Unsafe::blackout, {"acked_write_lost", "committed_record_lost"});
  CHECK(caught);
  CHECK(smallest <= 1);
}

TEST_CASE("Property: the same clusters with acks=1 lose acknowledged writes when a leader dies",
          "[invariants][property]") {
  const auto [caught, smallest] = unsafe_setting_caught(Unsafe::acks_one, {"acked_write_lost"});
  CHECK(caught);
  CHECK(smallest >= 1);  // without a fault acks=1 loses nothing
  // No upper bound below the three faults drawn: shrinking stops at a local minimum, and a
  // loss can take a broker killed twice in a row (each restart registers anew, which one
  // longer kill does not reproduce): RapidCheck seed 3904434919400844988 kept three faults.
}

TEST_CASE("Property: the same clusters under high-watermark truncation break the ISR's promise",
          "[invariants][property]") {
  // A follower restarted from its checkpoint truncates below the leader's high watermark while
  // still in the ISR (KIP-101's first step); committed records go when the leader then dies.
  const auto [caught, smallest] =
      unsafe_setting_caught(Unsafe::hw_truncation, {"hw_exceeds_isr_leo", "committed_record_lost"});
  CHECK(caught);
  // It takes a leader change (up to three faults, depending on the seed); with none, nothing.
  CHECK(smallest >= 1);
}

TEST_CASE("Property: the same clusters with unclean leader election lose committed records",
          "[invariants][property]") {
  // A follower drops out of the ISR, the leader dies, the follower comes back first and is
  // elected from outside the ISR without what was committed meanwhile.
  const auto [caught, smallest] = unsafe_setting_caught(Unsafe::unclean_election, {"committed_record_lost"});
  CHECK(caught);
  CHECK(smallest >= 2);  // it takes two overlapping faults
  CHECK(smallest <= 4);  // shrunk from up to five (2-4 on the seeds tried: dropping a fault shifts the rest)
}

namespace {

struct TimedOut {
  std::vector<Violation> violations;
  Duration answered_after;  // from the produce to its answer
};

// A produce with a 500 ms timeout that waits in the purgatory of broker-1 (its follower cut
// off) until it expires; broker-1's timer fires `early_ms` early, its clock is set `skew` off.
TimedOut produce_that_times_out(std::int64_t early_ms, Duration skew = Duration::zero()) {
  broker::BrokerConfig config;
  config.test_only_timer_fire_early_ms = early_ms;
  InvariantSuite suite;
  BrokerCluster c(2, config, quiet_world(), &suite);
  c.lead(BrokerId{1}, LeaderEpoch{1}, {BrokerId{1}, BrokerId{2}}, {BrokerId{1}, BrokerId{2}});
  c.run_for(Duration::millis(10));
  c.world.start_fault(sim::Isolate{{c.node(BrokerId{2})}});
  c.world.set_clock_skew(c.node(BrokerId{1}), skew);
  const SimTime sent = c.world.now();
  c.produce(BrokerId{1}, 1, -1, make_batch(0, 1, 1000), 500);
  c.run_for(Duration::seconds(1));
  REQUIRE(c.produce_response(1).error == Errors::REQUEST_TIMED_OUT);
  const auto answers = c.h().received<ProduceResponse>();
  REQUIRE(answers.size() == 1);
  suite.finish(c.world.now());
  return {suite.violations(), answers[0].first - sent};
}

}  // namespace

TEST_CASE("Checkers: a purgatory's timer runs on the steady clock: a clock set back does not fire it early",
          "[invariants]") {
  const TimedOut stepped_back = produce_that_times_out(0, Duration::seconds(-2));  // an NTP step back
  CHECK(stepped_back.answered_after >= Duration::millis(500));  // the timeout, not at once
  CHECK(stepped_back.violations.empty());
}

TEST_CASE("Checkers: a purgatory timer that fires early is caught", "[invariants]") {
  const auto early = produce_that_times_out(200).violations;
  REQUIRE(found(early).contains("timer_fired_early"));
  CHECK_THAT(early[0].detail, Catch::Contains("Produce timer task") && Catch::Contains("before its deadline"));
  CHECK(produce_that_times_out(0).violations.empty());
}

TEST_CASE("Checkers: a timer task fired early, twice or after its cancel is caught, whatever its id", "[invariants]") {
  sim::invariants::TimerFiredEarly checker;
  std::uint64_t index = 0;
  const NodeId node{3};
  auto feed = [&](std::int64_t at_ms, const sim::TraceEvent& e) { checker.on_event({++index, SimTime::from_millis(at_ms), node, e}); };
  feed(0, TimerScheduled{"Produce", 1, 100});
  feed(0, TimerScheduled{"Produce", 2, 100});
  feed(0, TimerScheduled{"Produce", 3, 100});
  feed(0, TimerScheduled{"Fetch", 1'000'000'000, 100});  // not the dense ids a timer makes
  feed(0, TimerScheduled{"Produce", 4, 100});
  feed(100, TimerFired{"Produce", 1, 100, 100});           // on time
  feed(50, TimerFired{"Produce", 3, 100, 50});             // early
  feed(60, TimerCancelled{"Produce", 2});
  feed(100, TimerFired{"Produce", 2, 100, 100});           // after its cancel
  feed(101, TimerFired{"Produce", 1, 100, 101});           // twice
  feed(99, TimerFired{"Fetch", 1'000'000'000, 100, 99});   // early
  feed(100, TimerFired{"Produce", 9, 100, 100});           // never scheduled: nothing to judge by
  feed(70, TimerFired{"Produce", 4, 100, 100});            // judged by the clock the event records: on time
  std::vector<std::string> details;
  for (const Violation& v : checker.violations()) details.push_back(v.detail);
  REQUIRE(details.size() == 4);
  CHECK_THAT(details[0], Catch::Contains("Produce timer task 3 fired when its clock read 50 ms, before its deadline 100"));
  CHECK_THAT(details[1], Catch::Contains("Produce timer task 2 fired after it was cancelled"));
  CHECK_THAT(details[2], Catch::Contains("Produce timer task 1 fired twice"));
  CHECK_THAT(details[3], Catch::Contains("Fetch timer task 1000000000 fired when its clock read 99 ms"));
  // A killed process takes its timers along: a new incarnation's task 1 is a new task.
  feed(200, sim::NodeLifecycle{"kill", 0});
  feed(300, TimerScheduled{"Produce", 1, 400});
  feed(400, TimerFired{"Produce", 1, 400, 400});
  CHECK(checker.violations().size() == 4);
}

TEST_CASE("Checkers: a restarted producer's and consumer's new lives are followed as new clients", "[invariants]") {
  // The producer is killed at 4 s and the lone consumer at 6 s, each restarted a second later.
  // The producer's second life sends new records under new ids (it numbers them from 0 again:
  // with its first life's ids they would look written twice); the consumer's starts reading
  // from the earliest offset again, which is no reordering within its first life's reading.
  const auto run = kafkasim::testing::run_traced(sim::scenario::parse_scenario(R"({
      "name": "restarted-clients", "durationMs": 10000,
      "cluster": {"brokers": 3, "configs": {"min.insync.replicas": 2}},
      "topics": {"t": {"numPartitions": 2, "replicationFactor": 3}},
      "producers": [{"id": "p1", "topic": "t", "targetMessagesPerSec": 200,
                     "producerConf": {"acks": "all", "linger.ms": 5}}],
      "consumers": [{"id": "c1", "groupId": null, "topics": ["t"], "consumerConf": {"auto.offset.reset": "earliest"}}],
      "faults": [{"type": "process_kill", "startMs": 4000, "nodeNames": ["p1"], "restartAfterMs": 1000},
                 {"type": "process_kill", "startMs": 6000, "nodeNames": ["c1"], "restartAfterMs": 1000}],
      "liveness": {"settleMs": 5000}})"), 1, {"producer_batch", "consumed"});
  CHECK(run.report.violations.empty());
  int second_life_batches = 0;
  for (const auto& batch : run.of("producer_batch")) {
    const std::string id = batch["firstId"];
    const bool second_life = id.starts_with("p1~1:");
    CHECK((second_life || id.starts_with("p1:")));
    second_life_batches += second_life && batch["error"] == "NONE";
    if (second_life) CHECK(batch["timeUs"].get<std::int64_t>() >= 5000000);
  }
  CHECK(second_life_batches > 10);
  int from_the_start = 0;  // consumptions that began at offset 0: once per life and partition
  for (const auto& consumed : run.of("consumed")) from_the_start += consumed["firstOffset"] == 0;
  CHECK(from_the_start == 4);
}
