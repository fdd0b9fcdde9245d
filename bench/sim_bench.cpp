#include "bench/sim_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include <stdexcept>

#include "sim/demo/echo_demo.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/scheduler.h"
#include "sim/world.h"

namespace kafkasim::bench {
namespace {

using Clock = std::chrono::steady_clock;  // wall time is fine here: bench/ measures the host

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Each event schedules its successor at a random delay, so the pending count stays constant.
double bare_loop(const SimBenchOptions& o) {
  sim::Scheduler scheduler;
  Rng rng(o.seed);
  std::uint64_t fired = 0;
  std::function<void()> fire;
  fire = [&] {
    ++fired;
    scheduler.after(Duration::micros(rng.uniform_int(1, 1'000'000)), fire);
  };
  for (std::uint64_t i = 0; i < o.pending; ++i) {
    scheduler.at(SimTime::from_micros(rng.uniform_int(1, 1'000'000)), fire);
  }
  const auto start = Clock::now();
  while (fired < o.events) scheduler.step();
  return static_cast<double>(fired) / seconds_since(start);
}

// A node that keeps `timers` timers armed, each re-arming itself when it fires.
class TimerNode final : public Node {
 public:
  TimerNode(Env& env, std::uint64_t timers, std::uint64_t& fired)
      : env_(env), timers_(timers), fired_(fired) {}
  void start() override {
    for (std::uint64_t i = 0; i < timers_; ++i) arm();
  }
  void on_message(NodeId, const MessagePtr&) override {}

 private:
  void arm() {
    env_.after(Duration::micros(env_.rng().uniform_int(1, 1'000'000)), [this] {
      ++fired_;
      arm();
    });
  }
  Env& env_;
  std::uint64_t timers_;
  std::uint64_t& fired_;
};

double env_loop(const SimBenchOptions& o) {
  sim::WorldConfig config;
  config.seed = o.seed;
  config.disk.writeback_interval = Duration::zero();
  sim::World world(config);
  constexpr int kNodes = 4;
  std::uint64_t fired = 0;
  for (int i = 0; i < kNodes; ++i) {
    world.add_node("timer-" + std::to_string(i + 1), [&](Env& env) {
      return std::make_unique<TimerNode>(env, o.pending / kNodes, fired);
    });
  }
  world.start_all();
  const auto start = Clock::now();
  while (fired < o.events) world.scheduler().step();
  return static_cast<double>(fired) / seconds_since(start);
}

double echo_loop(const SimBenchOptions& o) {
  sim::EchoDemoOptions demo;
  demo.seed = o.seed;
  demo.nodes = 5;
  demo.ping_interval = Duration::millis(1);
  demo.random_faults = true;
  demo.duration = Duration::seconds(20);
  const auto start = Clock::now();
  const sim::EchoDemoResult r = sim::run_echo_demo(demo);
  return static_cast<double>(r.scheduler_events) / seconds_since(start);
}

// `checkers`: as the scenario file says (every checker by default), or none.
ScenarioSpeed scenario_loop(const SimBenchOptions& o, bool checkers) {
  auto loaded = sim::scenario::load_scenario_file(o.scenario);
  if (!loaded.scenario) throw std::invalid_argument(o.scenario + ": " + loaded.problems.front());
  if (!checkers) loaded.scenario->invariants.clear();  // an empty list: no checker at all
  const auto start = Clock::now();
  const auto report = sim::scenario::run_scenario(*loaded.scenario, loaded.scenario->seed);
  ScenarioSpeed speed;
  speed.wall_seconds = seconds_since(start);
  speed.events = report.events;
  speed.simulated_ms = report.sim_time_ms;
  speed.mean_heap_size = report.mean_heap_size;
  return speed;
}

}  // namespace

SimBenchResult run_sim_bench(const SimBenchOptions& options) {
  SimBenchResult r;
  r.model = scenario_loop(options, false);
  r.scenario = scenario_loop(options, true);
  SimBenchOptions bare = options;
  if (bare.pending == 0) bare.pending = std::max<std::uint64_t>(4, std::llround(r.scenario.mean_heap_size));
  r.pending = bare.pending;
  r.bare_events_per_sec = bare_loop(bare);
  r.env_events_per_sec = env_loop(bare);
  r.echo_events_per_sec = echo_loop(bare);
  return r;
}

}  // namespace kafkasim::bench
