// kafkasim shrink: a failing run cut down to the faults, clients and time its finding needs,
// as a scenario file that fails the same way when run on its own.
#include <catch2/catch.hpp>

#include "sim/scenario/report.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/scenario/shrink.h"

using namespace kafkasim::sim::scenario;
using Json = nlohmann::ordered_json;

namespace {

std::string read_fixture(const std::string& name) {
  const auto text = read_scenario_text(std::string(KAFKASIM_TESTS_DIR) + "/fixtures/" + name);
  REQUIRE(text);
  return *text;
}

Json parse_with_comments(const std::string& text) { return Json::parse(text, nullptr, true, /*ignore_comments=*/true); }

// A scenario document run as `kafkasim run` runs its file: loaded from its text, under its seed.
RunReport run_file(const Json& doc) {
  auto loaded = parse_scenario(scenario_file_text(doc));
  REQUIRE(loaded.scenario);
  return run_scenario(*loaded.scenario, loaded.scenario->seed);
}

bool finds_unexpected(const RunReport& report, const std::string& invariant) {
  return std::find(report.unexpected.begin(), report.unexpected.end(), invariant) != report.unexpected.end();
}

// Whether `fault` is one of `faults`, whatever the order of their keys.
bool one_of(const Json& fault, const Json& faults) {
  return std::any_of(faults.begin(), faults.end(),
                     [&](const Json& f) { return nlohmann::json(f) == nlohmann::json(fault); });
}

// The same document without the i-th entry of doc[key].
Json without(const Json& doc, const char* key, std::size_t i) {
  Json out = doc;
  out[key].erase(i);
  return out;
}

}  // namespace

TEST_CASE("Shrink: what the acks=1 loss does not need is taken away, and each fault left is needed", "[shrink]") {
  const std::string text = read_fixture("shrink-acks1.json");
  std::vector<std::string> progress;
  ShrinkOptions options;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  const ShrinkResult result = shrink_scenario(text, "shrink-acks1.json", 1, options);
  const Json& shrunk = result.scenario;

  CHECK(result.invariant == "acked_write_lost");
  CHECK(result.faults_before == 6);
  CHECK(result.faults_after == shrunk["faults"].size());
  CHECK(result.faults_after < result.faults_before);
  CHECK(shrunk["consumers"].empty());
  CHECK(shrunk["seed"] == 1);
  CHECK(shrunk["durationMs"] == result.duration_after_ms);
  CHECK(result.duration_after_ms < result.duration_before_ms);
  CHECK_FALSE(progress.empty());

  // Nothing new: every fault left is one of the file's, the leader's power loss among them.
  const Json original = parse_with_comments(text);
  for (const auto& f : shrunk["faults"]) CHECK(one_of(f, original["faults"]));
  CHECK(one_of(Json::parse(R"({"type": "power_loss", "startMs": 4000, "nodeNames": ["broker-1"], "restartAfterMs": 3000})"),
               shrunk["faults"]));

  // The file fails on its own, as the shrinker's last run did.
  const RunReport run = run_file(shrunk);
  CHECK(finds_unexpected(run, "acked_write_lost"));
  CHECK(run.trace_hash == result.report.trace_hash);

  // 1-minimal: without any one of its faults, or its producer, the loss is not found.
  for (std::size_t i = 0; i < shrunk["faults"].size(); ++i) {
    INFO("without fault " << shrunk["faults"][i].dump());
    CHECK_FALSE(finds_unexpected(run_file(without(shrunk, "faults", i)), "acked_write_lost"));
  }
  CHECK_FALSE(finds_unexpected(run_file(without(shrunk, "producers", 0)), "acked_write_lost"));
}

TEST_CASE("Shrink: the nemesis's draws come back as plain faults, the nemesis gone", "[shrink]") {
  const std::string text = R"({
    "name": "nemesis-acks1", "durationMs": 15000,
    "cluster": {"brokers": 3, "configs": {"zookeeper.session.timeout.ms": 2000}},
    "topics": {"orders": {"numPartitions": 2, "replicationFactor": 3}},
    "producers": [{"id": "p1", "topic": "orders", "targetMessagesPerSec": 200,
                   "producerConf": {"acks": 1, "linger.ms": 5, "request.timeout.ms": 3000}}],
    "nemesis": {"faults": ["process_kill", "process_stop", "isolate"], "intervalMs": [1000, 3000],
                "durationMs": [500, 3000], "maxDown": 1},
    "liveness": {"settleMs": 8000}})";
  const std::uint64_t seed = 2;
  auto loaded = parse_scenario(text);
  REQUIRE(loaded.scenario);
  const RunReport first = run_scenario(*loaded.scenario, seed);
  REQUIRE(finds_unexpected(first, "acked_write_lost"));
  Json drawn = Json::array();
  for (const auto& f : first.faults) drawn.push_back(fault_json(f));

  const ShrinkResult result = shrink_scenario(text, "nemesis-acks1", seed);
  CHECK(result.invariant == "acked_write_lost");
  CHECK_FALSE(result.scenario.contains("nemesis"));
  CHECK(result.faults_before == first.faults.size());
  CHECK(result.faults_after < result.faults_before);
  for (const auto& f : result.scenario["faults"]) CHECK(one_of(f, drawn));
  CHECK(finds_unexpected(run_file(result.scenario), "acked_write_lost"));
}

TEST_CASE("Shrink: a seed with nothing unexpected, or without the finding asked for, is refused with the reason",
          "[shrink]") {
  const std::string text = read_fixture("shrink-acks1.json");
  Json allowed = parse_with_comments(text);
  allowed["expect"] = {{"violations", Json::array()}, {"allowed", {"acked_write_lost"}}};
  CHECK_THROWS_WITH(shrink_scenario(allowed.dump(), "allowed.json", 1),
                    Catch::Contains("allowed.json with seed 1 finds nothing that its expect does not allow"));

  ShrinkOptions options;
  options.invariant = "replica_divergence";
  CHECK_THROWS_WITH(shrink_scenario(text, "shrink-acks1.json", 1, options),
                    Catch::Contains("does not find replica_divergence unexpectedly; it finds acked_write_lost"));

  CHECK_THROWS_AS(shrink_scenario(R"({"name": "x"})", "bad.json", 1), ShrinkError);
}
