// What the invariant checkers cost: the same busy Kafka run (three brokers and the store, two
// producers with acks=all, a consumer, a broker killed and restarted) with every checker and
// without any, timed in one process. The checkers' share of a checked run must stay under a
// third.
#pragma once

#include <cstdint>

namespace kafkasim::bench {

struct CheckerBenchOptions {
  std::int64_t simulated_ms = 30000;
  double messages_per_sec = 1000;  // per producer
  std::uint64_t seed = 1;
};

struct CheckerBenchResult {
  double plain_seconds = 0;    // wall time without checkers
  double checked_seconds = 0;  // with every checker
  std::uint64_t events = 0;    // trace events of one run
  std::uint64_t violations = 0;
  double share() const { return (checked_seconds - plain_seconds) / checked_seconds; }
  double simulated_per_wall(std::int64_t simulated_ms) const { return simulated_ms / 1000.0 / plain_seconds; }
};

CheckerBenchResult run_checker_bench(const CheckerBenchOptions& options);

}  // namespace kafkasim::bench
