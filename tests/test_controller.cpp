// The coordination store, Kafka's election and assignment rules, and the ZooKeeper-mode
// controller running in the brokers.
#include <catch2/catch.hpp>

#include <set>

#include "model/client/producer_node.h"
#include "model/controller/elections.h"
#include "model/controller/zk_client.h"
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
  sim::World world{ZkCluster::quiet()};
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
  w.user(w.b).client.read("/controller", false, true, [](const ZkReadResponse&) {});
  w.run_for(Duration::millis(20));
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

}  // namespace

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
