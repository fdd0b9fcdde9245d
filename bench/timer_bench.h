// Kafka's timing wheel against a binary heap, with a million timers pending: each timer,
// when it fires, is set again with a new random delay (the steady state of a busy purgatory).
#pragma once

#include <cstdint>

namespace kafkasim::bench {

struct TimerBenchOptions {
  std::uint64_t pending = 1'000'000;
  std::uint64_t fires = 5'000'000;  // timers fired (and set again) in the timed part
  std::int64_t max_delay_ms = 30'000;  // request.timeout.ms
  std::uint64_t seed = 1;
};

struct TimerBenchResult {
  double wheel_ops_per_sec = 0;  // an op: one timer fired and set again
  double heap_ops_per_sec = 0;
  double ratio() const { return wheel_ops_per_sec / heap_ops_per_sec; }
};

TimerBenchResult run_timer_bench(const TimerBenchOptions& options);

}  // namespace kafkasim::bench
