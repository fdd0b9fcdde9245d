// Coverage probes (model/probes.h): a run counts the rare paths it takes, and only those, so
// that a sweep can say which paths none of its seeds tested.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"

using namespace kafkasim;

namespace {

sim::scenario::RunReport run_file(const std::string& name) {
  const auto loaded = sim::scenario::load_scenario_file(std::string(KAFKASIM_TESTS_DIR) + "/../scenarios/" + name);
  REQUIRE(loaded.scenario);
  return sim::scenario::run_scenario(*loaded.scenario, loaded.scenario->seed);
}

std::uint64_t taken(const sim::scenario::RunReport& report, Probe probe) {
  return report.probes[static_cast<std::size_t>(probe)];
}

}  // namespace

TEST_CASE("Probes: every probe has its own name", "[probes]") {
  const std::set<std::string_view> names(kProbeNames.begin(), kProbeNames.end());
  CHECK(names.size() == kProbeCount);
  CHECK(kProbeNames[static_cast<std::size_t>(Probe::leader_elected_unclean)] == "leader_elected_unclean");
}

TEST_CASE("Probes: the old truncation and an unclean election are counted where they happen, and nowhere else",
          "[probes]") {
  // KIP-101's file under the pre-0.11 protocol truncates to the high watermark; its twin under
  // leader epochs never does; neither elects outside the ISR, which unclean-election.json does.
  const auto old_protocol = run_file("kip101-high-watermark.json");
  CHECK(taken(old_protocol, Probe::follower_truncated_to_high_watermark) > 0);
  CHECK(taken(old_protocol, Probe::leader_elected_unclean) == 0);

  const auto leader_epoch = run_file("kip101-leader-epoch.json");
  CHECK(taken(leader_epoch, Probe::follower_truncated_to_high_watermark) == 0);
  CHECK(taken(leader_epoch, Probe::leader_elected_unclean) == 0);

  const auto unclean = run_file("unclean-election.json");
  CHECK(taken(unclean, Probe::leader_elected_unclean) > 0);
  CHECK(taken(unclean, Probe::follower_truncated_to_high_watermark) == 0);
}

TEST_CASE("Probes: a producer's timeouts and KIP-360's epoch bump are counted, and Kafka's default timeouts take none",
          "[probes]") {
  const auto short_timeouts = run_file("idempotence-delivery-timeout.json");
  CHECK(taken(short_timeouts, Probe::producer_request_timed_out) > 0);
  CHECK(taken(short_timeouts, Probe::producer_batch_expired) > 0);
  CHECK(taken(short_timeouts, Probe::producer_epoch_bumped) > 0);

  const auto default_timeouts = run_file("idempotence-default-timeouts.json");
  CHECK(taken(default_timeouts, Probe::producer_batch_expired) == 0);
  CHECK(taken(default_timeouts, Probe::producer_epoch_bumped) == 0);
}

TEST_CASE("Probes: a consumer paused past retention resets its position, one that keeps up never does", "[probes]") {
  const auto paused = run_file("consumer-past-retention.json");
  CHECK(taken(paused, Probe::consumer_offset_reset) == 1);
  CHECK(taken(paused, Probe::log_segment_deleted_by_retention) > 0);
  CHECK(paused.violations.empty());

  // The same retention with the consumer running (a follower is away instead).
  const auto running = run_file("follower-past-retention.json");
  CHECK(taken(running, Probe::consumer_offset_reset) == 0);
  CHECK(taken(running, Probe::log_segment_deleted_by_retention) > 0);
}
