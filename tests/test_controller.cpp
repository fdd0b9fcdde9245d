// The coordination store, Kafka's election and assignment rules, and the ZooKeeper-mode
// controller running in the brokers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "model/client/producer_node.h"
#include "model/controller/elections.h"
#include "model/controller/isr_change.h"
#include "model/controller/zk_client.h"
#include "model/protocol/record_id.h"
#include "storage_support.h"
#include "sim/invariants/invariant_suite.h"
#include "zk_cluster_support.h"

using namespace kafkasim;
using namespace kafkasim::controller;
using namespace kafkasim::testing;

namespace {

// A node holding one ZooKeeper session, recording what it is told.
struct ZkUser final : Node {
  ZkUser(Env& e, NodeId server) : env(e), client(e, server, 3000, ZkClient::Handlers{[this] { ++established; }, [this] { ++expired; }, [this](const ZkWatchEvent& w) { events.push_back(w); }}) {}
  void start() override { client.connect(); }
  void on_message(NodeId, const MessagePtr& m) override { client.handle(*m); }
  Env& env;
  ZkClient client;
  int established = 0;
  int expired = 0;
  std::vector<ZkWatchEvent> events;
};

struct ZkWorld {
  sim::World world{quiet_world()};
  NodeId server = world.add_node("zookeeper", [](Env& env) { return std::make_unique<ZooKeeperServer>(env, ZooKeeperConfig{}); });
  NodeId a = world.add_node("a", [this](Env& env) { return std::make_unique<ZkUser>(env, server); });
  NodeId b = world.add_node("b", [this](Env& env) { return std::make_unique<ZkUser>(env, server); });
  ZkWorld() {
    world.start_all();
    run_for(Duration::millis(20));
  }
  ZkUser& user(NodeId n) { return *world.node_as<ZkUser>(n); }
  ZooKeeperServer& zk() { return *world.node_as<ZooKeeperServer>(server); }
  void run_for(Duration d) { world.run_until(world.now() + d); }
  // `who` watches the data of `path`.
  void watch(NodeId who, const std::string& path) {
    user(who).client.read(path, false, true, [](const ZkReadResponse&) {});
    run_for(Duration::millis(20));
  }
  ZkMultiResponse multi(NodeId who, std::vector<ZkOp> ops) {
    ZkMultiResponse out;
    user(who).client.multi(std::move(ops), [&out](const ZkMultiResponse& r) { out = r; });
    run_for(Duration::millis(20));
    return out;
  }
};

ZkOp create(std::string path, std::string data, bool ephemeral = false) {
  return ZkOp{ZkOpType::create, std::move(path), std::move(data), -1, ephemeral};
}
ZkOp set(std::string path, std::string data, std::int32_t version) {
  return ZkOp{ZkOpType::set_data, std::move(path), std::move(data), version, false};
}

}  // namespace

TEST_CASE("ZooKeeper: versions make writes conditional, and a multi applies all or nothing", "[zookeeper]") {
  ZkWorld w;
  CHECK(w.multi(w.a, {create("/brokers", "")}).error == ZkError::ok);
  CHECK(w.multi(w.a, {create("/brokers/ids/1", "")}).error == ZkError::no_node);  // no parent
  CHECK(w.multi(w.a, {create("/brokers", "")}).error == ZkError::node_exists);
  CHECK(w.multi(w.a, {set("/brokers", "x", 0)}).error == ZkError::ok);
  CHECK(w.multi(w.b, {set("/brokers", "y", 0)}).error == ZkError::bad_version);  // a stale writer
  CHECK(w.zk().data("/brokers") == "x");
  CHECK(w.zk().stat("/brokers")->version == 1);
  const ZkMultiResponse r = w.multi(w.a, {create("/t", "1"), set("/brokers", "z", 7)});
  CHECK(r.error == ZkError::bad_version);
  CHECK(r.failed_op == 1);
  CHECK_FALSE(w.zk().data("/t").has_value());  // the first op was undone with the second
}

TEST_CASE("ZooKeeper: a session that goes silent expires, its ephemeral znodes go, and watchers hear of it",
          "[zookeeper]") {
  ZkWorld w;
  REQUIRE(w.multi(w.a, {create("/controller", "brokerid=1", true)}).error == ZkError::ok);
  w.watch(w.b, "/controller");
  // `a` is paused longer than its 3 s session timeout.
  w.world.pause(w.a);
  w.run_for(Duration::seconds(2));
  CHECK(w.zk().data("/controller").has_value());  // not yet
  w.run_for(Duration::millis(1200));
  CHECK_FALSE(w.zk().data("/controller").has_value());
  REQUIRE(w.user(w.b).events.size() == 1);
  CHECK(w.user(w.b).events[0].path == "/controller");
  CHECK(w.user(w.b).events[0].type == ZkEventType::deleted);
  // On resuming, `a` learns its session is gone from its next ping.
  w.world.resume(w.a);
  w.run_for(Duration::seconds(2));
  CHECK(w.user(w.a).expired == 1);
  CHECK(w.multi(w.a, {create("/x", "")}).error == ZkError::session_expired);
}

TEST_CASE("ZooKeeper: a read lost to a partition is sent again while the session lives", "[zookeeper]") {
  ZkWorld w;
  REQUIRE(w.multi(w.b, {create("/brokers", "x")}).error == ZkError::ok);
  std::vector<ZkReadResponse> answers;
  const auto cut = w.world.network().isolate({w.a});
  w.user(w.a).client.read("/brokers", false, false, [&answers](const ZkReadResponse& r) { answers.push_back(r); });
  w.run_for(Duration::millis(1500));  // shorter than the 3 s session: it lives on
  w.world.network().remove_rule(cut);
  w.run_for(Duration::seconds(4));
  // Answered once, by the read sent again after the session timeout; not a connection loss
  // its caller would take for "no such node".
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].error == ZkError::ok);
  CHECK(answers[0].data == "x");
  CHECK(w.user(w.a).expired == 0);
}

TEST_CASE("ZooKeeper: a restarted node hears only its own session's watch events, not its previous one's",
          "[zookeeper]") {
  ZkWorld w;
  REQUIRE(w.multi(w.b, {create("/controller", "brokerid=2", true)}).error == ZkError::ok);
  w.watch(w.a, "/controller");
  // `a` restarts: its new session has no watch, but the previous session's lives until it
  // expires, and its event is sent to the same node.
  w.world.kill(w.a);
  w.world.restart(w.a);
  w.run_for(Duration::millis(20));
  REQUIRE(w.user(w.a).established == 1);
  w.multi(w.b, {ZkOp{ZkOpType::delete_node, "/controller", "", -1, false}});
  w.run_for(Duration::millis(50));
  CHECK(w.user(w.a).events.empty());
  // Its own watch, set now, is heard, as the first event of its session.
  REQUIRE(w.multi(w.b, {create("/controller", "brokerid=2", true)}).error == ZkError::ok);
  w.watch(w.a, "/controller");
  w.multi(w.b, {ZkOp{ZkOpType::delete_node, "/controller", "", -1, false}});
  w.run_for(Duration::millis(50));
  REQUIRE(w.user(w.a).events.size() == 1);
  CHECK(w.user(w.a).events[0].type == ZkEventType::deleted);
}

TEST_CASE("ZooKeeper: the tree and the sessions survive a restart of the store", "[zookeeper]") {
  ZkWorld w;
  REQUIRE(w.multi(w.a, {create("/controller_epoch", "7")}).error == ZkError::ok);
  REQUIRE(w.multi(w.b, {create("/e", "", true)}).error == ZkError::ok);
  w.world.power_loss(w.server);
  w.world.restart(w.server);
  w.run_for(Duration::millis(100));
  CHECK(w.zk().data("/controller_epoch") == "7");
  CHECK(w.zk().data("/e").has_value());  // its session lives on, pinging
  CHECK(w.zk().session_count() == 2);
  w.run_for(Duration::seconds(10));
  CHECK(w.zk().data("/e").has_value());
}

TEST_CASE("Elections: offline, unclean, preferred and controlled shutdown follow Kafka's rules", "[controller]") {
  const std::vector<BrokerId> assignment{BrokerId{3}, BrokerId{1}, BrokerId{2}};
  const std::set<BrokerId> live{BrokerId{1}, BrokerId{2}};
  auto offline = elect_offline_leader(assignment, {BrokerId{3}, BrokerId{2}}, live, false);
  REQUIRE(offline);
  CHECK(offline->leader == BrokerId{2});  // the first live replica of the assignment that is in the ISR
  CHECK_FALSE(offline->unclean);
  CHECK_FALSE(elect_offline_leader(assignment, {BrokerId{3}}, live, false));  // nobody clean
  auto unclean = elect_offline_leader(assignment, {BrokerId{3}}, live, true);
  REQUIRE(unclean);
  CHECK(unclean->leader == BrokerId{1});
  CHECK(unclean->unclean);
  CHECK_FALSE(elect_preferred_leader(assignment, {BrokerId{1}, BrokerId{2}}, live));  // 3 is dead
  CHECK(elect_preferred_leader(assignment, {BrokerId{3}, BrokerId{1}}, {BrokerId{3}})->leader == BrokerId{3});
  CHECK(elect_controlled_shutdown_leader(assignment, {BrokerId{1}, BrokerId{2}}, live, {BrokerId{1}})->leader ==
        BrokerId{2});
}

TEST_CASE("Assignment: replicas are distinct brokers, leaders spread, and racks are all used", "[controller]") {
  Rng rng(5);
  std::vector<BrokerRack> brokers;
  for (int i = 1; i <= 6; ++i) brokers.push_back(BrokerRack{BrokerId{i}, i <= 2 ? "a" : i <= 4 ? "b" : "c"});
  const Assignment racked = assign_replicas(12, 3, brokers, rng);
  std::map<BrokerId, int> leaders;
  for (const auto& [p, replicas] : racked) {
    REQUIRE(replicas.size() == 3);
    CHECK(std::set<BrokerId>(replicas.begin(), replicas.end()).size() == 3);
    std::set<std::string> racks;
    for (BrokerId b : replicas) racks.insert(brokers[static_cast<std::size_t>(b.value() - 1)].rack);
    CHECK(racks.size() == 3);  // one replica per rack
    ++leaders[replicas[0]];
  }
  for (const auto& [b, n] : leaders) CHECK(n == 2);  // 12 partitions over 6 brokers
  // Without racks, every partition still gets distinct brokers.
  std::vector<BrokerRack> plain;
  for (int i = 1; i <= 4; ++i) plain.push_back(BrokerRack{BrokerId{i}, ""});
  for (const auto& [p, replicas] : assign_replicas(20, 4, plain, rng)) {
    CHECK(std::set<BrokerId>(replicas.begin(), replicas.end()).size() == 4);
  }
}

namespace {

const TopicPartition kT0{"orders", 0};
const std::vector<BrokerId> k123{BrokerId{1}, BrokerId{2}, BrokerId{3}};

std::vector<std::pair<std::string, Assignment>> one_partition(std::vector<BrokerId> replicas = k123) {
  return {{"orders", Assignment{{0, std::move(replicas)}}}};
}

// What the trace tells about leadership and acknowledgements.
struct Witness final : sim::TraceSink {
  std::vector<std::pair<SimTime, LeaderElected>> elections;
  std::vector<std::pair<SimTime, ControllerElected>> controllers;
  std::vector<std::pair<SimTime, std::string>> acked;  // record ids acknowledged, when
  std::vector<std::string> notes;
  std::vector<PartitionStateRecorded> states;
  void on_event(const sim::TraceRecord& r) override {
    if (const auto* n = std::get_if<Note>(&r.event)) notes.push_back(n->text);
    if (const auto* s = std::get_if<PartitionStateRecorded>(&r.event)) states.push_back(*s);
    if (const auto* e = std::get_if<LeaderElected>(&r.event)) elections.emplace_back(r.time, *e);
    if (const auto* e = std::get_if<ControllerElected>(&r.event)) controllers.emplace_back(r.time, *e);
    if (const auto* d = std::get_if<ProducerBatchDone>(&r.event); d && d->error == "NONE") {
      std::string id = d->first_id;
      for (std::int32_t i = 0; i < d->count; ++i, id = next_record_id(id)) acked.emplace_back(r.time, id);
    }
  }
  std::vector<LeaderElected> offline_elections() const {
    std::vector<LeaderElected> out;
    for (const auto& [t, e] : elections) {
      if (e.reason == std::string_view("offline")) out.push_back(e);
    }
    return out;
  }
};

std::set<std::string> ids_in(storage::Log& log) {
  const std::vector<std::string> ids = record_ids(log);
  return {ids.begin(), ids.end()};
}

NodeId add_producer(ZkCluster& c, std::int16_t acks, double per_sec) {
  client::ProducerConfig config;
  config.client_id = "p1";
  config.bootstrap = c.brokers;
  config.acks = acks;
  config.request_timeout_ms = 3000;
  config.linger_ms = 2;
  client::ProducerWorkload w;
  w.topic = "orders";
  w.messages_per_sec = per_sec;
  const NodeId id = c.world.add_node("p1", [config, w](Env& env) { return std::make_unique<client::ProducerNode>(env, config, w); });
  c.world.start(id);
  return id;
}

broker::BrokerConfig fast_failover() {
  broker::BrokerConfig b;
  b.zookeeper_session_timeout_ms = 6000;
  b.replica_lag_time_max_ms = 2000;
  return b;
}

// Three brokers with one partition, watched by the checkers and a witness from the start.
struct Watched {
  sim::invariants::InvariantSuite checkers;
  ZkCluster cluster{3, one_partition(), fast_failover(), quiet_world(), {}, &checkers};
  Witness witness;
  Watched() { cluster.world.trace().add_sink(&witness); }
  // The cluster settles for 2 s; then an acks=all producer at 200 msg/s runs for `warm_up`.
  NodeId start_producing(Duration warm_up) {
    cluster.run_for(Duration::seconds(2));
    const NodeId producer = add_producer(cluster, -1, 200);
    cluster.run_for(warm_up);
    return producer;
  }
  // The record ids in `leader`'s log of the partition.
  std::set<std::string> log_of(BrokerId leader) { return ids_in(*cluster.broker(leader)->log_manager()->get(kT0)); }
};

}  // namespace

TEST_CASE("AlterIsr: a change is judged against the recorded leader, leader epoch and version", "[controller]") {
  const PartitionState recorded{kT0, ControllerEpoch{1}, BrokerId{1}, LeaderEpoch{4}, {BrokerId{1}, BrokerId{2}}, k123, 7};
  const AlterIsrItem grow{kT0, LeaderEpoch{4}, k123, 7};
  const AlterIsrResult accepted = judge_isr_change(recorded, BrokerId{1}, grow);
  CHECK(accepted.error == Errors::NONE);
  CHECK(accepted.isr == k123);
  CHECK(accepted.partition_epoch == 8);
  CHECK(judge_isr_change(recorded, BrokerId{2}, grow).error == Errors::NOT_LEADER_OR_FOLLOWER);
  CHECK(judge_isr_change(recorded, BrokerId{1}, AlterIsrItem{kT0, LeaderEpoch{3}, k123, 7}).error ==
        Errors::FENCED_LEADER_EPOCH);
  CHECK(judge_isr_change(recorded, BrokerId{1}, AlterIsrItem{kT0, LeaderEpoch{4}, k123, 6}).error ==
        Errors::INVALID_UPDATE_VERSION);
  // The recorded ISR proposed again on an older version (its first answer was lost): the state as it is.
  const AlterIsrResult again =
      judge_isr_change(recorded, BrokerId{1}, AlterIsrItem{kT0, LeaderEpoch{4}, {BrokerId{1}, BrokerId{2}}, 6});
  CHECK(again.error == Errors::NONE);
  CHECK(again.isr == recorded.isr);
  CHECK(again.partition_epoch == 7);
}

TEST_CASE("Controller: one broker wins the election and leads every partition to its preferred replica",
          "[controller][zk]") {
  ZkCluster c(3, {{"orders", Assignment{{0, k123}, {1, {BrokerId{2}, BrokerId{3}, BrokerId{1}}}}}});
  c.run_for(Duration::seconds(2));
  const BrokerId controller = c.active_controller();
  REQUIRE(controller.value() != 0);
  CHECK(c.zk().data("/controller_epoch") == "1");
  const auto s0 = c.state(kT0);
  REQUIRE(s0);
  CHECK(s0->leader == BrokerId{1});
  CHECK(s0->isr == k123);
  CHECK(c.state(TopicPartition{"orders", 1})->leader == BrokerId{2});
  CHECK(c.broker(BrokerId{1})->replica_manager()->partition(kT0)->is_leader());
  CHECK(c.broker(BrokerId{3})->replica_manager()->partition(kT0)->leader() == BrokerId{1});
  // Every broker can tell clients the leaders.
  MetadataRequest request{1, {"orders"}};
  const auto answer = c.broker(BrokerId{3})->metadata_cache().metadata(request);
  REQUIRE(answer.topics.size() == 1);
  CHECK(answer.topics[0].partitions.size() == 2);
  CHECK(answer.brokers.size() == 3);
}

TEST_CASE("Controller: a leader crash elects a new leader from the ISR, acks=all resumes and nothing acked is lost",
          "[controller][zk]") {
  Watched x;
  auto& [checkers, c, w] = x;
  const NodeId producer = x.start_producing(Duration::seconds(3));
  const SimTime crash = c.world.now();
  c.world.kill(c.node(BrokerId{1}));
  c.run_for(Duration::seconds(17));
  auto* p = c.world.node_as<client::ProducerNode>(producer);
  // Within the session timeout (6 s) plus a tick and a few round trips.
  const auto offline = w.offline_elections();
  REQUIRE(offline.size() == 1);
  SimTime elected_at = SimTime::max();
  for (const auto& [t, e] : w.elections) {
    if (e.reason == std::string_view("offline")) elected_at = t;
  }
  CHECK(elected_at - crash <= Duration::millis(6000 + 200 + 100));
  CHECK(offline[0].leader_epoch == 1);
  CHECK_FALSE(offline[0].unclean);
  const BrokerId leader{offline[0].leader};
  // Acknowledgements resumed after the election...
  std::size_t after = 0;
  for (const auto& [t, id] : w.acked) after += t > elected_at ? 1 : 0;
  CHECK(after > 1000);
  CHECK(p->producer().stats().records_failed == 0);
  // ...and every acknowledged record is in the new leader's log.
  const std::set<std::string> log = x.log_of(leader);
  for (const auto& [t, id] : w.acked) REQUIRE(log.contains(id));
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());  // and the checkers agree
}

TEST_CASE("Controller: a leader whose disk fails halts, as Kafka when its only log directory goes offline",
          "[controller][zk]") {
  Watched x;
  auto& [checkers, c, w] = x;
  const NodeId producer = x.start_producing(Duration::seconds(3));
  const NodeId one = c.node(BrokerId{1});
  REQUIRE(c.broker(BrokerId{1})->replica_manager()->partition(kT0)->is_leader());
  // Its next fsync fails (the high watermark checkpoint's, every 5 s): the broker halts
  // rather than carry on as if its bytes were safe, and the controller elects another leader.
  const sim::FaultId fault = c.world.start_fault(sim::DiskFault{{one}, sim::DiskFaultMode::fsync_error});
  c.run_for(Duration::seconds(17));
  CHECK(c.world.state(one) == sim::NodeState::down);
  const auto offline = w.offline_elections();
  REQUIRE(offline.size() == 1);
  CHECK(offline[0].leader != 1);
  CHECK_FALSE(offline[0].unclean);
  auto* p = c.world.node_as<client::ProducerNode>(producer);
  CHECK(p->producer().stats().records_failed == 0);
  const std::set<std::string> log = x.log_of(BrokerId{offline[0].leader});
  for (const auto& [t, id] : w.acked) REQUIRE(log.contains(id));
  // With its disk whole again it is restarted, recovers and rejoins the ISR.
  c.world.end_fault(fault);
  c.world.restart(one);
  c.run_for(Duration::seconds(10));
  CHECK(c.state(kT0)->isr.size() == 3);
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}

TEST_CASE("Controller: when the controller is paused past its session, another takes over with a higher epoch",
          "[controller][zk]") {
  ZkCluster c(3, one_partition(), fast_failover());
  Witness w;
  c.world.trace().add_sink(&w);
  c.run_for(Duration::seconds(2));
  const BrokerId first = c.active_controller();
  REQUIRE(first.value() != 0);
  c.world.pause(c.node(first));
  c.run_for(Duration::seconds(8));
  // The paused one still believes it leads (it cannot know); a live one now leads in epoch 2.
  REQUIRE(w.controllers.size() == 2);
  CHECK(w.controllers[1].second.epoch == 2);
  CHECK(w.controllers[1].second.broker != first.value());
  CHECK(c.zk().data("/controller_epoch") == "2");
  c.world.resume(c.node(first));
  c.run_for(Duration::seconds(5));
  // Back, it learns its session expired, resigns, registers anew and follows the new controller.
  CHECK_FALSE(c.broker(first)->controller()->active());
  CHECK(c.active_controller().value() == w.controllers[1].second.broker);
  for (BrokerId b : k123) CHECK(c.broker(b)->metadata_cache().controller_epoch() == ControllerEpoch{2});
  CHECK(c.zk().data(zk::broker_path(first)).has_value());
}

TEST_CASE("Controller: a leader cut off from the store and its followers loses its session and cannot commit",
          "[controller][zk]") {
  Watched x;
  auto& [checkers, c, w] = x;
  const NodeId producer = x.start_producing(Duration::seconds(2));
  // broker-1 and the producer on one side; the store and the other brokers on the other.
  const SimTime cut = c.world.now();
  const auto partition = c.world.start_fault(
      sim::NetworkPartition{{{c.node(BrokerId{1}), producer}, {c.zookeeper, c.node(BrokerId{2}), c.node(BrokerId{3})}}});
  c.run_for(Duration::seconds(12));
  const auto offline = w.offline_elections();
  REQUIRE(offline.size() == 1);
  CHECK(offline[0].leader != 1);
  // The old leader could not shrink its ISR, so nothing it took after the cut was acknowledged.
  auto* old_leader = c.broker(BrokerId{1})->replica_manager()->partition(kT0);
  CHECK(old_leader->is_leader());  // it was never told otherwise
  CHECK(old_leader->isr() == k123);
  for (const auto& [t, id] : w.acked) CHECK(t < cut + Duration::millis(50));
  c.world.end_fault(partition);
  c.run_for(Duration::seconds(15));
  // Healed: broker-1 follows, drops what was never committed, and acknowledgements resume.
  const BrokerId leader{offline[0].leader};
  CHECK_FALSE(c.broker(BrokerId{1})->replica_manager()->partition(kT0)->is_leader());
  const std::set<std::string> log = x.log_of(leader);
  std::size_t after = 0;
  for (const auto& [t, id] : w.acked) {
    REQUIRE(log.contains(id));
    after += t > cut ? 1 : 0;
  }
  CHECK(after > 500);
  // Once the producer stops, broker-1 holds exactly the leader's log.
  c.world.kill(producer);
  c.run_for(Duration::seconds(1));
  CHECK(x.log_of(BrokerId{1}) == x.log_of(leader));
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}

namespace {

struct UnheardShrink {
  BrokerId controller;
  BrokerId follower;
  sim::FaultId deaf;
};

// The store's answers to the controller are lost while a follower (not the controller) stops:
// the leader's shrink is written, but the controller does not hear so. Returns once the store
// holds the shrunk ISR, with the follower paused and the answers still lost.
UnheardShrink shrink_unheard_by_controller(ZkCluster& c) {
  c.run_for(Duration::seconds(2));
  const BrokerId controller = c.active_controller();
  REQUIRE(controller.value() != 0);
  const BrokerId follower = controller == BrokerId{2} ? BrokerId{3} : BrokerId{2};
  const auto deaf = c.world.start_fault(sim::DegradedNetwork{{c.node(controller)}, {c.zookeeper}, sim::Direction::to,
                                                             sim::LinkDegradation{{}, {}, 100.0, 0}});
  c.world.pause(c.node(follower));
  for (int i = 0; i < 100 && c.state(kT0)->isr.size() == 3; ++i) c.run_for(Duration::millis(100));
  REQUIRE(c.state(kT0)->isr.size() == 2);
  return {controller, follower, deaf};
}

}  // namespace

TEST_CASE("Controller: an ISR change the store applied but whose answer was lost is read back, not retried forever",
          "[controller][zk]") {
  // The controller hears only a lost connection: its cached version is then one behind the
  // store's, and every later write of the partition would fail on it.
  Watched x;
  auto& [checkers, c, w] = x;
  const auto [controller, follower, deaf] = shrink_unheard_by_controller(c);
  const std::string lost = "controller: state write failed: CONNECTIONLOSS";
  for (int i = 0; i < 150 && std::find(w.notes.begin(), w.notes.end(), lost) == w.notes.end(); ++i) {
    c.run_for(Duration::millis(100));
  }
  REQUIRE(std::find(w.notes.begin(), w.notes.end(), lost) != w.notes.end());
  c.world.resume(c.node(follower));
  c.world.end_fault(deaf);
  c.run_for(Duration::seconds(15));
  // The controller read the state back: the shrink is known, and the follower, caught up, is back.
  std::vector<BrokerId> isr = c.state(kT0)->isr;
  std::sort(isr.begin(), isr.end());
  CHECK(isr == k123);
  CHECK(c.broker(BrokerId{1})->replica_manager()->partition(kT0)->isr().size() == 3);
  const auto failed_writes = std::count_if(w.notes.begin(), w.notes.end(), [](const std::string& n) {
    return n.starts_with("controller: state write failed");
  });
  CHECK(failed_writes <= 3);
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}

TEST_CASE("Controller: a LeaderAndIsr lost to the network is sent again until the broker answers",
          "[controller][zk]") {
  // Three partitions, one per rotation of the brokers: whichever broker controls, one partition
  // has it last, so that its leader L dies and its second replica X, which the controller
  // cannot reach for a moment, is elected.
  sim::invariants::InvariantSuite checkers;
  const std::vector<BrokerId> rotations[] = {k123, {BrokerId{2}, BrokerId{3}, BrokerId{1}}, {BrokerId{3}, BrokerId{1}, BrokerId{2}}};
  Assignment assignment;
  for (std::int32_t p = 0; p < 3; ++p) assignment[p] = rotations[p];
  ZkCluster c(3, {{"orders", assignment}}, fast_failover(), quiet_world(), {}, &checkers);
  Witness w;
  c.world.trace().add_sink(&w);
  c.run_for(Duration::seconds(2));
  const BrokerId controller = c.active_controller();
  REQUIRE(controller.value() != 0);
  const std::int32_t p = controller.value() == 1 ? 1 : controller.value() == 2 ? 2 : 0;
  const TopicPartition tp{"orders", p};
  const BrokerId dying = assignment[p][0], elected = assignment[p][1];
  REQUIRE(assignment[p][2] == controller);
  const auto cut = c.world.start_fault(sim::DegradedNetwork{{c.node(controller)}, {c.node(elected)}, sim::Direction::from,
                                                            sim::LinkDegradation{{}, {}, 100.0, 0}});
  c.world.kill(c.node(dying));
  for (int i = 0; i < 150 && w.offline_elections().empty(); ++i) c.run_for(Duration::millis(100));
  REQUIRE(w.offline_elections().size() == 1);
  REQUIRE(w.offline_elections()[0].leader == elected.value());
  c.run_for(Duration::seconds(1));
  c.world.end_fault(cut);
  CHECK_FALSE(c.broker(elected)->replica_manager()->partition(tp)->is_leader());  // not told yet
  c.run_for(Duration::seconds(31));  // the socket timeout: the request goes again
  CHECK(c.broker(elected)->replica_manager()->partition(tp)->is_leader());
  CHECK(c.broker(elected)->replica_manager()->partition(tp)->leader_epoch() == LeaderEpoch{w.offline_elections()[0].leader_epoch});
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}

TEST_CASE("Controller: a new controller traces the states it reads, a write its predecessor never heard of included",
          "[controller][zk]") {
  // The controller dies without having heard of the shrink. The trace (what the checkers judge
  // by) must still hold every version of the partition's state.
  Watched x;
  auto& [checkers, c, w] = x;
  const auto unheard = shrink_unheard_by_controller(c);
  const std::string shrunk = broker_list(c.state(kT0)->isr);
  c.world.kill(c.node(unheard.controller));
  for (int i = 0; i < 150 && w.controllers.size() < 2; ++i) c.run_for(Duration::millis(100));
  REQUIRE(w.controllers.size() == 2);
  c.run_for(Duration::seconds(1));
  std::map<std::int32_t, std::string> traced;  // version -> ISR
  for (const PartitionStateRecorded& s : w.states) {
    if (s.tp == kT0.str()) traced[s.version] = s.isr;
  }
  REQUIRE_FALSE(traced.empty());
  CHECK(traced.rbegin()->first == c.zk().stat(zk::partition_state_path(kT0))->version);
  for (std::int32_t v = 0; v <= traced.rbegin()->first; ++v) CHECK(traced.contains(v));
  CHECK(traced[1] == shrunk);
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}

namespace {

// RF 2 on brokers 1 and 2; broker-2 falls out of the ISR, broker-1 commits alone, then dies.
// Returns the offline elections and when broker-1 died.
std::pair<std::vector<LeaderElected>, SimTime> leader_dies_alone(bool unclean, std::unique_ptr<ZkCluster>& out, Witness& w,
                                                                 sim::invariants::InvariantSuite& checkers) {
  broker::BrokerConfig b = fast_failover();
  b.controller.unclean_leader_election_enable = unclean;
  out = std::make_unique<ZkCluster>(3, one_partition({BrokerId{1}, BrokerId{2}}), b, quiet_world(),
                                    std::vector<std::string>{}, &checkers);
  ZkCluster* c = out.get();
  c->world.trace().add_sink(&w);
  c->run_for(Duration::seconds(2));
  const auto isolated = c->world.start_fault(sim::Isolate{{c->node(BrokerId{2})}});
  c->run_for(Duration::seconds(1));
  add_producer(*c, 1, 200);
  c->run_for(Duration::seconds(4));  // the ISR shrinks to {1}; acks=1 writes commit on broker-1 alone
  REQUIRE(c->state(kT0)->isr == std::vector<BrokerId>{BrokerId{1}});
  REQUIRE(c->broker(BrokerId{1})->replica_manager()->partition(kT0)->high_watermark().value() > 0);
  const SimTime death = c->world.now();
  c->world.kill(c->node(BrokerId{1}));
  c->world.end_fault(isolated);
  c->run_for(Duration::seconds(12));
  return {w.offline_elections(), death};
}

}  // namespace

TEST_CASE("Controller: unclean election happens only when enabled, and then loses committed records",
          "[controller][zk]") {
  Witness clean_w;
  std::unique_ptr<ZkCluster> clean;
  sim::invariants::InvariantSuite clean_checkers;
  const auto [clean_elections, clean_death] = leader_dies_alone(false, clean, clean_w, clean_checkers);
  CHECK(clean_elections.empty());  // broker-2 was not in the ISR: the partition stays offline
  CHECK(clean->state(kT0)->leader == BrokerId{1});
  const LeaderEpoch offline_epoch = clean->state(kT0)->leader_epoch;
  // broker-1 returns: the offline partition is elected again, in a new leader epoch that both
  // replicas learn (Kafka's OfflinePartition -> OnlinePartition), not taken up where it was.
  clean->world.restart(clean->node(BrokerId{1}));
  clean->run_for(Duration::seconds(5));
  REQUIRE(clean_w.offline_elections().size() == 1);
  CHECK(clean_w.offline_elections()[0].leader == 1);
  CHECK(clean->state(kT0)->leader_epoch == LeaderEpoch{offline_epoch.value() + 1});
  for (BrokerId b : {BrokerId{1}, BrokerId{2}}) {
    CHECK(clean->broker(b)->replica_manager()->partition(kT0)->leader_epoch() == clean->state(kT0)->leader_epoch);
  }
  clean_checkers.finish(clean->world.now());
  CHECK(clean_checkers.violations().empty());

  Witness w;
  std::unique_ptr<ZkCluster> c;
  sim::invariants::InvariantSuite checkers;
  const auto [elections, death] = leader_dies_alone(true, c, w, checkers);
  REQUIRE(elections.size() == 1);
  CHECK(elections[0].leader == 2);
  CHECK(elections[0].unclean);
  CHECK(elections[0].isr == "2");
  // broker-2 never had what broker-1 committed alone: records acknowledged before the death
  // are missing from the new leader's log.
  const std::set<std::string> log = ids_in(*c->broker(BrokerId{2})->log_manager()->get(kT0));
  std::size_t lost = 0;
  for (const auto& [t, id] : w.acked) lost += t < death && !log.contains(id) ? 1 : 0;
  CHECK(lost > 100);
  // The checkers report it, as a finding outside Kafka's promise.
  std::set<std::string> found;
  for (const auto& v : checkers.violations()) found.insert(v.invariant);
  CHECK(found.contains("committed_record_lost"));
}

TEST_CASE("Controller: the preferred leader takes leadership back after it returns", "[controller][zk]") {
  broker::BrokerConfig b = fast_failover();
  b.controller.leader_imbalance_check_interval_ms = 3000;
  ZkCluster c(3, one_partition(), b);
  Witness w;
  c.world.trace().add_sink(&w);
  c.run_for(Duration::seconds(2));
  add_producer(c, -1, 100);
  c.run_for(Duration::seconds(1));
  c.world.kill(c.node(BrokerId{1}));
  c.run_for(Duration::seconds(8));
  REQUIRE(c.state(kT0)->leader != BrokerId{1});
  c.world.restart(c.node(BrokerId{1}));
  c.run_for(Duration::seconds(15));
  const auto s = c.state(kT0);
  CHECK(s->leader == BrokerId{1});
  CHECK(s->isr.size() == 3);
  bool preferred = false;
  for (const auto& [t, e] : w.elections) preferred = preferred || (e.reason == std::string_view("preferred") && e.leader == 1);
  CHECK(preferred);
  CHECK(c.broker(BrokerId{1})->replica_manager()->partition(kT0)->is_leader());
}

namespace {

struct Admin final : Node {
  explicit Admin(Env& e) : env(e) {}
  void start() override {}
  void on_message(NodeId, const MessagePtr& m) override {
    if (const auto* r = body_cast<CreateTopicsResponse>(*m)) {
      for (const auto& [name, error] : r->topics) answers[name] = error;
    }
  }
  Env& env;
  std::map<std::string, Errors> answers;
};

}  // namespace

TEST_CASE("Controller: CreateTopics places replicas across racks and starts every partition", "[controller][zk]") {
  ZkCluster c(6, {}, fast_failover(), quiet_world(), {"a", "a", "b", "b", "c", "c"});
  const NodeId admin = c.world.add_node("admin", [](Env& env) { return std::make_unique<Admin>(env); });
  c.world.start(admin);
  c.run_for(Duration::seconds(2));
  const BrokerId controller = c.active_controller();
  REQUIRE(controller.value() != 0);
  Env& env = c.world.node_as<Admin>(admin)->env;
  CreateTopicsRequest request{1, {NewTopic{"payments", 6, 3, {}}, NewTopic{"huge", 1, 7, {}}, NewTopic{"bad/name", 1, 1, {}}}};
  env.send(c.node(controller), make_message(request));
  c.run_for(Duration::seconds(1));
  env.send(c.node(controller), make_message(CreateTopicsRequest{2, {NewTopic{"payments", 1, 1, {}}}}));
  c.run_for(Duration::seconds(1));
  const auto& answers = c.world.node_as<Admin>(admin)->answers;
  CHECK(answers.at("huge") == Errors::INVALID_REPLICATION_FACTOR);
  CHECK(answers.at("bad/name") == Errors::INVALID_TOPIC_EXCEPTION);
  CHECK(answers.at("payments") == Errors::TOPIC_ALREADY_EXISTS);  // the second request's answer
  const auto assignment = zk::decode_assignment(*c.zk().data(zk::topic_path("payments")));
  REQUIRE(assignment);
  CHECK(assignment->size() == 6);
  for (const auto& [p, replicas] : *assignment) {
    std::set<std::string> racks;
    for (BrokerId b : replicas) racks.insert(c.broker(b)->config().rack);
    CHECK(racks.size() == 3);
    const auto state = c.state(TopicPartition{"payments", p});
    REQUIRE(state);
    CHECK(state->leader == replicas[0]);
    CHECK(c.broker(replicas[0])->replica_manager()->partition(TopicPartition{"payments", p})->is_leader());
  }
}

namespace {

// A follower restarts quickly (kill, restart 1 s later). Its old session expires after 6 s and
// it registers anew at once; the controller's link to the store is slow, so when it reads
// /brokers/ids after the watch fires the broker is already back: only the broker epoch tells.
std::unique_ptr<ZkCluster> fast_bounce(bool fencing, BrokerId& bounced) {
  broker::BrokerConfig b = fast_failover();
  b.replica_lag_time_max_ms = 60000;  // the leader alone would take a minute to notice
  b.registration_retry_ms = 100;
  b.controller.broker_epoch_fencing = fencing;
  auto c = std::make_unique<ZkCluster>(3, one_partition(), b);
  c->run_for(Duration::seconds(2));
  const BrokerId controller = c->active_controller();
  bounced = controller == BrokerId{3} ? BrokerId{2} : BrokerId{3};
  c->world.start_fault(sim::DegradedNetwork{{c->node(controller)}, {c->zookeeper}, sim::Direction::both,
                                            sim::LinkDegradation{Duration::millis(400), Duration::zero()}});
  c->world.kill(c->node(bounced));
  c->run_for(Duration::seconds(1));
  c->world.restart(c->node(bounced));
  c->run_for(Duration::seconds(12));
  return c;
}

}  // namespace

TEST_CASE("Controller: with broker epoch fencing a fast bounce leaves the ISR and rejoins, without, it is missed",
          "[controller][zk]") {
  BrokerId bounced;
  auto fenced = fast_bounce(true, bounced);
  const auto s = fenced->state(kT0);
  CHECK(s->leader_epoch.value() >= 1);  // it was dropped from the ISR (a new leader epoch)...
  CHECK(s->isr.size() == 3);            // ...then followed the leader again and rejoined
  CHECK(fenced->broker(bounced)->replica_manager()->partition(kT0)->leader() == BrokerId{1});

  auto missed = fast_bounce(false, bounced);
  const auto m = missed->state(kT0);
  CHECK(m->leader_epoch.value() == 0);  // the controller saw the same broker ids: nothing changed
  CHECK(m->isr.size() == 3);            // the restarted broker counts as in sync...
  CHECK(missed->broker(bounced)->replica_manager()->partition(kT0) == nullptr);  // ...yet replicates nothing
}

TEST_CASE("Controller: a controlled shutdown moves leadership away before the broker stops", "[controller][zk]") {
  sim::invariants::InvariantSuite checkers;
  const Assignment three{{0, k123}, {1, {BrokerId{2}, BrokerId{3}, BrokerId{1}}}, {2, {BrokerId{3}, BrokerId{1}, BrokerId{2}}}};
  ZkCluster c(3, {{"orders", three}}, fast_failover(), quiet_world(), {}, &checkers);
  Witness w;
  c.world.trace().add_sink(&w);
  c.run_for(Duration::seconds(2));
  add_producer(c, -1, 200);
  c.run_for(Duration::seconds(2));
  // A broker that leads a partition and is not the controller stops.
  const BrokerId leaving = c.active_controller() == BrokerId{1} ? BrokerId{2} : BrokerId{1};
  c.broker(leaving)->begin_controlled_shutdown();
  REQUIRE(c.world.run_until([&] { return c.broker(leaving)->controlled_shutdown_done(); },
                            c.world.now() + Duration::seconds(2)));
  c.run_for(Duration::millis(300));  // it finishes its requests (answering NOT_LEADER) and stops
  const SimTime stopped = c.world.now();
  c.world.kill(c.node(leaving));
  c.run_for(Duration::seconds(8));
  // Its partition got a new leader before it went: no offline election, and acknowledgements
  // did not pause for a session timeout.
  bool moved = false;
  for (const auto& [t, e] : w.elections) moved = moved || (e.reason == std::string_view("controlled_shutdown") && t < stopped);
  CHECK(moved);
  CHECK(w.offline_elections().empty());
  std::size_t soon_after = 0;
  for (const auto& [t, id] : w.acked) soon_after += t > stopped && t < stopped + Duration::seconds(1) ? 1 : 0;
  CHECK(soon_after > 100);
  for (std::int32_t p = 0; p < 3; ++p) {
    const auto s = c.state(TopicPartition{"orders", p});
    CHECK(s->leader != leaving);
    CHECK(s->isr.size() == 2);  // it could not rejoin on its way out (KIP-841)
  }
  checkers.finish(c.world.now());
  CHECK(checkers.violations().empty());
}
