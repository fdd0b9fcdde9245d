// Consumer groups: the assignors (Kafka's documented examples and RapidCheck properties), the
// records of __consumer_offsets, and whole runs in which a coordinator moves, a member leaves,
// and a coordinator cut off with acks=1 breaks the group invariants.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "broker_support.h"
#include "traced_run.h"
#include "model/client/assignors.h"
#include "model/group/offsets_records.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"

using namespace kafkasim;
using client::AssignmentStrategy;
using client::GroupAssignment;
using client::MemberSubscription;
using client::PartitionCounts;
using kafkasim::testing::BrokerCluster;
using kafkasim::testing::kAll;
using kafkasim::testing::run_traced;
using kafkasim::testing::TracedRun;

namespace {

std::vector<TopicPartition> tps(std::initializer_list<std::pair<const char*, int>> list) {
  std::vector<TopicPartition> out;
  for (const auto& [topic, p] : list) out.push_back(TopicPartition{topic, p});
  return out;
}

// Every subscribed partition goes to exactly one member, and only to a member subscribed to its
// topic; every member has an entry.
void check_complete(const PartitionCounts& counts, const std::vector<MemberSubscription>& members,
                    const GroupAssignment& assignment) {
  std::map<TopicPartition, int> owners;
  for (const auto& m : members) {
    RC_ASSERT(assignment.contains(m.member_id));
    for (const TopicPartition& tp : assignment.at(m.member_id)) {
      RC_ASSERT(std::find(m.topics.begin(), m.topics.end(), tp.topic.str()) != m.topics.end());
      ++owners[tp];
    }
  }
  for (const auto& [topic, n] : counts) {
    const bool subscribed = std::any_of(members.begin(), members.end(), [&](const auto& m) {
      return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
    });
    for (int p = 0; p < n; ++p) RC_ASSERT(owners[(TopicPartition{topic, p})] == (subscribed ? 1 : 0));
  }
}

std::pair<std::size_t, std::size_t> load_range(const GroupAssignment& assignment) {
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto& [member, partitions] : assignment) {
    lo = std::min(lo, partitions.size());
    hi = std::max(hi, partitions.size());
  }
  return {lo, hi};
}

// scenarios/<name>, run as run_traced does.
TracedRun run_file(const std::string& name, std::uint64_t seed, const std::vector<std::string>& kinds = {}) {
  return run_traced(sim::scenario::load_scenario_file(std::string(KAFKASIM_TESTS_DIR) + "/../scenarios/" + name), seed,
                    kinds);
}

std::set<std::string> invariants_of(const sim::scenario::RunReport& report) {
  std::set<std::string> out;
  for (const auto& v : report.violations) out.insert(v.invariant);
  return out;
}

}  // namespace

TEST_CASE("Assignors: Kafka's documented examples", "[group]") {
  // Two consumers C0 and C1 subscribed to t0 and t1, three partitions each.
  const PartitionCounts counts{{"t0", 3}, {"t1", 3}};
  const std::vector<MemberSubscription> members{{"C0", {"t0", "t1"}, {}}, {"C1", {"t0", "t1"}, {}}};
  SECTION("range: per topic, the first member takes the extra partition") {
    const auto a = client::assign(AssignmentStrategy::range, counts, members);
    CHECK(a.at("C0") == tps({{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}}));
    CHECK(a.at("C1") == tps({{"t0", 2}, {"t1", 2}}));
  }
  SECTION("roundrobin: partitions dealt in turn across topics") {
    const auto a = client::assign(AssignmentStrategy::roundrobin, counts, members);
    CHECK(a.at("C0") == tps({{"t0", 0}, {"t0", 2}, {"t1", 1}}));
    CHECK(a.at("C1") == tps({{"t0", 1}, {"t1", 0}, {"t1", 2}}));
  }
  SECTION("sticky: when a member leaves, the others keep what they had and share its partitions") {
    const PartitionCounts one{{"t", 12}};
    const auto first = client::assign(AssignmentStrategy::sticky, one,
                                      {{"A", {"t"}, {}}, {"B", {"t"}, {}}, {"C", {"t"}, {}}});
    const auto second = client::assign(AssignmentStrategy::sticky, one,
                                       {{"A", {"t"}, first.at("A")}, {"C", {"t"}, first.at("C")}});
    for (const char* kept : {"A", "C"}) {
      for (const TopicPartition& tp : first.at(kept)) CHECK(std::count(second.at(kept).begin(), second.at(kept).end(), tp) == 1);
    }
    CHECK(second.at("A").size() == 6);
    CHECK(second.at("C").size() == 6);
    // range, by contrast, moves partitions between the members that stayed
    const auto ranged = client::assign(AssignmentStrategy::range, one, {{"A", {"t"}, {}}, {"C", {"t"}, {}}});
    CHECK(ranged.at("C") != first.at("C"));
  }
}

TEST_CASE("Assignors: cooperative-sticky moves a partition in two rebalances, never to a member while another owns it",
          "[group]") {
  const PartitionCounts one{{"t", 12}};
  std::vector<TopicPartition> all;
  for (int p = 0; p < 12; ++p) all.push_back(TopicPartition{"t", p});
  // A owned all twelve; B joins. The first rebalance leaves the six that move to nobody: A
  // still consumes them until it learns its assignment.
  const auto first = client::assign(AssignmentStrategy::cooperative_sticky, one, {{"A", {"t"}, all}, {"B", {"t"}, {}}});
  CHECK(first.at("A").size() == 6);
  CHECK(first.at("B").empty());
  // A gave them up and rejoined: the second rebalance hands them to B.
  const auto second =
      client::assign(AssignmentStrategy::cooperative_sticky, one, {{"A", {"t"}, first.at("A")}, {"B", {"t"}, {}}});
  CHECK(second.at("A") == first.at("A"));
  CHECK(second.at("B").size() == 6);
  // Eager sticky hands them over at once, which is safe only because eager members stop first.
  CHECK(client::assign(AssignmentStrategy::sticky, one, {{"A", {"t"}, all}, {"B", {"t"}, {}}}).at("B").size() == 6);
  SECTION("a partition two members claim (one of them a stale view) goes to neither until both gave it up") {
    const auto claimed = client::assign(AssignmentStrategy::cooperative_sticky, one,
                                        {{"A", {"t"}, {TopicPartition{"t", 0}}}, {"B", {"t"}, {TopicPartition{"t", 0}}}});
    CHECK(std::count(claimed.at("A").begin(), claimed.at("A").end(), TopicPartition{"t", 0}) == 0);
    CHECK(std::count(claimed.at("B").begin(), claimed.at("B").end(), TopicPartition{"t", 0}) == 0);
  }
}

TEST_CASE("Assignors: every subscribed partition has exactly one subscribed owner", "[group][property]") {
  rc::prop("any strategy, any subscriptions", [] {
    const auto strategy = *rc::gen::element(AssignmentStrategy::range, AssignmentStrategy::roundrobin, AssignmentStrategy::sticky);
    const std::vector<std::string> topics{"a", "b", "c"};
    PartitionCounts counts;
    for (const auto& t : topics) counts[t] = *rc::gen::inRange(0, 9);
    const int member_count = *rc::gen::inRange(1, 6);
    std::vector<MemberSubscription> members;
    for (int i = 0; i < member_count; ++i) {
      MemberSubscription m{std::string("m").append(std::to_string(i)), {}, {}};
      for (const auto& t : topics) {
        if (*rc::gen::arbitrary<bool>()) m.topics.push_back(t);
      }
      if (m.topics.empty()) m.topics.push_back("a");
      for (int k = *rc::gen::inRange(0, 4); k > 0; --k) {
        m.owned.push_back(TopicPartition{*rc::gen::elementOf(topics), *rc::gen::inRange(0, 10)});
      }
      members.push_back(std::move(m));
    }
    check_complete(counts, members, client::assign(strategy, counts, members));
  });
  rc::prop("cooperative-sticky: no partition goes to a member while another claims it, and rebalancing again "
           "completes the assignment", [] {
    const std::vector<std::string> topics{"a", "b"};
    const PartitionCounts counts{{"a", *rc::gen::inRange(0, 9)}, {"b", *rc::gen::inRange(0, 9)}};
    std::vector<MemberSubscription> members;
    for (int i = 0, n = *rc::gen::inRange(1, 5); i < n; ++i) {
      MemberSubscription m{std::string("m").append(std::to_string(i)), {}, {}};
      for (const auto& t : topics) {
        if (*rc::gen::arbitrary<bool>()) m.topics.push_back(t);
      }
      if (m.topics.empty()) m.topics.push_back("a");
      for (int k = *rc::gen::inRange(0, 5); k > 0; --k) m.owned.push_back(TopicPartition{*rc::gen::elementOf(topics), *rc::gen::inRange(0, 9)});
      members.push_back(std::move(m));
    }
    const auto round = client::assign(AssignmentStrategy::cooperative_sticky, counts, members);
    std::map<TopicPartition, int> owners;
    for (const auto& m : members) {
      for (const TopicPartition& tp : round.at(m.member_id)) {
        RC_ASSERT(++owners[tp] == 1);
        for (const auto& other : members) {
          const bool claims = std::find(other.owned.begin(), other.owned.end(), tp) != other.owned.end();
          RC_ASSERT(!(claims && other.member_id != m.member_id));
        }
      }
    }
    // Members give up what they were not given and rejoin owning their assignment: one more
    // rebalance hands out the rest.
    for (auto& m : members) m.owned = round.at(m.member_id);
    check_complete(counts, members, client::assign(AssignmentStrategy::cooperative_sticky, counts, members));
  });
  rc::prop("same subscriptions: roundrobin and sticky balance within one; sticky keeps a balanced assignment", [] {
    const PartitionCounts counts{{"a", *rc::gen::inRange(0, 13)}, {"b", *rc::gen::inRange(0, 13)}};
    std::vector<MemberSubscription> members;
    for (int i = 0, n = *rc::gen::inRange(1, 6); i < n; ++i) members.push_back({std::string("m").append(std::to_string(i)), {"a", "b"}, {}});
    for (const auto strategy : {AssignmentStrategy::roundrobin, AssignmentStrategy::sticky}) {
      const auto [lo, hi] = load_range(client::assign(strategy, counts, members));
      RC_ASSERT(hi - lo <= 1);
    }
    const auto first = client::assign(AssignmentStrategy::sticky, counts, members);
    for (auto& m : members) m.owned = first.at(m.member_id);
    RC_ASSERT(client::assign(AssignmentStrategy::sticky, counts, members) == first);
  });
}

TEST_CASE("__consumer_offsets records: written and read back as Kafka's key and value schemas", "[group]") {
  using namespace kafkasim::group;
  SECTION("a group lands on Kafka's partition: abs(String.hashCode) % partitions") {
    CHECK(partition_for("g1", 50) == 42);  // "g1".hashCode() == 3242
    CHECK(partition_for("polygenelubricants", 50) == 0);  // hashCode() == Integer.MIN_VALUE; Utils.abs gives 0
    CHECK(partition_for("consumer-group-with-a-long-name", 7) == partition_for("consumer-group-with-a-long-name", 7));
  }
  SECTION("an offset commit") {
    const OffsetCommitRecord r{"g1", CommittedOffset{TopicPartition{"orders", 3}, Offset{41}, LeaderEpoch{2}}, 1234};
    const EncodedRecord e = encode(r);
    const auto back = decode(e.key, e.value);
    REQUIRE(back);
    const auto& o = std::get<OffsetCommitRecord>(*back);
    CHECK(o.group_id == "g1");
    CHECK(o.committed.tp == TopicPartition{"orders", 3});
    CHECK(o.committed.offset == Offset{41});
    CHECK(o.committed.leader_epoch == LeaderEpoch{2});
    CHECK(o.commit_timestamp_ms == 1234);
  }
  SECTION("a group's metadata, members with their subscriptions, assignments and static instance ids") {
    GroupMetadataRecord r{"g1", Generation{7}, "range", "c1-x", {}};
    r.members.push_back(StoredMember{"c1-x", "", "c1", 10000, 300000, GroupSubscription{{"orders"}, {}}, {TopicPartition{"orders", 0}}});
    r.members.push_back(StoredMember{"c2-y", "i2", "c2", 10000, 300000,
                                     GroupSubscription{{"orders"}, {TopicPartition{"orders", 1}}},
                                     {TopicPartition{"orders", 1}, TopicPartition{"orders", 2}}});
    const EncodedRecord e = encode(r);
    const auto back = decode(e.key, e.value);
    REQUIRE(back);
    const auto& g = std::get<GroupMetadataRecord>(*back);
    CHECK(g.generation == Generation{7});
    CHECK(g.leader == "c1-x");
    REQUIRE(g.members.size() == 2);
    CHECK(g.members[0].group_instance_id.empty());  // dynamic: written as a null string
    CHECK(g.members[1].member_id == "c2-y");
    CHECK(g.members[1].group_instance_id == "i2");
    CHECK(g.members[1].subscription.owned == std::vector<TopicPartition>{TopicPartition{"orders", 1}});
    CHECK(g.members[1].assignment.size() == 2);
  }
  SECTION("damaged bytes decode as nothing, never as a huge count") {
    GroupMetadataRecord r{"g1", Generation{1}, "range", "", {}};
    EncodedRecord e = encode(r);
    CHECK_FALSE(decode(e.key, storage::ByteSpan(e.value).first(e.value.size() - 1)));
    e.value[e.value.size() - 1] = 0x7f;  // the member count's last byte: 127 members in no bytes
    CHECK_FALSE(decode(e.key, e.value));
    const Buffer junk{0x00, 0x09, 0x01};
    CHECK_FALSE(decode(junk, junk));
  }
}

namespace {

// Three brokers whose __consumer_offsets has one partition, led by broker-1: every group's
// coordinator is broker-1 until the test moves the partition. The harness plays the members.
struct CoordinatorCluster : BrokerCluster {
  static broker::BrokerConfig config() {
    broker::BrokerConfig c;
    c.group.offsets_topic_partitions = 1;
    c.group.group_initial_rebalance_delay_ms = 0;
    return c;
  }
  CoordinatorCluster() : BrokerCluster(3, config()) {
    lead(offsets, BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
    update_metadata();
    run_for(Duration::millis(50));
  }
  void send(BrokerId to, MessagePtr m) { h().env.send(node(to), std::move(m)); }
  // The members' requests to group "g"; `instance` makes the member static.
  JoinGroupRequest join(std::int32_t corr, std::string member, std::string instance = "") {
    JoinGroupRequest r;
    r.correlation_id = corr;
    r.group_id = "g";
    r.session_timeout_ms = 6000;
    r.rebalance_timeout_ms = 60000;
    r.member_id = std::move(member);
    r.client_id = "c";
    r.protocol = "range";
    r.subscription.topics = {"orders"};
    r.group_instance_id = std::move(instance);
    return r;
  }
  static SyncGroupRequest sync(std::int32_t corr, std::string member, Generation generation,
                               std::vector<MemberAssignment> assignments = {}, std::string instance = "") {
    return SyncGroupRequest{corr, "g", generation, std::move(member), std::move(assignments), std::move(instance)};
  }
  static HeartbeatRequest heartbeat(std::int32_t corr, std::string member, Generation generation, std::string instance = "") {
    return HeartbeatRequest{corr, "g", generation, std::move(member), std::move(instance)};
  }
  static OffsetCommitRequest commit(std::int32_t corr, std::string member, Generation generation, CommittedOffset offset,
                                    std::string instance = "") {
    return OffsetCommitRequest{corr, "g", generation, std::move(member), {offset}, std::move(instance)};
  }
  template <class Body>
  std::optional<Body> answer(std::int32_t corr) {
    for (const auto& [t, b] : h().received<Body>()) {
      if (b.correlation_id == corr) return b;
    }
    return std::nullopt;
  }
  const TopicPartition offsets{"__consumer_offsets", 0};
};

}  // namespace

TEST_CASE("Group coordinator: a member given an id that never joins with it holds the rebalance up only for its session",
          "[group]") {
  CoordinatorCluster c;
  c.send(BrokerId{1}, make_message(c.join(1, "")));
  c.send(BrokerId{1}, make_message(c.join(2, "")));
  c.run_for(Duration::millis(20));
  const auto a = c.answer<JoinGroupResponse>(1), b = c.answer<JoinGroupResponse>(2);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->error == Errors::MEMBER_ID_REQUIRED);
  CHECK(b->error == Errors::MEMBER_ID_REQUIRED);
  c.send(BrokerId{1}, make_message(c.join(3, b->member_id)));  // only b comes back
  c.run_for(Duration::millis(5500));
  CHECK_FALSE(c.answer<JoinGroupResponse>(3));  // the rebalance waits for a, within its session
  c.run_for(Duration::millis(1000));
  const auto joined = c.answer<JoinGroupResponse>(3);
  REQUIRE(joined);  // a's session (6 s) ended, not the rebalance timeout (60 s)
  CHECK(joined->error == Errors::NONE);
  CHECK(joined->generation == Generation{1});
  CHECK(joined->leader == b->member_id);
  REQUIRE(joined->members.size() == 1);
}

TEST_CASE("Group coordinator: commits are taken from the current generation only, and a new coordinator serves "
          "the group and its offsets from the log", "[group]") {
  CoordinatorCluster c;
  c.send(BrokerId{1}, make_message(c.join(1, "")));
  c.run_for(Duration::millis(20));
  const std::string member = c.answer<JoinGroupResponse>(1)->member_id;
  c.send(BrokerId{1}, make_message(c.join(2, member)));
  c.run_for(Duration::millis(20));
  REQUIRE(c.answer<JoinGroupResponse>(2)->generation == Generation{1});
  const TopicPartition orders0{"orders", 0};
  c.send(BrokerId{1}, make_message(c.sync(3, member, Generation{1}, {MemberAssignment{member, {orders0}}})));
  c.run_for(Duration::millis(100));
  const auto synced = c.answer<SyncGroupResponse>(3);
  REQUIRE(synced);  // answered once the followers replicated the group's record (acks -1)
  CHECK(synced->error == Errors::NONE);
  CHECK(synced->assignment == std::vector<TopicPartition>{orders0});

  c.send(BrokerId{1}, make_message(c.commit(4, member, Generation{0}, {orders0, Offset{5}, LeaderEpoch{1}})));
  c.send(BrokerId{1}, make_message(c.commit(5, member, Generation{1}, {orders0, Offset{41}, LeaderEpoch{1}})));
  c.run_for(Duration::millis(100));
  CHECK(c.answer<OffsetCommitResponse>(4)->partitions.at(0).second == Errors::ILLEGAL_GENERATION);
  CHECK(c.answer<OffsetCommitResponse>(5)->partitions.at(0).second == Errors::NONE);

  // broker-2 takes __consumer_offsets-0 over; broker-1 gives the group up.
  c.lead(c.offsets, BrokerId{2}, LeaderEpoch{2}, kAll, kAll);
  c.update_metadata();
  c.run_for(Duration::millis(50));
  c.send(BrokerId{1}, make_message(c.heartbeat(6, member, Generation{1})));
  c.send(BrokerId{2}, make_message(c.heartbeat(7, member, Generation{1})));
  c.send(BrokerId{2}, make_message(OffsetFetchRequest{8, "g", {orders0}}));
  c.send(BrokerId{3}, make_message(FindCoordinatorRequest{9, "g"}));
  c.run_for(Duration::millis(50));
  CHECK(c.answer<HeartbeatResponse>(6)->error == Errors::NOT_COORDINATOR);
  CHECK(c.answer<HeartbeatResponse>(7)->error == Errors::NONE);  // loaded: Stable in generation 1
  const auto fetched = c.answer<OffsetFetchResponse>(8);
  REQUIRE(fetched);
  REQUIRE(fetched->offsets.size() == 1);
  CHECK(fetched->offsets[0].offset == Offset{41});
  CHECK(fetched->offsets[0].leader_epoch == LeaderEpoch{1});
  CHECK(c.answer<FindCoordinatorResponse>(9)->broker == BrokerId{2});
}

TEST_CASE("Group coordinator: a static member rejoining under a new id takes its place and assignment without a "
          "rebalance, and the old id is fenced, also by the next coordinator", "[group]") {
  CoordinatorCluster c;
  const TopicPartition orders0{"orders", 0}, orders1{"orders", 1};
  c.send(BrokerId{1}, make_message(c.join(1, "", "i1")));  // static: no MEMBER_ID_REQUIRED first
  c.run_for(Duration::millis(20));
  const auto a = c.answer<JoinGroupResponse>(1);
  REQUIRE(a);
  REQUIRE(a->error == Errors::NONE);
  CHECK(a->generation == Generation{1});
  CHECK(a->member_id.starts_with("i1-"));  // Kafka names a static member after its instance
  c.send(BrokerId{1}, make_message(c.join(2, "", "i2")));  // a second member: generation 2
  c.send(BrokerId{1}, make_message(c.join(3, a->member_id, "i1")));
  c.run_for(Duration::millis(20));
  const auto b = c.answer<JoinGroupResponse>(2);
  REQUIRE(b);
  REQUIRE(b->error == Errors::NONE);
  REQUIRE(b->generation == Generation{2});
  REQUIRE(b->leader == a->member_id);
  const std::string old_id = a->member_id, other = b->member_id;
  c.send(BrokerId{1}, make_message(c.sync(4, old_id, Generation{2},
                                          {MemberAssignment{old_id, {orders0}}, MemberAssignment{other, {orders1}}}, "i1")));
  c.send(BrokerId{1}, make_message(c.sync(5, other, Generation{2}, {}, "i2")));
  c.run_for(Duration::millis(100));
  REQUIRE(c.answer<SyncGroupResponse>(4)->error == Errors::NONE);
  REQUIRE(c.answer<SyncGroupResponse>(5)->error == Errors::NONE);

  // i1's process (the leader's) restarts: it joins again without its member id.
  c.send(BrokerId{1}, make_message(c.join(6, "", "i1")));
  c.run_for(Duration::millis(100));
  const auto back = c.answer<JoinGroupResponse>(6);
  REQUIRE(back);
  REQUIRE(back->error == Errors::NONE);
  const std::string new_id = back->member_id;
  CHECK(new_id != old_id);
  CHECK(back->generation == Generation{2});  // no rebalance
  CHECK(back->leader == old_id);             // the leader as it was: the rejoined leader assigns nothing
  CHECK(back->members.empty());
  c.send(BrokerId{1}, make_message(c.sync(7, new_id, Generation{2}, {}, "i1")));
  c.send(BrokerId{1}, make_message(c.heartbeat(8, old_id, Generation{2}, "i1")));
  c.send(BrokerId{1}, make_message(c.commit(9, old_id, Generation{2}, {orders0, Offset{3}, LeaderEpoch{1}}, "i1")));
  c.send(BrokerId{1}, make_message(c.heartbeat(10, other, Generation{2}, "i2")));
  c.run_for(Duration::millis(100));
  const auto synced = c.answer<SyncGroupResponse>(7);
  REQUIRE(synced);
  CHECK(synced->error == Errors::NONE);
  CHECK(synced->assignment == std::vector<TopicPartition>{orders0});  // the old id's part
  CHECK(c.answer<HeartbeatResponse>(8)->error == Errors::FENCED_INSTANCE_ID);
  CHECK(c.answer<OffsetCommitResponse>(9)->partitions.at(0).second == Errors::FENCED_INSTANCE_ID);
  CHECK(c.answer<HeartbeatResponse>(10)->error == Errors::NONE);  // the other member saw no rebalance

  // The new id was written: broker-2, taking the group over, fences the old one too.
  c.lead(c.offsets, BrokerId{2}, LeaderEpoch{2}, kAll, kAll);
  c.update_metadata();
  c.run_for(Duration::millis(50));
  c.send(BrokerId{2}, make_message(c.heartbeat(11, old_id, Generation{2}, "i1")));
  c.send(BrokerId{2}, make_message(c.heartbeat(12, new_id, Generation{2}, "i1")));
  c.send(BrokerId{2}, make_message(c.join(13, old_id, "i1")));
  c.run_for(Duration::millis(50));
  CHECK(c.answer<HeartbeatResponse>(11)->error == Errors::FENCED_INSTANCE_ID);
  CHECK(c.answer<HeartbeatResponse>(12)->error == Errors::NONE);
  CHECK(c.answer<JoinGroupResponse>(13)->error == Errors::FENCED_INSTANCE_ID);
}

TEST_CASE("Group coordinator: a static member replaced during a rebalance has its waiting JoinGroup answered "
          "FENCED_INSTANCE_ID, and the rebalance completes with the new id", "[group]") {
  CoordinatorCluster c;
  c.send(BrokerId{1}, make_message(c.join(1, "", "i1")));
  c.run_for(Duration::millis(20));
  const std::string old_id = c.answer<JoinGroupResponse>(1)->member_id;
  c.send(BrokerId{1}, make_message(c.join(2, "", "i2")));  // a rebalance: i1 must rejoin
  c.send(BrokerId{1}, make_message(c.join(3, old_id, "i1")));
  c.run_for(Duration::millis(20));
  const auto first = c.answer<JoinGroupResponse>(2);
  REQUIRE(first);
  REQUIRE(first->generation == Generation{2});
  c.send(BrokerId{1}, make_message(c.join(4, "", "i3")));  // generation 3 begins
  c.send(BrokerId{1}, make_message(c.join(5, old_id, "i1")));  // i1 waits in it
  c.run_for(Duration::millis(20));
  CHECK_FALSE(c.answer<JoinGroupResponse>(5));
  c.send(BrokerId{1}, make_message(c.join(6, "", "i1")));  // i1's process restarted meanwhile
  c.send(BrokerId{1}, make_message(c.join(7, first->member_id, "i2")));
  c.run_for(Duration::millis(20));
  const auto fenced = c.answer<JoinGroupResponse>(5);
  REQUIRE(fenced);
  CHECK(fenced->error == Errors::FENCED_INSTANCE_ID);
  const auto renewed = c.answer<JoinGroupResponse>(6);
  REQUIRE(renewed);  // every member joined: generation 3, with the new id in the old one's place
  CHECK(renewed->error == Errors::NONE);
  CHECK(renewed->generation == Generation{3});
  CHECK(renewed->member_id != old_id);
  const auto joined_three = c.answer<JoinGroupResponse>(4);
  REQUIRE(joined_three);
  CHECK(joined_three->generation == Generation{3});
}

TEST_CASE("Consumer group: a fetch unanswered in time on the coordinator's broker closes the connection the member's coordinator client uses too",
          "[group]") {
  // One broker leads the topic and coordinates the group. The member is cut off from it at 5 s:
  // its fetches (one every 100 ms) time out after 1 s, long before the heartbeat due at most 3 s
  // later would, and closing that connection loses the coordinator as a close by the broker does.
  const TracedRun run = run_traced(sim::scenario::parse_scenario(R"({
      "name": "coordinator-behind-a-timed-out-fetch", "durationMs": 12000,
      "cluster": {"brokers": 1, "configs": {"offsets.topic.num.partitions": 1, "offsets.topic.replication.factor": 1,
                                            "group.initial.rebalance.delay.ms": 0}},
      "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
      "consumers": [{"id": "c1", "groupId": "g", "topics": ["t"],
                     "consumerConf": {"request.timeout.ms": 1000, "fetch.max.wait.ms": 100, "heartbeat.interval.ms": 3000,
                                      "session.timeout.ms": 10000}}],
      "faults": [{"type": "network_partition", "startMs": 5000, "partitions": [["c1"], ["broker-1"]], "durationMs": 3000}],
      "liveness": {"settleMs": 0}})"), 1, {"note"});
  std::vector<std::pair<std::int64_t, std::string>> lost;  // (ms, why)
  for (const auto& note : run.of("note")) {
    const std::string text = note["text"];
    const auto why = text.find("lost the coordinator of group g: ");
    if (why != std::string::npos) lost.emplace_back(note["timeUs"].get<std::int64_t>() / 1000, text.substr(why + 33));
  }
  REQUIRE(!lost.empty());
  CHECK(lost.front().first >= 5000);
  CHECK(lost.front().first <= 6200);
  CHECK(lost.front().second == "the connection to it closed");
}

TEST_CASE("Consumer group: a killed coordinator's successor loads the group from __consumer_offsets, and a "
          "leaving member's partitions continue from its committed offsets", "[group]") {
  const TracedRun run = run_file("consumer-group.json", 1,
                                 {"group_stable", "group_loaded", "group_rebalance", "offset_commit", "group_assignment", "consumed"});
  REQUIRE(run.report.violations.empty());
  const auto stable = run.of("group_stable");
  REQUIRE(!stable.empty());
  const std::string first_coordinator = stable.front()["node"];
  // The fault killed the coordinator; another broker loaded generation 1 and its three members.
  const auto loaded = run.of("group_loaded");
  REQUIRE(loaded.size() >= 1);
  CHECK(loaded.front()["node"] != first_coordinator);
  CHECK(loaded.front()["generation"] == 1);
  CHECK(loaded.front()["members"] == 3);
  // The members found the new coordinator and heartbeat it within their session: the next
  // rebalance is the one c3's leaving (at 35 s) starts, and keeps c1 and c2.
  const auto rebalances = run.of("group_rebalance");
  const auto after_load = std::find_if(rebalances.begin(), rebalances.end(),
                                       [&](const auto& e) { return e["i"] > loaded.front()["i"]; });
  REQUIRE(after_load != rebalances.end());
  CHECK((*after_load)["members"] == 2);
  CHECK((*after_load)["timeUs"].get<std::int64_t>() >= 35000000);
  // c3 left at 35 s: in the next generation its partitions went to c1 and c2, which started each
  // exactly at the offset last committed for it.
  std::map<std::string, std::int64_t> committed;  // tp -> offset, as accepted so far
  std::map<std::string, std::string> c3_owned;
  std::map<std::string, std::int64_t> reassigned_at;  // c3's partition -> trace index of its new assignment
  std::map<std::string, std::int64_t> first_read;     // ... -> the first offset its new owner consumed
  std::map<std::string, std::int64_t> committed_at_reassignment;
  for (const auto& e : run.events) {
    if (e["event"] == "offset_commit" && e["error"] == "NONE") {
      std::stringstream offsets(e["offsets"].get<std::string>());
      for (std::string item; std::getline(offsets, item, ',');) {
        const auto at = item.find('@');
        committed[item.substr(0, at)] = std::stoll(item.substr(at + 1));
      }
    } else if (e["event"] == "group_assignment") {
      std::stringstream parts(e["partitions"].get<std::string>());
      for (std::string tp; std::getline(parts, tp, ',');) {
        if (e["client"] == "c3") c3_owned[tp] = "c3";
        else if (c3_owned.contains(tp) && !reassigned_at.contains(tp)) {
          reassigned_at[tp] = e["i"];
          committed_at_reassignment[tp] = committed.at(tp);
          c3_owned[tp] = e["client"];
        }
      }
    } else if (e["event"] == "consumed" && reassigned_at.contains(e["tp"]) && !first_read.contains(e["tp"]) &&
               e["client"] == c3_owned[e["tp"]]) {
      first_read[e["tp"]] = e["firstOffset"];
    }
  }
  REQUIRE(reassigned_at.size() == 4);  // c3 had a third of twelve partitions
  for (const auto& [tp, offset] : first_read) CHECK(offset == committed_at_reassignment.at(tp));
  CHECK(first_read.size() == 4);
  CHECK(run.report.stats.rebalances >= 2);
  // The producer rides out the coordinator's broker bounce with nothing failed: a batch
  // answered OUT_OF_ORDER_SEQUENCE_NUMBER while an earlier one of its partition waited to be
  // retried (broker-1's request had timed out) is retried, as Kafka's producer does.
  CHECK(run.report.stats.records_acked == run.report.stats.records_sent);
}

TEST_CASE("Consumer group: __consumer_offsets is compacted, so log retention never deletes the group a successor loads",
          "[group]") {
  // consumer-group.json with small segments and a retention that keeps one segment's worth of
  // every log. Kafka creates __consumer_offsets with cleanup.policy=compact, so retention does
  // not apply to it: the coordinator that takes over at 20 s still finds generation 1 (written
  // at about 3 s, segments before the last) and its three members.
  std::string text = *sim::scenario::read_scenario_text(std::string(KAFKASIM_TESTS_DIR) + "/../scenarios/consumer-group.json");
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, true, /*ignore_comments=*/true);
  auto& configs = doc["cluster"]["configs"];
  configs["log.segment.bytes"] = 4096;
  configs["offsets.topic.segment.bytes"] = 4096;
  configs["log.retention.bytes"] = 4096;
  configs["log.retention.check.interval.ms"] = 1000;
  const TracedRun run = run_traced(sim::scenario::parse_scenario(doc.dump()), 1, {"group_loaded", "log_start"});
  const auto loaded = run.of("group_loaded");
  REQUIRE(!loaded.empty());
  CHECK(loaded.front()["generation"] == 1);
  CHECK(loaded.front()["members"] == 3);
  CHECK(run.report.violations.empty());
  // Retention did delete from the other topic's logs: the setting was in force.
  const auto moved = run.of("log_start");
  CHECK(std::any_of(moved.begin(), moved.end(), [](const auto& e) { return e["tp"].template get<std::string>().starts_with("orders-"); }));
  CHECK(std::none_of(moved.begin(), moved.end(), [](const auto& e) {
    return e["tp"].template get<std::string>().starts_with("__consumer_offsets");
  }));
}

TEST_CASE("Consumer group: a coordinator cut off with offsets.commit.required.acks=1 breaks the group invariants, "
          "with acks=-1 it cannot", "[group][checkers]") {
  SECTION("group_double_ownership: two generations numbered 2, each with an owner of orders-0") {
    const TracedRun run = run_file("group-split-brain-acks1.json", 1);
    CHECK(invariants_of(run.report) == std::set<std::string>{"group_double_ownership"});
    CHECK(run.report.pass);
    const TracedRun safe = run_file("group-split-brain.json", 1);
    CHECK(safe.report.violations.empty());
  }
  SECTION("stale_commit_accepted: the cut-off coordinator takes generation 1's commits after generation 2") {
    const TracedRun run = run_file("group-split-brain-acks1.json", 6);
    CHECK(invariants_of(run.report) == std::set<std::string>{"stale_commit_accepted"});
    const TracedRun safe = run_file("group-split-brain.json", 6);
    CHECK(safe.report.violations.empty());
  }
}

namespace {

// consumer-group-cooperative.json, its members' assignor replaced by `strategy` (and, for a
// broken run, the leader forgetting KIP-429's hold-back).
TracedRun run_cooperative_file(std::uint64_t seed, std::string_view strategy, bool hands_over_at_once,
                               const std::vector<std::string>& kinds) {
  auto loaded = sim::scenario::load_scenario_file(std::string(KAFKASIM_TESTS_DIR) + "/../scenarios/consumer-group-cooperative.json");
  REQUIRE(loaded.scenario);
  for (auto& consumer : loaded.scenario->consumers) {
    consumer.config.assignment_strategy = *client::parse_assignment_strategy(strategy);
    consumer.config.test_only_cooperative_hands_over_at_once = hands_over_at_once;
  }
  return run_traced(loaded, seed, kinds);
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');) out.push_back(item);
  return out;
}

// Records each member consumed between deciding to rejoin (its "rejoins group" note) and
// learning its next assignment.
std::map<std::string, std::int64_t> consumed_while_rejoining(const TracedRun& run) {
  std::map<std::string, std::int64_t> out;
  std::set<std::string> rejoining;
  for (const auto& e : run.events) {
    const std::string node = e["node"];
    if (e["event"] == "note" && e["text"].get<std::string>().find(" rejoins group ") != std::string::npos) {
      rejoining.insert(node);
      out[node] += 0;
    } else if (e["event"] == "group_assignment") {
      rejoining.erase(node);
    } else if (e["event"] == "consumed" && rejoining.contains(node)) {
      out[node] += e["lastOffset"].get<std::int64_t>() - e["firstOffset"].get<std::int64_t>() + 1;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Consumer group: cooperative members consume through a rebalance, and a partition they give up has a new "
          "owner only in a later generation", "[group]") {
  const TracedRun run = run_cooperative_file(1, "cooperative-sticky", false, {"group_assignment", "note", "consumed"});
  REQUIRE(run.report.violations.empty());
  std::map<std::string, std::int32_t> revoked_in;  // partition -> the generation its owner gave it up in
  std::map<std::string, std::set<std::string>> owned;  // member -> its partitions, as it learnt them
  int handed_on = 0;
  for (const auto& e : run.of("group_assignment")) {
    const std::int32_t generation = e["generation"];
    for (const std::string& tp : split_list(e["revoked"])) revoked_in[tp] = generation;
    for (const std::string& tp : split_list(e["partitions"])) {
      if (revoked_in.contains(tp)) {
        CHECK(generation > revoked_in[tp]);
        revoked_in.erase(tp);
        ++handed_on;
      }
    }
    const auto parts = split_list(e["partitions"]);
    owned[e["client"]] = std::set<std::string>(parts.begin(), parts.end());
  }
  // Handed on: four partitions to c3 when it joined, each given up first; when c1 came back
  // from its isolation (its generation gone, its partitions lost), six from c3 to c1.
  CHECK(handed_on == 10);
  CHECK(run.report.probes[static_cast<std::size_t>(Probe::cooperative_partitions_lost)] == 1);
  // The members that stayed consumed while they rejoined; eager members stop for it.
  const auto cooperative = consumed_while_rejoining(run);
  CHECK(cooperative.at("c1") > 0);
  CHECK(cooperative.at("c2") > 0);
  const TracedRun eager = run_cooperative_file(1, "sticky", false, {"group_assignment", "note", "consumed"});
  REQUIRE(eager.report.violations.empty());
  for (const auto& [member, records] : consumed_while_rejoining(eager)) CHECK(records == 0);
  // A partition kept goes on from where it was, not from the last commit: while a member keeps
  // a partition, its offsets follow one another across every rebalance.
  std::map<std::pair<std::string, std::string>, std::int64_t> next;  // (member, tp) -> next offset
  int kept_across_a_rebalance = 0;
  for (const auto& e : run.events) {
    const std::string node = e["node"];
    if (e["event"] == "group_assignment") {
      const auto parts = split_list(e["partitions"]);
      std::erase_if(next, [&](const auto& entry) {
        const bool dropped = entry.first.first == node && std::find(parts.begin(), parts.end(), entry.first.second) == parts.end();
        kept_across_a_rebalance += entry.first.first == node && !dropped;
        return dropped;
      });
    } else if (e["event"] == "consumed") {
      const auto key = std::make_pair(node, e["tp"].get<std::string>());
      if (auto it = next.find(key); it != next.end()) CHECK(e["firstOffset"].get<std::int64_t>() == it->second);
      next[key] = e["lastOffset"].get<std::int64_t>() + 1;
    }
  }
  CHECK(kept_across_a_rebalance >= 8);
  // In the end c1 (back from its isolation) and c3 share the twelve partitions. c1, cut off from
  // 45 s to 59 s, has partitions again within two rebalances: told twice at once that its member
  // id is unknown (a commit's and a heartbeat's answers), it sends one JoinGroup, not two (a
  // second would leave a member id unused, holding the rebalance up for a session: 72 s).
  CHECK(owned.at("c1").size() == 6);
  CHECK(owned.at("c3").size() == 6);
  std::int64_t c1_back_ms = 0;
  for (const auto& e : run.of("group_assignment")) {
    const std::int64_t ms = e["timeUs"].get<std::int64_t>() / 1000;
    if (e["client"] == "c1" && ms > 59000 && !e["partitions"].get<std::string>().empty() && c1_back_ms == 0) c1_back_ms = ms;
  }
  CHECK(c1_back_ms > 59000);
  CHECK(c1_back_ms < 65000);
}

TEST_CASE("Checkers: a cooperative leader that hands a partition over while its owner still consumes it is caught, "
          "KIP-429's two steps never are", "[group][checkers]") {
  const TracedRun broken = run_cooperative_file(1, "cooperative-sticky", true, {});
  REQUIRE(invariants_of(broken.report) == std::set<std::string>{"group_double_ownership"});
  const auto& v = broken.report.violations.front();
  CHECK(v.detail.find("which consumed it until it learnt this generation") != std::string::npos);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) CHECK(run_cooperative_file(seed, "cooperative-sticky", false, {}).report.violations.empty());
}

TEST_CASE("Consumer group: eager sticky members keep their partitions across rebalances, as StickyAssignor's user data "
          "lets them", "[group]") {
  // Eager members own nothing when they rejoin; each tells the assignor its last assignment.
  const TracedRun run = run_cooperative_file(1, "sticky", false, {"group_assignment"});
  REQUIRE(run.report.violations.empty());
  std::map<std::string, std::set<std::string>> last;  // member -> its partitions
  int kept_through = 0;
  for (const auto& e : run.of("group_assignment")) {
    const auto parts = split_list(e["partitions"]);
    const std::set<std::string> now(parts.begin(), parts.end());
    if (auto it = last.find(e["client"]); it != last.end()) {
      std::size_t kept = 0;
      for (const std::string& tp : now) kept += it->second.count(tp);
      CHECK(kept == std::min(now.size(), it->second.size()));  // grew or shrank, never swapped
      ++kept_through;
    }
    last[e["client"]] = now;
  }
  CHECK(kept_through >= 3);  // c1 and c2 when c3 joined, c1 and c3 when c2 left
}

namespace {

// consumer-group-static.json, its members static as the file says or, with `dynamic`, without
// their group.instance.id.
TracedRun run_static_file(bool dynamic, const std::vector<std::string>& kinds) {
  auto loaded = sim::scenario::load_scenario_file(std::string(KAFKASIM_TESTS_DIR) + "/../scenarios/consumer-group-static.json");
  REQUIRE(loaded.scenario);
  for (auto& consumer : loaded.scenario->consumers) {
    REQUIRE_FALSE(consumer.config.group_instance_id.empty());
    if (dynamic) consumer.config.group_instance_id.clear();
  }
  return run_traced(loaded, 1, kinds);
}

// Records `client` was handed between the two times.
std::int64_t consumed_between(const TracedRun& run, const std::string& client, std::int64_t from_ms, std::int64_t to_ms) {
  std::int64_t records = 0;
  for (const auto& e : run.of("consumed")) {
    const std::int64_t ms = e["timeUs"].get<std::int64_t>() / 1000;
    if (e["client"] == client && ms >= from_ms && ms < to_ms) {
      records += e["lastOffset"].get<std::int64_t>() - e["firstOffset"].get<std::int64_t>() + 1;
    }
  }
  return records;
}

}  // namespace

TEST_CASE("Consumer group: a static member restarted within its session gets its partitions back without a "
          "rebalance, where a dynamic one stops the whole group until its old session ends", "[group]") {
  // c2 is killed at 20 s and restarted at 30 s; sessions last 30 s.
  const TracedRun run = run_static_file(false, {"group_assignment", "consumed"});
  CHECK(run.report.violations.empty());  // a dead member owns nothing: no double ownership
  CHECK(run.report.stats.rebalances == 1);  // the first one only
  std::vector<nlohmann::json> c2;
  for (const auto& e : run.of("group_assignment")) {
    if (e["client"] == "c2") c2.push_back(e);
  }
  REQUIRE(c2.size() == 2);
  CHECK(c2[1]["generation"] == c2[0]["generation"]);
  CHECK(c2[1]["partitions"] == c2[0]["partitions"]);
  CHECK(c2[1]["member"] != c2[0]["member"]);  // a new member id in the old one's place
  CHECK(c2[1]["timeUs"].get<std::int64_t>() / 1000 >= 30000);
  CHECK(c2[1]["timeUs"].get<std::int64_t>() / 1000 < 31000);
  CHECK(run.report.probes[static_cast<std::size_t>(Probe::group_static_member_replaced)] == 1);
  CHECK(consumed_between(run, "c1", 30000, 45000) > 0);
  CHECK(consumed_between(run, "c2", 31000, 45000) > 0);

  // Without instance ids the restarted c2 joins as a new member: the eager group gives up
  // everything (c1 at its next heartbeat, by 33 s) and waits for the dead member until its
  // session ends (48 s).
  const TracedRun dynamic = run_static_file(true, {"consumed"});
  CHECK(dynamic.report.violations.empty());
  CHECK(dynamic.report.stats.rebalances == 2);
  CHECK(consumed_between(dynamic, "c1", 34000, 47000) == 0);
  CHECK(consumed_between(dynamic, "c1", 49000, 60000) > 0);
}

TEST_CASE("Checkers: two live consumers sharing a group.instance.id take it from each other in one generation, "
          "until a commit fences one for good", "[group][invariants]") {
  const TracedRun run = run_file("group-static-duplicate-instance.json", 1, {"group_member_fenced", "note", "consumed"});
  CHECK(run.report.pass);  // expects group_double_ownership, and nothing else
  REQUIRE(invariants_of(run.report) == std::set<std::string>{"group_double_ownership"});
  // A heartbeat answered FENCED_INSTANCE_ID sends a member back to join as its instance's new
  // process (Kafka's consumer since 2.3), which fences the other: they take turns.
  std::uint64_t heartbeat_fences = 0;
  for (const auto& e : run.of("note")) {
    heartbeat_fences += e["text"].get<std::string>().find("Heartbeat: another member holds its instance id") != std::string::npos;
  }
  CHECK(heartbeat_fences >= 2);
  CHECK(run.report.probes[static_cast<std::size_t>(Probe::group_static_member_replaced)] == heartbeat_fences + 1);
  // A commit of its current generation answered FENCED_INSTANCE_ID is fatal: one stops.
  const auto fenced = run.of("group_member_fenced");
  REQUIRE(fenced.size() == 1);
  const std::string stopped = fenced[0]["client"], survivor = stopped == "c1" ? "c2" : "c1";
  CHECK(fenced[0]["instance"] == "worker-1");
  const std::int64_t fenced_ms = fenced[0]["timeUs"].get<std::int64_t>() / 1000;
  CHECK(fenced_ms > 20000);
  CHECK(fenced_ms < 26000);  // its next auto commit (every 5 s)
  CHECK(consumed_between(run, "c1", 20100, fenced_ms) > 0);  // both consumed until then
  CHECK(consumed_between(run, "c2", 20100, fenced_ms) > 0);
  CHECK(consumed_between(run, stopped, fenced_ms + 1, 40000) == 0);  // stopped for good
  CHECK(consumed_between(run, survivor, fenced_ms + 1000, 40000) > 0);
}

TEST_CASE("Checkers: a static member fenced by its own old member id after a coordinator failover is caught", "[group][invariants]") {
  const TracedRun run = run_file("group-static-fenced-by-failover.json", 1, {"group_member_fenced", "group_loaded", "consumed"});
  CHECK(run.report.pass);
  REQUIRE(invariants_of(run.report) == std::set<std::string>{"static_member_self_fenced"});
  const auto fenced = run.of("group_member_fenced");
  REQUIRE(fenced.size() == 1);
  CHECK(fenced[0]["client"] == "c2");
  const std::int64_t fenced_ms = fenced[0]["timeUs"].get<std::int64_t>() / 1000;
  // by a coordinator that loaded the group from __consumer_offsets during the pause
  bool loaded_before = false;
  for (const auto& e : run.of("group_loaded")) loaded_before = loaded_before || e["timeUs"].get<std::int64_t>() / 1000 < fenced_ms;
  CHECK(loaded_before);
  CHECK(consumed_between(run, "c2", fenced_ms + 1, 30000) == 0);
  CHECK(consumed_between(run, "c1", fenced_ms + 1, 30000) > 0);
}

TEST_CASE("Consumer group: an error about a membership the member has already left is ignored, as Kafka's "
          "generationUnchanged() does", "[group]") {
  // Seed 3 of the cooperative nemesis: c2's SyncGroup and its heartbeat, both sent as member
  // c2-a48... of generation 2, are answered UNKNOWN_MEMBER_ID one after the other. The first
  // sends c2 back to join without its id; the second is then about a membership c2 has left.
  const TracedRun run = run_file("nemesis-groups-cooperative.json", 3, {"note"});
  CHECK(run.report.violations.empty());
  std::int64_t ignored_us = -1;
  for (const auto& e : run.of("note")) {
    const std::string text = e["text"];
    if (e["node"] == "c2" && text.starts_with("c2 ignores Heartbeat's UNKNOWN_MEMBER_ID")) ignored_us = e["timeUs"];
  }
  REQUIRE(ignored_us > 0);
  for (const auto& e : run.of("note")) {
    const std::int64_t t = e["timeUs"];
    const std::string text = e["text"];
    if (e["node"] == "c2" && t >= ignored_us && t < ignored_us + 5000) CHECK(text.find("Heartbeat: unknown member") == std::string::npos);
  }
}
