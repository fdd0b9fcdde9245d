#include "bench/checker_bench.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"

namespace kafkasim::bench {
namespace {

using Clock = std::chrono::steady_clock;  // wall time is fine here: bench/ measures the host

double timed_run(const sim::scenario::Scenario& s, sim::scenario::RunReport& report) {
  const auto start = Clock::now();
  report = sim::scenario::run_scenario(s, s.seed);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

CheckerBenchResult run_checker_bench(const CheckerBenchOptions& options) {
  auto loaded = sim::scenario::load_scenario_file(options.scenario);
  if (!loaded.scenario) throw std::invalid_argument(options.scenario + ": " + loaded.problems.front());
  const sim::scenario::Scenario& checked = *loaded.scenario;
  sim::scenario::Scenario plain = checked;
  plain.invariants.clear();  // an empty list: no checker at all

  CheckerBenchResult r;
  r.plain_seconds = r.checked_seconds = std::numeric_limits<double>::infinity();
  sim::scenario::RunReport report;
  timed_run(plain, report);  // warm up caches and the allocator
  for (int i = 0; i < std::max(1, options.repeats); ++i) {
    r.plain_seconds = std::min(r.plain_seconds, timed_run(plain, report));
    r.checked_seconds = std::min(r.checked_seconds, timed_run(checked, report));
  }
  r.events = report.trace_events;
  r.simulated_ms = report.sim_time_ms;
  r.violations = report.violations.size();
  return r;
}

}  // namespace kafkasim::bench
