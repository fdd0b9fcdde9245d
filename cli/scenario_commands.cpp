#include "cli/scenario_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "sim/scenario/report.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/scenario/shrink.h"
#include "sim/scenario/trace_check.h"

namespace kafkasim::cli {
using sim::scenario::Scenario;

std::unique_ptr<std::ofstream> open_output(const std::string& path, const char* what) {
  if (path.empty()) return nullptr;
  auto out = std::make_unique<std::ofstream>(path, std::ios::trunc);
  if (!*out) throw UsageError(std::string("cannot write the ") + what + " to " + path);
  return out;
}

Scenario load_or_report(const std::string& file) {
  auto loaded = sim::scenario::load_scenario_file(file);
  if (loaded.scenario) return std::move(*loaded.scenario);
  for (const auto& p : loaded.problems) std::cerr << file << ": " << p << '\n';
  throw UsageError(file + ": " + std::to_string(loaded.problems.size()) + " problem" +
                   (loaded.problems.size() == 1 ? "" : "s") + "; nothing was run");
}

std::string replay_command(const std::string& command, const std::string& file, std::uint64_t seed) {
  return "kafkasim " + command + " " + file + " --seed " + std::to_string(seed);
}

int run_command(const RunArgs& a) {
  const Scenario scenario = load_or_report(a.file);
  const std::uint64_t seed = a.seed.value_or(scenario.seed);
  auto trace_out = open_output(a.trace_path, "trace");
  auto log_out = open_output(a.log_path, "log");
  sim::scenario::RunOptions options;
  options.jsonl = trace_out.get();
  options.text_log = log_out.get();
  const std::string replay = replay_command(a.command, a.file, seed);
  try {
    const auto report = sim::scenario::run_scenario(scenario, seed, options);
    if (a.json) std::cout << sim::scenario::report_json(report, replay).dump() << '\n';
    else std::cout << sim::scenario::report_text(report, replay);
    return report.pass ? kExitOk : kExitMismatch;
  } catch (const std::exception& e) {
    std::cerr << "kafkasim: internal error in scenario " << scenario.name << " with seed " << seed << ": " << e.what()
              << "\nreplay: " << replay << '\n';
    return kExitInternal;
  }
}

int shrink_command(const ShrinkArgs& a) {
  load_or_report(a.file);  // every problem on its own line, as run prints them
  const auto text = sim::scenario::read_scenario_text(a.file);
  if (!text) throw UsageError("cannot read " + a.file);
  sim::scenario::ShrinkOptions options;
  options.invariant = a.invariant;
  options.progress = [](const std::string& line) { std::cerr << "shrink: " << line << '\n'; };
  sim::scenario::ShrinkResult result;
  try {
    result = sim::scenario::shrink_scenario(*text, a.file, a.seed, options);
  } catch (const sim::scenario::ShrinkError& e) {
    throw UsageError(e.what());
  } catch (const std::exception& e) {
    std::cerr << "kafkasim: internal error while shrinking " << a.file << " with seed " << a.seed << ": " << e.what()
              << "\nreplay: " << replay_command("run", a.file, a.seed) << '\n';
    return kExitInternal;
  }
  const std::string file = sim::scenario::scenario_file_text(result.scenario);
  std::ostream& summary = a.out.empty() ? std::cerr : std::cout;
  if (a.out.empty()) {
    std::cout << file;
  } else {
    // Written whole and then renamed into place: never a half-written file at `out`.
    const std::string partial = a.out + ".partial";
    bool written = false;
    {
      auto out = open_output(partial, "shrunk scenario");
      written = static_cast<bool>(*out << file << std::flush);
    }
    if (!written || std::rename(partial.c_str(), a.out.c_str()) != 0) {
      std::remove(partial.c_str());
      throw UsageError("cannot write the shrunk scenario to " + a.out);
    }
  }
  summary << "shrunk: " << result.invariant << " with " << result.faults_after << " of " << result.faults_before
          << " faults, durationMs " << result.duration_before_ms << " -> " << result.duration_after_ms << ", in "
          << result.runs << " runs\n";
  if (!a.out.empty()) summary << "replay: " << replay_command("run", a.out, a.seed) << '\n';
  return kExitOk;
}

int check_command(const CheckArgs& a) {
  std::ifstream in(a.trace_path);
  if (!in) throw UsageError("cannot read the trace " + a.trace_path);
  sim::scenario::TraceCheck result;
  try {
    result = sim::scenario::check_trace(in, a.invariants);
  } catch (const sim::scenario::TraceFormatError& e) {
    throw UsageError(a.trace_path + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  auto node_name = [&](NodeId n) {
    return n.value() < result.node_names.size() ? result.node_names[n.value()] : std::string();
  };
  if (a.json) {
    nlohmann::ordered_json out;
    out["trace"] = a.trace_path;
    out["events"] = result.events;
    out["violations"] = nlohmann::ordered_json::array();
    for (const auto& v : result.violations) {
      out["violations"].push_back({{"invariant", v.invariant}, {"timeMs", v.time.as_millis()}, {"node", node_name(v.node)},
                                   {"topicPartition", v.tp}, {"offset", v.offset}, {"detail", v.detail},
                                   {"evidence", v.evidence}});
    }
    std::cout << out.dump() << '\n';
  } else {
    std::cout << a.trace_path << ": " << result.events << " events checked, " << result.violations.size()
              << " violation" << (result.violations.size() == 1 ? "" : "s") << '\n';
    for (const auto& v : result.violations) {
      std::cout << "  " << v.invariant << " at " << v.time.as_millis() << " ms"
                << (node_name(v.node).empty() ? "" : " on " + node_name(v.node)) << (v.tp.empty() ? "" : " " + v.tp)
                << (v.offset >= 0 ? " offset " + std::to_string(v.offset) : "") << ":\n    " << v.detail << '\n';
    }
  }
  return result.violations.empty() ? kExitOk : kExitMismatch;
}

int validate_command(const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& file : files) {
    auto loaded = sim::scenario::load_scenario_file(file);
    for (const auto& p : loaded.problems) std::cerr << file << ": " << p << '\n';
    if (loaded.scenario) std::cout << file << ": ok (" << loaded.scenario->name << ")\n";
    else ++bad;
  }
  return bad == 0 ? kExitOk : kExitUsage;
}

}  // namespace kafkasim::cli
