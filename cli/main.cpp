// kafkasim: the command line. Thin: it parses, calls sim/ and bench/, and prints.
//
// Exit codes (SCENARIO_FORMAT.md): 0 as expected, 1 the outcome did not match, 2 bad usage
// or input, 70 an internal error of the simulator (always with the replay command).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/sim_bench.h"
#include "bench/storage_bench.h"
#include "bench/checker_bench.h"
#include "bench/timer_bench.h"
#include "cli/huge_page_heap.h"
#include "cli/scenario_commands.h"
#include "sim/demo/echo_demo.h"

namespace {

using kafkasim::cli::kExitInternal;
using kafkasim::cli::kExitOk;
using kafkasim::cli::kExitUsage;
using kafkasim::cli::UsageError;

using kafkasim::cli::open_output;

std::string seconds(kafkasim::SimTime t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t.as_micros()) / 1e6);
  return buf;
}

struct DemoArgs {
  std::uint64_t seed = 1;
  int nodes = 3;
  std::int64_t duration_ms = 10000;
  bool random_faults = false;
  bool json = false;
  std::string trace_path;
  std::string log_path;
};

std::string demo_replay(const DemoArgs& a) {
  std::string cmd = "kafkasim demo --seed " + std::to_string(a.seed);
  if (a.nodes != 3) cmd += " --nodes " + std::to_string(a.nodes);
  if (a.duration_ms != 10000) cmd += " --duration-ms " + std::to_string(a.duration_ms);
  if (a.random_faults) cmd += " --random-faults";
  return cmd;
}

int run_demo(const DemoArgs& a) {
  kafkasim::sim::EchoDemoOptions options;
  options.seed = a.seed;
  options.nodes = a.nodes;
  options.duration = kafkasim::Duration::millis(a.duration_ms);
  options.random_faults = a.random_faults;
  auto trace_out = open_output(a.trace_path, "trace");
  auto log_out = open_output(a.log_path, "log");
  options.jsonl = trace_out.get();
  options.text_log = log_out.get();

  const kafkasim::sim::EchoDemoResult r = kafkasim::sim::run_echo_demo(options);
  const auto& w = r.world;
  const auto& e = r.echo;
  if (a.json) {
    nlohmann::ordered_json out;
    out["demo"] = "echo";
    out["seed"] = r.seed;
    out["simTimeMs"] = r.end.as_millis();
    out["events"] = r.scheduler_events;
    out["traceEvents"] = r.trace_events;
    out["traceHash"] = kafkasim::sim::format_hash(r.trace_hash);
    out["faults"] = r.faults;
    out["stats"] = {{"messagesSent", w.messages_sent},     {"messagesDelivered", w.messages_delivered},
                    {"messagesDropped", w.messages_dropped}, {"messagesRetransmitted", w.messages_retransmitted},
                    {"restarts", w.restarts},
                    {"pingsSent", e.pings_sent},           {"pongsReceived", e.pongs_received},
                    {"outOfOrder", e.out_of_order},        {"journalEntriesRecovered", e.entries_recovered},
                    {"tornBytesCut", e.torn_bytes_cut},    {"diskErrors", e.disk_errors}};
    out["replay"] = demo_replay(a);
    std::cout << out.dump() << '\n';
    return kExitOk;
  }
  std::cout << "kafkasim demo: " << a.nodes << " echo nodes for " << seconds(kafkasim::SimTime::from_millis(a.duration_ms))
            << " s of simulated time, then 1 s healed (seed " << r.seed << ")\n"
            << "faults:\n";
  for (const auto& f : r.faults) std::cout << "  " << f << '\n';
  std::cout << "messages: " << w.messages_sent << " sent, " << w.messages_delivered << " delivered, "
            << w.messages_dropped << " dropped, " << w.messages_retransmitted << " sent again\n"
            << "echo:     " << e.pings_sent << " pings, " << e.pongs_received << " pongs, "
            << e.out_of_order << " out of order\n"
            << "journal:  " << e.entries_recovered << " entries recovered after restarts, "
            << e.torn_bytes_cut << " torn bytes cut, " << e.disk_errors << " disk errors\n"
            << "events:   " << r.scheduler_events << " run, " << r.trace_events << " traced, "
            << "ended at " << seconds(r.end) << " s\n"
            << "trace hash: " << kafkasim::sim::format_hash(r.trace_hash) << '\n'
            << "replay: " << demo_replay(a) << '\n';
  return kExitOk;
}

int run_bench_sim(const kafkasim::bench::SimBenchOptions& options, bool json) {
  std::cerr << "bench sim: " << options.scenario << ", then " << options.events << " events with "
            << (options.pending ? std::to_string(options.pending) : std::string("the scenario's mean heap of"))
            << " pending, three loops...\n";
  kafkasim::bench::SimBenchResult r;
  try {
    r = kafkasim::bench::run_sim_bench(options);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("bench sim: ") + e.what());
  }
  const auto& q = r.scenario;
  if (json) {
    nlohmann::ordered_json out;
    out["scenario"] = options.scenario;
    out["scenarioEvents"] = q.events;
    out["scenarioEventsPerSec"] = q.events_per_sec();
    out["scenarioRatioToBare"] = r.scenario_ratio();
    out["simulatedPerWall"] = q.simulated_per_wall();
    out["seedsPerHour60s"] = q.seeds_per_hour_60s();
    out["modelEventsPerSec"] = r.model.events_per_sec();
    out["modelRatioToBare"] = r.model_ratio();
    out["modelSimulatedPerWall"] = r.model.simulated_per_wall();
    out["pending"] = r.pending;
    out["scenarioMeanHeapSize"] = q.mean_heap_size;
    out["events"] = options.events;
    out["bareEventsPerSec"] = r.bare_events_per_sec;
    out["envEventsPerSec"] = r.env_events_per_sec;
    out["envRatioToBare"] = r.env_ratio();
    out["echoEventsPerSec"] = r.echo_events_per_sec;
    out["echoRatioToBare"] = r.echo_ratio();
    std::cout << out.dump() << '\n';
  } else {
    std::printf("bare scheduler loop: %12.0f events/s  (1.00), %llu pending (the scenario's heap: %.0f on average)\n",
                r.bare_events_per_sec, static_cast<unsigned long long>(r.pending), q.mean_heap_size);
    std::printf("through Env::after : %12.0f events/s  (%.2f of bare)\n", r.env_events_per_sec, r.env_ratio());
    std::printf("echo demo, faults  : %12.0f events/s  (%.2f of bare)\n", r.echo_events_per_sec, r.echo_ratio());
    std::printf("Kafka model alone  : %12.0f events/s  (%.2f of bare); %.0fx real time (the scenario without checkers)\n",
                r.model.events_per_sec(), r.model_ratio(), r.model.simulated_per_wall());
    std::printf("Kafka scenario     : %12.0f events/s  (%.2f of bare); %.0fx real time; %.0f seeds/hour of a 60 s scenario\n",
                q.events_per_sec(), r.scenario_ratio(), q.simulated_per_wall(), q.seeds_per_hour_60s());
  }
  return kExitOk;
}

void print_timer_workload(const char* name, const kafkasim::bench::TimerWorkloadResult& r, int wheel_size) {
  std::printf("%s\n", name);
  std::printf("  timing wheel, %5d slots : %12.0f ops/s  (%.2f of the heap's)\n", wheel_size, r.wheel_ops_per_sec, r.ratio());
  std::printf("  timing wheel, %5d slots : %12.0f ops/s  (%.2f)\n", kafkasim::bench::kWideWheelSize,
              r.wide_wheel_ops_per_sec, r.wide_ratio());
  std::printf("  binary heap               : %12.0f ops/s  (1.00)\n", r.heap_ops_per_sec);
}

nlohmann::ordered_json timer_workload_json(const kafkasim::bench::TimerWorkloadResult& r) {
  nlohmann::ordered_json out;
  out["wheelOpsPerSec"] = r.wheel_ops_per_sec;
  out["wideWheelOpsPerSec"] = r.wide_wheel_ops_per_sec;
  out["heapOpsPerSec"] = r.heap_ops_per_sec;
  out["ratioToHeap"] = r.ratio();
  out["wideRatioToHeap"] = r.wide_ratio();
  return out;
}

int run_bench_timer(const kafkasim::bench::TimerBenchOptions& o, bool json) {
  std::cerr << "bench timer: " << o.pending << " timers pending; steady: " << o.fires
            << " fired and set again; then insert + expire of " << o.pending << "...\n";
  const auto r = kafkasim::bench::run_timer_bench(o);
  if (json) {
    nlohmann::ordered_json out;
    out["pending"] = o.pending;
    out["fires"] = o.fires;
    out["wheelSize"] = o.wheel_size;
    out["wideWheelSize"] = kafkasim::bench::kWideWheelSize;
    out["steady"] = timer_workload_json(r.steady);
    out["insertExpire"] = timer_workload_json(r.insert_expire);
    std::cout << out.dump() << '\n';
  } else {
    print_timer_workload("steady (an op: a timer fires and is set again)", r.steady, o.wheel_size);
    print_timer_workload("insert + expire (an op: a timer added, later fired)", r.insert_expire, o.wheel_size);
  }
  return kExitOk;
}

int run_bench_checkers(const kafkasim::bench::CheckerBenchOptions& o, bool json) {
  std::cerr << "bench checkers: " << o.scenario << ", " << o.repeats << " runs without and with every checker...\n";
  kafkasim::bench::CheckerBenchResult r;
  try {
    r = kafkasim::bench::run_checker_bench(o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("bench checkers: ") + e.what());
  }
  if (json) {
    nlohmann::ordered_json out;
    out["simulatedMs"] = r.simulated_ms;
    out["events"] = r.events;
    out["plainSeconds"] = r.plain_seconds;
    out["checkedSeconds"] = r.checked_seconds;
    out["checkerShare"] = r.share();
    out["simulatedPerWall"] = r.simulated_per_wall();
    out["violations"] = r.violations;
    std::cout << out.dump() << '\n';
  } else {
    std::printf("without checkers: %8.3f s wall (%.0fx real time, %llu trace events)\n", r.plain_seconds,
                r.simulated_per_wall(), static_cast<unsigned long long>(r.events));
    std::printf("with checkers   : %8.3f s wall; their share of the run: %.2f (target < 0.33)\n", r.checked_seconds,
                r.share());
  }
  return kExitOk;
}

int run_bench_storage(const kafkasim::bench::StorageBenchOptions& o, bool json) {
  std::cerr << "bench storage: " << o.seconds << " s of Log appends in " << o.dir << ", then the same bytes raw...\n";
  auto result = kafkasim::bench::run_storage_bench(o);
  if (!result.ok()) throw UsageError("bench storage: " + result.status().detail());
  const auto& r = result.value();
  if (json) {
    nlohmann::ordered_json out;
    out["append"] = {{"recordsPerSec", r.append_records_per_sec()},
                     {"mbPerSec", r.append_mb_per_sec()},
                     {"rawMbPerSec", r.raw_write_mb_per_sec()},
                     {"ratioToRaw", r.append_mb_per_sec() / r.raw_write_mb_per_sec()}};
    out["read"] = {{"mbPerSec", r.read_mb_per_sec()},
                   {"rawMbPerSec", r.raw_read_mb_per_sec()},
                   {"ratioToRaw", r.read_mb_per_sec() / r.raw_read_mb_per_sec()}};
    out["bytes"] = r.bytes;
    out["records"] = r.records;
    std::cout << out.dump() << '\n';
    return kExitOk;
  }
  std::printf("append: %12.0f records/s  %8.1f MB/s  raw %8.1f MB/s  ratio %.2f\n", r.append_records_per_sec(),
              r.append_mb_per_sec(), r.raw_write_mb_per_sec(), r.append_mb_per_sec() / r.raw_write_mb_per_sec());
  std::printf("read:   %12s            %8.1f MB/s  raw %8.1f MB/s  ratio %.2f\n", "", r.read_mb_per_sec(),
              r.raw_read_mb_per_sec(), r.read_mb_per_sec() / r.raw_read_mb_per_sec());
  std::printf("(%.1f MB in %llu records)\n", static_cast<double>(r.bytes) / 1e6, static_cast<unsigned long long>(r.records));
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  kafkasim::cli::install_huge_page_heap();
  CLI::App app{"kafkasim: a deterministic simulator of an Apache Kafka cluster"};
  app.set_version_flag("--version", std::string("kafkasim ") + KAFKASIM_VERSION);
  app.require_subcommand(1);

  kafkasim::cli::RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario file under one seed and judge it against its expect");
  run_cmd->footer("Example: kafkasim run scenarios/leader-crash.json --seed 7 --json --trace run.jsonl\n"
                  "Exit: 0 as expected, 1 the outcome did not match expect, 2 invalid scenario, 70 internal error");
  run_cmd->add_option("file", run.file, "Scenario file (JSON, comments allowed)")->required();
  run_cmd->add_option("--seed", run.seed, "Seed of the run (default: the scenario's seed)");
  run_cmd->add_flag("--json", run.json, "Print the run report as one JSON object");
  run_cmd->add_option("--trace", run.trace_path, "Write every trace event as JSON lines");
  run_cmd->add_option("--log", run.log_path, "Write every trace event as a readable line");

  kafkasim::cli::RunArgs replay;
  replay.command = "replay";
  auto* replay_cmd = app.add_subcommand("replay", "Run one seed again with the full readable log (run with --log)");
  replay_cmd->footer("Example: kafkasim replay scenarios/nemesis.json --seed 1234 --log seed1234.log");
  replay_cmd->add_option("file", replay.file, "Scenario file")->required();
  replay_cmd->add_option("--seed", replay.seed, "Seed to replay")->required();
  replay_cmd->add_flag("--json", replay.json, "Print the run report as one JSON object");
  replay_cmd->add_option("--trace", replay.trace_path, "Write every trace event as JSON lines");
  replay_cmd->add_option("--log", replay.log_path, "Where the readable log goes (default: replay-<seed>.log)");

  kafkasim::cli::ShrinkArgs shrink;
  auto* shrink_cmd = app.add_subcommand("shrink", "Shrink a failing seed to a small scenario file that fails the same way");
  shrink_cmd->footer("Example: kafkasim shrink scenarios/nemesis.json --seed 233 --out seed233.json\n"
                     "Takes away faults, consumers and producers while the run still finds the same unexpected\n"
                     "invariant, then ends the safety phase soon after the last fault (one run per try).\n"
                     "Exit: 0 written, 2 invalid scenario or a seed with nothing unexpected to keep, 70 internal error");
  shrink_cmd->add_option("file", shrink.file, "Scenario file")->required();
  shrink_cmd->add_option("--seed", shrink.seed, "The failing seed")->required();
  shrink_cmd->add_option("--invariant", shrink.invariant, "The finding to keep (default: the run's first unexpected one)");
  shrink_cmd->add_option("--out", shrink.out, "Where the shrunk scenario goes (default: stdout)");

  std::vector<std::string> validate_files;
  auto* validate_cmd = app.add_subcommand("validate", "Check scenario files without running them");
  validate_cmd->footer("Example: kafkasim validate scenarios/*.json\nExit: 0 all valid, 2 any problem (one line each)");
  validate_cmd->add_option("files", validate_files, "Scenario files")->required();

  kafkasim::cli::SweepArgs sweep;
  auto* sweep_cmd = app.add_subcommand("sweep", "Run a scenario under every seed of a range, one process per seed");
  sweep_cmd->footer("Example: kafkasim sweep scenarios/nemesis.json --seeds 1..1000 --jobs 8 --shard 2/4 --json\n"
                    "Exit: 0 every seed as expected, 1 some seed failed, 2 bad usage, 70 some seed hit an internal error");
  sweep_cmd->add_option("file", sweep.file, "Scenario file")->required();
  sweep_cmd->add_option("--seeds", sweep.seeds, "Seed range A..B, both included")->required();
  sweep_cmd->add_option("--jobs", sweep.jobs, "Seeds run at once (default: the number of cores)")->check(CLI::Range(1, 4096));
  sweep_cmd->add_option("--shard", sweep.shard, "Run only shard I of N (contiguous slices of the range), as 2/8");
  sweep_cmd->add_flag("--json", sweep.json, "One JSON report line per seed, then a summary line");
  sweep_cmd->add_flag("--fail-fast", sweep.fail_fast, "Start no new seed after the first failure");

  kafkasim::cli::CheckArgs check;
  auto* check_cmd = app.add_subcommand("check", "Run the invariant checkers offline over a saved trace (run --trace)");
  check_cmd->footer("Example: kafkasim run scenarios/leader-crash.json --trace t.jsonl && kafkasim check t.jsonl\n"
                    "Exit: 0 nothing found, 1 violations found, 2 unreadable trace. liveness needs the scenario: not checked");
  check_cmd->add_option("trace", check.trace_path, "Trace file written by run --trace (JSON lines)")->required();
  check_cmd->add_option("--invariants", check.invariants, "Only these checkers (default: every safety invariant)")
      ->delimiter(',');
  check_cmd->add_flag("--json", check.json, "Print the findings as one JSON object");

  DemoArgs demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Run echo nodes under a partition, a crash and a power loss; print the trace hash");
  demo_cmd->footer("Example: kafkasim demo --seed 7 --random-faults --log run.log");
  demo_cmd->add_option("--seed", demo.seed, "Seed of the run");
  demo_cmd->add_option("--nodes", demo.nodes, "Number of echo nodes")->check(CLI::Range(2, 64));
  demo_cmd->add_option("--duration-ms", demo.duration_ms, "Simulated time before the final heal")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{86'400'000}));
  demo_cmd->add_flag("--random-faults", demo.random_faults, "Draw the faults from the seed");
  demo_cmd->add_flag("--json", demo.json, "Print the report as one JSON object");
  demo_cmd->add_option("--trace", demo.trace_path, "Write every trace event as JSON lines");
  demo_cmd->add_option("--log", demo.log_path, "Write every trace event as a readable line");

  kafkasim::bench::SimBenchOptions bench_options;
  bench_options.scenario = std::string(KAFKASIM_SOURCE_DIR) + "/scenarios/quickstart.json";
  bool bench_json = false;
  auto* bench_cmd = app.add_subcommand("bench", "Benchmarks of this machine and this build");
  bench_cmd->require_subcommand(1);
  auto* bench_sim = bench_cmd->add_subcommand(
      "sim", "Simulator speed: the quickstart scenario (the full model) next to the bare scheduler loop");
  bench_sim->footer("Example: kafkasim bench sim --json\nExample: kafkasim bench sim --scenario scenarios/nemesis.json");
  bench_sim->add_option("--scenario", bench_options.scenario, "Scenario file to time (default: the quickstart)");
  bench_sim->add_option("--pending", bench_options.pending, "Events the bare loops keep pending (default: the scenario's mean heap size)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  bench_sim->add_option("--events", bench_options.events, "Events timed")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  bench_sim->add_flag("--json", bench_json, "Print the figures as one JSON object");

  kafkasim::bench::TimerBenchOptions timer_options;
  bool timer_json = false;
  auto* bench_timer = bench_cmd->add_subcommand(
      "timer", "Kafka's timing wheel against a binary heap, with a million timers pending");
  bench_timer->footer("Example: kafkasim bench timer --json");
  bench_timer->add_option("--pending", timer_options.pending, "Timers kept pending")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{50'000'000}));
  bench_timer->add_option("--fires", timer_options.fires, "Timers fired in the timed steady part")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  bench_timer->add_option("--wheel-size", timer_options.wheel_size, "Slots per wheel (Kafka's purgatory: 20)")
      ->check(CLI::Range(2, 1 << 20));
  bench_timer->add_flag("--json", timer_json, "Print the figures as one JSON object");

  kafkasim::bench::CheckerBenchOptions checker_options;
  bool checker_json = false;
  checker_options.scenario = bench_options.scenario;
  auto* bench_checkers = bench_cmd->add_subcommand(
      "checkers", "The invariant checkers' share of a scenario's run (the quickstart: three brokers, two producers, a crash)");
  bench_checkers->footer("Example: kafkasim bench checkers --json\nExample: kafkasim bench checkers --scenario scenarios/nemesis.json --repeats 5");
  bench_checkers->add_option("--scenario", checker_options.scenario, "Scenario file to time (default: the quickstart)");
  bench_checkers->add_option("--repeats", checker_options.repeats, "Runs of each kind; the fastest counts")
      ->check(CLI::Range(1, 100));
  bench_checkers->add_flag("--json", checker_json, "Print the figures as one JSON object");

  kafkasim::bench::StorageBenchOptions storage_options;
  bool storage_json = false;
  auto* bench_storage = bench_cmd->add_subcommand(
      "storage", "Kafka's Log on real files against raw sequential I/O of the same bytes, in one run");
  bench_storage->footer("Example: kafkasim bench storage --dir /tmp --seconds 5 --fsync never --json");
  bench_storage->add_option("--dir", storage_options.dir, "Existing folder to write in (a subfolder is made and removed)")
      ->required()
      ->check(CLI::ExistingDirectory);
  bench_storage->add_option("--seconds", storage_options.seconds, "How long the Log appends")
      ->check(CLI::Range(0.1, 3600.0));
  bench_storage->add_option("--record-bytes", storage_options.record_bytes, "Value size of each record")
      ->check(CLI::Range(1, 1 << 20));
  bench_storage->add_option("--batch-records", storage_options.batch_records, "Records per batch")
      ->check(CLI::Range(1, 100000));
  bench_storage->add_option("--fsync", storage_options.fsync, "never | interval (every second) | every (each batch)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, kafkasim::bench::FsyncPolicy>{
          {"never", kafkasim::bench::FsyncPolicy::never},
          {"interval", kafkasim::bench::FsyncPolicy::interval},
          {"every", kafkasim::bench::FsyncPolicy::every}}));
  bench_storage->add_flag("--json", storage_json, "Print the figures as one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11; its other codes never leak.
    const int printed = app.exit(e);
    return printed == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (*run_cmd) return kafkasim::cli::run_command(run);
    if (*replay_cmd) {
      if (replay.log_path.empty()) replay.log_path = "replay-" + std::to_string(*replay.seed) + ".log";
      std::cerr << "kafkasim: the full log goes to " << replay.log_path << '\n';
      return kafkasim::cli::run_command(replay);
    }
    if (*shrink_cmd) return kafkasim::cli::shrink_command(shrink);
    if (*validate_cmd) return kafkasim::cli::validate_command(validate_files);
    if (*sweep_cmd) return kafkasim::cli::sweep_command(sweep);
    if (*check_cmd) return kafkasim::cli::check_command(check);
    if (*demo_cmd) return run_demo(demo);
    if (*bench_sim) return run_bench_sim(bench_options, bench_json);
    if (*bench_storage) return run_bench_storage(storage_options, storage_json);
    if (*bench_timer) return run_bench_timer(timer_options, timer_json);
    if (*bench_checkers) return run_bench_checkers(checker_options, checker_json);
  } catch (const UsageError& e) {
    std::cerr << "kafkasim: " << e.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "kafkasim: internal error: " << e.what() << '\n';
    if (*demo_cmd) std::cerr << "replay: " << demo_replay(demo) << '\n';
    return kExitInternal;
  }
  return kExitUsage;
}
