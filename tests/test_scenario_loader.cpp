// The scenario loader: every problem as one line with its JSON path, suggestions for typos,
// the semantic pass, and nothing loaded from a file with a problem; and the nemesis's draws.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "sim/scenario/nemesis.h"
#include "sim/scenario/report.h"
#include "sim/scenario/scenario_loader.h"

using kafkasim::sim::scenario::LoadResult;
using kafkasim::sim::scenario::parse_scenario;

namespace {

// A valid scenario with `extra` spliced in at the top level (extra starts with a comma).
std::string scenario(const std::string& extra = "", const std::string& cluster_configs = "{}") {
  return R"({
    // comments are allowed
    "name": "t", "durationMs": 10000,
    "cluster": {"brokers": 3, "configs": )" +
         cluster_configs + R"(},
    /* block comments too */
    "topics": {"orders": {"numPartitions": 2, "replicationFactor": 3}},
    "producers": [{"id": "p1", "topic": "orders"}])" +
         extra + "}";
}

std::string problems(const LoadResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("Scenario loader: a valid file loads, with Kafka's defaults and its own settings", "[scenario]") {
  const LoadResult r = parse_scenario(scenario("", R"({"min.insync.replicas": "2", "unclean.leader.election.enable": true,
                                                       "replica.truncation": "high-watermark"})"));
  INFO(problems(r));
  REQUIRE(r.scenario);
  CHECK(r.problems.empty());
  CHECK(r.scenario->brokers.size() == 3);
  CHECK(r.scenario->broker.min_insync_replicas == 2);  // a string, as Kafka accepts
  CHECK(r.scenario->broker.controller.unclean_leader_election_enable);
  CHECK(r.scenario->broker.replica_truncation == kafkasim::broker::ReplicaTruncation::high_watermark);
  const LoadResult kafka_0_11 = parse_scenario(scenario("", R"({"replica.truncation": "leader-epoch-0.11"})"));
  REQUIRE(kafka_0_11.scenario);
  CHECK(kafka_0_11.scenario->broker.replica_truncation == kafkasim::broker::ReplicaTruncation::leader_epoch_0_11);
  CHECK(r.scenario->settle_ms == 30000);
  CHECK(r.scenario->producers.at(0).config.acks == -1);
  CHECK(r.scenario->producers.at(0).config.enable_idempotence);
  CHECK(r.scenario->producers.at(0).config.reconnect.reconnect_backoff_ms == 50);
}

TEST_CASE("Scenario loader: reconnect.backoff.ms and reconnect.backoff.max.ms reach producers and consumers",
          "[scenario][connections]") {
  const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 10000, "cluster": {"brokers": 3},
      "topics": {"orders": {"numPartitions": 2, "replicationFactor": 3}},
      "producers": [{"id": "p1", "topic": "orders", "producerConf": {"reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 400}}],
      "consumers": [{"id": "c1", "topics": ["orders"], "consumerConf": {"reconnect.backoff.ms": 30, "reconnect.backoff.max.ms": 500}}]})");
  INFO(problems(r));
  REQUIRE(r.scenario);
  CHECK(r.scenario->producers.at(0).config.reconnect.reconnect_backoff_ms == 20);
  CHECK(r.scenario->producers.at(0).config.reconnect.reconnect_backoff_max_ms == 400);
  CHECK(r.scenario->consumers.at(0).config.reconnect.reconnect_backoff_ms == 30);
  CHECK(r.scenario->consumers.at(0).config.reconnect.reconnect_backoff_max_ms == 500);
}

TEST_CASE("Scenario loader: each problem is one line naming its JSON path", "[scenario]") {
  SECTION("unknown fields get the nearest name") {
    const LoadResult r = parse_scenario(scenario(R"(, "durationMS": 5, "faults": [{"type": "proces_kill", "startMs": 1, "nodeNames": ["broker-1"]}])"));
    CHECK_FALSE(r.scenario);
    CHECK(problems(r) == "/faults/0/type: unknown value \"proces_kill\"; did you mean \"process_kill\"?\n"
                         "/durationMS: unknown field; did you mean \"durationMs\"?\n");
  }
  SECTION("unknown Kafka config keys are errors, with the nearest key") {
    const LoadResult r = parse_scenario(scenario("", R"({"min.insync.replica": 2})"));
    CHECK(problems(r) == "/cluster/configs/min.insync.replica: unknown or unsupported Kafka config; did you mean \"min.insync.replicas\"?\n");
  }
  SECTION("a fault naming a node that does not exist") {
    const LoadResult r = parse_scenario(scenario(R"(, "faults": [{"type": "isolate", "startMs": 1, "nodeNames": ["broker-7"]}])"));
    CHECK(problems(r) == "/faults/0/nodeNames/0: no node \"broker-7\"; brokers are broker-1..broker-3, did you mean \"broker-1\"?\n");
  }
  SECTION("a replication factor above the broker count") {
    const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1000, "cluster": {"brokers": 2},
                                            "topics": {"orders": {"numPartitions": 1, "replicationFactor": 3}}})");
    CHECK(problems(r) == "/topics/orders/replicationFactor: 3 replicas need 3 brokers; the cluster has 2\n");
  }
  SECTION("a topicPartition that does not exist") {
    const LoadResult r = parse_scenario(scenario(R"(, "faults": [{"type": "process_kill", "startMs": 1, "target": "leader", "topicPartition": "orders-5"}])"));
    CHECK(problems(r) == "/faults/0/topicPartition: no partition 5 in topic \"orders\"; it has 2\n");
  }
  SECTION("windows that end before they start, and faults after the run") {
    const LoadResult r = parse_scenario(scenario(R"(, "faults": [{"type": "isolate", "startMs": 20000, "nodeNames": ["broker-1"]}],
                                                   "nemesis": {"faults": ["process_kill"], "intervalMs": [5000, 1000]})"));
    CHECK(problems(r) == "/faults/0/startMs: starts at 20000 ms, at or after the end of the run (durationMs 10000), so it would never run\n"
                         "/nemesis/intervalMs: ends (1000) before it starts (5000)\n");
  }
  SECTION("what does not exist yet, or not at all, is refused clearly") {
    const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1000, "cluster": {"brokers": 1, "controller": "kraft"},
                                            "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
                                            "consumers": [{"id": "c1", "groupId": "g1", "topics": ["t"],
                                                           "consumerConf": {"partition.assignment.strategy": "cooperative"}}]})");
    CHECK(problems(r) == "/cluster/controller: \"kraft\" is not supported yet; use \"zookeeper\"\n"
                         "/consumers/0/consumerConf/partition.assignment.strategy: unknown value \"cooperative\"; expected one of range, roundrobin, sticky, cooperative-sticky\n"
                         "/cluster/configs/offsets.topic.replication.factor: __consumer_offsets (for the consumers' groups) needs 3 brokers and the cluster has 1; set it to at most that\n");
  }
  SECTION("a consumer group: __consumer_offsets exists, and timeouts the coordinator would refuse are named") {
    const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1000,
        "cluster": {"brokers": 1, "configs": {"offsets.topic.replication.factor": 1, "offsets.topic.num.partitions": 5}},
        "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
        "consumers": [{"id": "c1", "groupId": "g1", "topics": ["t"], "consumerConf": {"partition.assignment.strategy": "sticky"}},
                      {"id": "c2", "groupId": "", "topics": ["t"]},
                      {"id": "c3", "groupId": "g1", "topics": ["t"],
                       "consumerConf": {"session.timeout.ms": 5000, "heartbeat.interval.ms": 5000}},
                      {"id": "c4", "groupId": "g1", "topics": ["t"], "consumerConf": {"group.instance.id": "worker 4"}},
                      {"id": "c5", "groupId": "g1", "topics": ["t"], "consumerConf": {"group.instance.id": 5}}]})");
    CHECK(problems(r) == "/consumers/1/groupId: expected a group name or null, got \"\"\n"
                         "/consumers/2/consumerConf/session.timeout.ms: 5000 is outside the brokers' group.min.session.timeout.ms..group.max.session.timeout.ms (6000..1800000)\n"
                         "/consumers/2/consumerConf/heartbeat.interval.ms: must be below session.timeout.ms (5000)\n"
                         "/consumers/3/consumerConf/group.instance.id: expected 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-', got \"worker 4\"\n"
                         "/consumers/4/consumerConf/group.instance.id: expected a string, got an integer\n");
    const LoadResult ok = parse_scenario(R"({"name": "t", "durationMs": 1000,
        "cluster": {"brokers": 1, "configs": {"offsets.topic.replication.factor": 1, "offsets.topic.num.partitions": 5}},
        "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
        "consumers": [{"id": "c1", "groupId": "g1", "topics": ["t"],
                       "consumerConf": {"partition.assignment.strategy": "sticky", "group.instance.id": "host-1.a_b"}}]})");
    REQUIRE(ok.scenario);
    CHECK(ok.scenario->consumers[0].config.group_id == "g1");
    CHECK(ok.scenario->consumers[0].config.group_instance_id == "host-1.a_b");
    CHECK(ok.scenario->consumers[0].config.assignment_strategy == kafkasim::client::AssignmentStrategy::sticky);
    REQUIRE(ok.scenario->topics.contains("__consumer_offsets"));
    CHECK(ok.scenario->topics.at("__consumer_offsets").partitions == 5);
    CHECK(ok.scenario->topics.at("__consumer_offsets").replication_factor == 1);
  }
  SECTION("types, ranges and required fields") {
    const LoadResult r = parse_scenario(R"({"durationMs": "ten", "cluster": {"brokers": 0}, "seed": -1})");
    CHECK(problems(r) == "/name: required string is missing\n"
                         "/seed: expected an integer in [0, 18446744073709551615], got -1\n"
                         "/durationMs: expected an integer, got a string\n"
                         "/cluster/brokers: expected an integer in [1, 64], got 0\n");
  }
  SECTION("idempotence with settings it cannot keep, set explicitly") {
    const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1000, "cluster": {"brokers": 1},
        "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
        "producers": [{"id": "p1", "topic": "t", "producerConf": {"acks": 1, "enable.idempotence": true}},
                      {"id": "p2", "topic": "t", "producerConf": {"acks": 1}}]})");
    CHECK(problems(r) == "/producers/0/producerConf/enable.idempotence: idempotence needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5\n");
    const LoadResult quiet = parse_scenario(R"({"name": "t", "durationMs": 1000, "cluster": {"brokers": 1},
        "topics": {"t": {"numPartitions": 1, "replicationFactor": 1}},
        "producers": [{"id": "p2", "topic": "t", "producerConf": {"acks": 1}}]})");
    REQUIRE(quiet.scenario);
    CHECK_FALSE(quiet.scenario->producers[0].config.enable_idempotence);  // turned off quietly, as Kafka 3.x
  }
  SECTION("not JSON at all") {
    const LoadResult r = parse_scenario("{\"name\": ");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].rfind("/: not valid JSON: parse error at line 1, column 10", 0) == 0);
  }
  SECTION("a number too large for a double (found by the fuzzer: it ended the run as an internal error)") {
    const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1e999})");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0] == "/: not valid JSON: number overflow parsing '1e999'");
  }
}

TEST_CASE("Scenario loader: expect names only invariants that exist and run", "[scenario]") {
  const LoadResult r = parse_scenario(scenario(R"(, "invariants": ["replica_divergence"],
      "expect": {"violations": ["commited_record_lost", "acked_write_lost"], "allowed": ["group_double_ownership"]})"));
  CHECK(problems(r) == "/expect/violations/0: no invariant \"commited_record_lost\"; did you mean \"committed_record_lost\"?\n"
                       "/expect/violations: \"acked_write_lost\" is expected but not among the invariants checked\n");
}

TEST_CASE("Nemesis: a drawn disk fault halts brokers, so a restart of the same brokers follows it", "[scenario]") {
  using namespace kafkasim::sim::scenario;
  NemesisSpec spec;
  spec.faults = {"disk_fault"};
  const std::vector<BrokerSpec> brokers{{1, ""}, {2, ""}, {3, ""}};
  const auto schedule = draw_nemesis_schedule(spec, brokers, {}, 600000, kafkasim::Rng(7));
  REQUIRE(schedule.size() >= 20);
  std::set<std::string> modes;
  // The last disk fault has no restart when its restart would come after the run's end.
  for (std::size_t i = 0; i + 1 < schedule.size(); i += 2) {
    const FaultEntry& fault = schedule[i];
    const FaultEntry& restart = schedule[i + 1];
    CHECK(fault.type == "disk_fault");
    modes.insert(fault.mode);
    REQUIRE(fault.duration_ms);
    CHECK(restart.type == "restart");
    CHECK(restart.node_names == fault.node_names);
    CHECK(restart.start_ms == fault.start_ms + *fault.duration_ms + 1000);
    if (i + 2 < schedule.size()) CHECK(schedule[i + 2].start_ms > restart.start_ms);  // one at a time
  }
  CHECK(modes == std::set<std::string>{"fsync_error", "full"});
}

TEST_CASE("Nemesis: every drawn fault starts before the run ends, so a failing seed's faults load as a plain file",
          "[scenario]") {
  using namespace kafkasim::sim::scenario;
  NemesisSpec spec;
  spec.faults = nemesis_fault_types();
  spec.max_down = 2;
  const std::vector<BrokerSpec> brokers{{1, ""}, {2, ""}, {3, ""}};
  const std::int64_t run_ms = 20000;
  int restarts = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    for (const FaultEntry& f : draw_nemesis_schedule(spec, brokers, {}, run_ms, kafkasim::Rng(seed))) {
      INFO("seed " << seed << ": " << f.type << " at " << f.start_ms << " ms");
      CHECK(f.start_ms < run_ms);
      restarts += f.type == "restart";
    }
  }
  CHECK(restarts > 0);  // disk faults were drawn, and restarts with them
}

TEST_CASE("Nemesis: client faults follow one another, one client at a time, and leave the brokers' schedule as it was",
          "[scenario]") {
  using namespace kafkasim::sim::scenario;
  NemesisSpec spec;
  spec.faults = {"process_kill", "network_partition"};
  const std::vector<BrokerSpec> brokers{{1, ""}, {2, ""}, {3, ""}};
  const auto brokers_only = draw_nemesis_schedule(spec, brokers, {"c1", "c2", "p1"}, 120000, kafkasim::Rng(5));
  spec.clients = ClientNemesisSpec{{"process_stop", "isolate", "process_kill"}, 1000, 3000, 11000, 15000};
  const auto with_clients = draw_nemesis_schedule(spec, brokers, {"c1", "c2", "p1"}, 120000, kafkasim::Rng(5));
  std::vector<FaultEntry> of_brokers, of_clients;
  for (const FaultEntry& f : with_clients) {
    (f.node_names.size() == 1 && !f.node_names[0].starts_with("broker-") ? of_clients : of_brokers).push_back(f);
  }
  REQUIRE(of_brokers.size() == brokers_only.size());
  for (std::size_t i = 0; i < of_brokers.size(); ++i) CHECK(fault_json(of_brokers[i]) == fault_json(brokers_only[i]));
  REQUIRE(of_clients.size() >= 5);
  std::set<std::string> types, targets;
  for (std::size_t i = 0; i < of_clients.size(); ++i) {
    const FaultEntry& f = of_clients[i];
    types.insert(f.type);
    targets.insert(f.node_names[0]);
    const auto undo = f.undo_after_ms();  // a kill's restart, or the end of a pause or a cut
    REQUIRE(undo);
    CHECK(f.restart_after_ms.has_value() == (f.type == "process_kill"));
    CHECK(*undo >= 11000);  // past a 10 s session: the drawn range is the file's
    CHECK(*undo <= 15000);
    if (i + 1 < of_clients.size()) CHECK(of_clients[i + 1].start_ms >= f.start_ms + *undo + 1000);
  }
  CHECK(types == std::set<std::string>{"process_stop", "isolate", "process_kill"});
  CHECK(targets == std::set<std::string>{"c1", "c2", "p1"});
}

TEST_CASE("Scenario loader: clientFaults draws only what a client can take, and needs clients", "[scenario]") {
  using namespace kafkasim::sim::scenario;
  const LoadResult r = parse_scenario(R"({"name": "t", "durationMs": 1000, "cluster": {"brokers": 1},
      "nemesis": {"faults": ["process_kill"], "clientFaults": {"faults": ["power_loss", "isolat"], "durationMs": [5, 1]}}})");
  CHECK(problems(r) == "/nemesis/clientFaults: the scenario has no producers or consumers to draw faults for\n"
                       "/nemesis/clientFaults/faults/0: the nemesis cannot draw \"power_loss\" for a client; expected one of process_stop, isolate, process_kill\n"
                       "/nemesis/clientFaults/faults/1: the nemesis cannot draw \"isolat\" for a client; did you mean \"isolate\"?\n"
                       "/nemesis/clientFaults/durationMs: ends (1) before it starts (5)\n");
}
