// Runs a scenario under one seed: builds the world, starts every node, applies the scheduled
// and nemesis faults during the safety phase (durationMs) with every checker watching each
// event, then the liveness phase (heal everything, settle for liveness.settleMs), and judges
// what the checkers found against `expect`.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "model/probes.h"
#include "sim/invariants/checker.h"
#include "sim/scenario/run_stats.h"
#include "sim/scenario/scenario.h"

namespace kafkasim::sim::scenario {

struct RunOptions {
  std::ostream* jsonl = nullptr;     // every trace event as a JSON line
  std::ostream* text_log = nullptr;  // every trace event as a readable line
  std::uint64_t event_budget = UINT64_MAX;
};

struct ReportedViolation {
  std::string invariant;
  std::int64_t time_ms = 0;
  std::string node;  // "" when about no node
  std::string topic_partition;
  std::int64_t offset = -1;
  std::string detail;
  std::vector<std::uint64_t> evidence;  // trace indices
};

struct RunReport {
  std::string scenario;
  std::uint64_t seed = 0;
  std::int64_t sim_time_ms = 0;
  std::uint64_t events = 0;        // scheduler events run
  double mean_heap_size = 0;       // the scheduler's heap over the run (Scheduler::mean_heap_size)
  std::uint64_t trace_events = 0;  // events traced (and hashed)
  std::uint64_t trace_hash = 0;
  bool pass = false;
  std::vector<ReportedViolation> violations;
  std::vector<std::string> missing;     // expected violations not found
  std::vector<std::string> unexpected;  // invariants violated that expect neither requires nor allows
  std::vector<FaultEntry> faults;       // as applied, targets resolved
  RunStats stats;
  std::array<std::uint64_t, kProbeCount> probes{};  // rare paths taken (model/probes.h), in Probe order
};

RunReport run_scenario(const Scenario& scenario, std::uint64_t seed, const RunOptions& options = {});

// Whether the invariants found match `expect`; fills missing and unexpected.
bool judge(const Expectation& expect, RunReport& report);

}  // namespace kafkasim::sim::scenario
