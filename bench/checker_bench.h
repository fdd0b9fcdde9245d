// What the invariant checkers cost: one scenario file (the quickstart by default) run with
// every checker its file asks for and with none (`"invariants": []`), alternately, in one
// process, the fastest of each kept. The checkers' share of a checked run must stay under a
// third.
#pragma once

#include <cstdint>
#include <string>

namespace kafkasim::bench {

struct CheckerBenchOptions {
  std::string scenario;  // a scenario file, run as `kafkasim run` does
  int repeats = 3;       // runs of each kind; the fastest counts (the others met a busier host)
};

struct CheckerBenchResult {
  double plain_seconds = 0;    // wall time without checkers
  double checked_seconds = 0;  // with every checker
  std::uint64_t events = 0;    // trace events of one run
  std::int64_t simulated_ms = 0;
  std::uint64_t violations = 0;
  double share() const { return (checked_seconds - plain_seconds) / checked_seconds; }
  double simulated_per_wall() const { return static_cast<double>(simulated_ms) / 1000.0 / plain_seconds; }
};

// Throws std::invalid_argument when the scenario file does not load (its first problem).
CheckerBenchResult run_checker_bench(const CheckerBenchOptions& options);

}  // namespace kafkasim::bench
