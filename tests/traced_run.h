// A scenario run with its trace as parsed JSON lines, for tests that follow events of a few kinds.
#pragma once

#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"

namespace kafkasim::testing {

// A run of a scenario file with its trace as parsed JSON lines.
struct TracedRun {
  sim::scenario::RunReport report;
  std::vector<nlohmann::json> events;
  std::vector<nlohmann::json> of(std::string_view kind) const {
    std::vector<nlohmann::json> out;
    for (const auto& e : events) {
      if (e["event"] == kind) out.push_back(e);
    }
    return out;
  }
};

// Runs a scenario under `seed`, keeping the trace events of the kinds named (a run traces
// about a million events; parsing them all would cost more than the run).
inline TracedRun run_traced(const sim::scenario::LoadResult& loaded, std::uint64_t seed, const std::vector<std::string>& kinds) {
  REQUIRE(loaded.scenario);
  std::stringstream jsonl;
  sim::scenario::RunOptions options;
  if (!kinds.empty()) options.jsonl = &jsonl;
  TracedRun run{sim::scenario::run_scenario(*loaded.scenario, seed, options), {}};
  for (std::string line; std::getline(jsonl, line);) {
    const bool wanted = std::any_of(kinds.begin(), kinds.end(), [&](const std::string& kind) {
      return line.find("\"event\":\"" + kind + "\"") != std::string::npos;
    });
    if (wanted) run.events.push_back(nlohmann::json::parse(line));
  }
  return run;
}

}  // namespace kafkasim::testing
