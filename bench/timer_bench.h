// Kafka's timing wheel against a binary heap (std::priority_queue) with a million timers
// pending, on two workloads, each measured on both timers in the same run:
// - steady: each timer, when it fires, is set again with a new random delay (a busy
//   purgatory in its steady state); an op is one timer fired and set again;
// - insert + expire: a million timers are added, then the clock runs until all fired; an op
//   is one timer added and fired.
#pragma once

#include <cstdint>

namespace kafkasim::bench {

struct TimerBenchOptions {
  std::uint64_t pending = 1'000'000;
  std::uint64_t fires = 5'000'000;  // timers fired (and set again) in the timed steady part
  std::int64_t max_delay_ms = 30'000;  // request.timeout.ms
  int wheel_size = 20;  // Kafka's purgatory wheel; the wide wheel has kWideWheelSize slots
  std::uint64_t seed = 1;
};

// The wide wheel: with 1 ms ticks, two levels span 65 s, so a timer moves down at most once.
inline constexpr int kWideWheelSize = 256;

struct TimerWorkloadResult {
  double wheel_ops_per_sec = 0;       // wheel of options.wheel_size slots
  double wide_wheel_ops_per_sec = 0;  // wheel of kWideWheelSize slots
  double heap_ops_per_sec = 0;
  double ratio() const { return wheel_ops_per_sec / heap_ops_per_sec; }
  double wide_ratio() const { return wide_wheel_ops_per_sec / heap_ops_per_sec; }
};

struct TimerBenchResult {
  TimerWorkloadResult steady;
  TimerWorkloadResult insert_expire;
};

TimerBenchResult run_timer_bench(const TimerBenchOptions& options);

}  // namespace kafkasim::bench
