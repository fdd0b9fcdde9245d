// Simulator speed: how many events per second the scheduler runs, bare and through Env.
//
// The bare loop is the limit: every later benchmark of the simulator is reported as a ratio
// to it, measured in the same run on the same machine.
#pragma once

#include <cstdint>

namespace kafkasim::bench {

struct SimBenchOptions {
  std::uint64_t pending = 1'000'000;  // events kept pending throughout
  std::uint64_t events = 5'000'000;   // events run and timed
  std::uint64_t seed = 1;
};

struct SimBenchResult {
  double bare_events_per_sec = 0;  // schedule + pop + empty callback
  double env_events_per_sec = 0;   // the same timers set by nodes through Env::after
  double echo_events_per_sec = 0;  // the echo demo: messages, disks, faults, trace hash
  double env_ratio() const { return env_events_per_sec / bare_events_per_sec; }
  double echo_ratio() const { return echo_events_per_sec / bare_events_per_sec; }
};

SimBenchResult run_sim_bench(const SimBenchOptions& options);

}  // namespace kafkasim::bench
