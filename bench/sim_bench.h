// Simulator speed: how many events per second the scheduler runs, bare and through Env.
//
// The bare loop is the limit: every later benchmark of the simulator is reported as a ratio
// to it, measured in the same run on the same machine.
#pragma once

#include <cstdint>
#include <string>

namespace kafkasim::bench {

struct SimBenchOptions {
  // Events the bare loops keep pending throughout; 0: as many as the scenario's scheduler held
  // on average, so that both loops work through a heap of the same size (the cost of a pop
  // grows with the heap: a million pending events miss the caches on every one).
  std::uint64_t pending = 0;
  std::uint64_t events = 5'000'000;   // events run and timed
  std::uint64_t seed = 1;
  std::string scenario;  // the full model: this scenario file (the quickstart), run as `kafkasim run` does
};

struct ScenarioSpeed {
  std::uint64_t events = 0;
  double wall_seconds = 0;
  std::int64_t simulated_ms = 0;
  double events_per_sec() const { return static_cast<double>(events) / wall_seconds; }
  double mean_heap_size = 0;  // the scheduler's, over the run
  double simulated_per_wall() const { return static_cast<double>(simulated_ms) / 1000.0 / wall_seconds; }
  // Seeds of a 60 s scenario this fast one core runs in an hour.
  double seeds_per_hour_60s() const { return 3600.0 * simulated_per_wall() / 60.0; }
};

struct SimBenchResult {
  std::uint64_t pending = 0;       // what the bare loops kept pending
  double bare_events_per_sec = 0;  // schedule + pop + empty callback
  double env_events_per_sec = 0;   // the same timers set by nodes through Env::after
  double echo_events_per_sec = 0;  // the echo demo: messages, disks, faults, trace hash
  ScenarioSpeed scenario;          // Kafka: brokers, store, clients, faults, every checker
  ScenarioSpeed model;             // the same run without checkers: the Kafka model alone
  double env_ratio() const { return env_events_per_sec / bare_events_per_sec; }
  double echo_ratio() const { return echo_events_per_sec / bare_events_per_sec; }
  double scenario_ratio() const { return scenario.events_per_sec() / bare_events_per_sec; }
  double model_ratio() const { return model.events_per_sec() / bare_events_per_sec; }
};

// Throws std::invalid_argument when the scenario file does not load (its first problem).
SimBenchResult run_sim_bench(const SimBenchOptions& options);

}  // namespace kafkasim::bench
