// Shrinks a failing run to a small scenario file that fails the same way, as the contract
// promises a failing seed can be ("replayed and shrunk as an ordinary file"): the nemesis's
// draws become plain `faults` entries, then delta debugging (Zeller's ddmin) takes away faults,
// consumers and producers for as long as the run still finds the same unexpected invariant,
// and the safety phase is cut to end soon after the last fault. Every candidate is a scenario
// file that the loader accepts, run under the same seed; the result is 1-minimal: taking away
// any one of its faults, consumers or producers loses the finding.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/scenario/runner.h"

namespace kafkasim::sim::scenario {

// The run cannot be shrunk: the file is invalid, the seed finds nothing unexpected, or it
// does not find the invariant asked for. The message says which.
struct ShrinkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ShrinkOptions {
  std::string invariant;                             // the finding to keep; "" for the run's first unexpected one
  std::function<void(const std::string&)> progress;  // one line per step taken, when set
};

struct ShrinkResult {
  nlohmann::ordered_json scenario;  // the shrunk file, its seed set
  std::string invariant;            // the finding it keeps
  std::size_t faults_before = 0;    // the original run's faults, the nemesis's draws included
  std::size_t faults_after = 0;
  std::int64_t duration_before_ms = 0;
  std::int64_t duration_after_ms = 0;
  int runs = 0;       // scenario runs it took, the first included
  RunReport report;   // the shrunk file's own run
};

// `text` is the scenario file's text (comments allowed); `source` names it in the shrunk
// file's description. Throws ShrinkError when there is nothing to shrink.
ShrinkResult shrink_scenario(std::string_view text, const std::string& source, std::uint64_t seed,
                             const ShrinkOptions& options = {});

// A scenario document laid out as the files in scenarios/ are written by hand: one top-level
// key per line, and one entry per line in the lists of faults, producers and consumers.
std::string scenario_file_text(const nlohmann::ordered_json& doc);

}  // namespace kafkasim::sim::scenario
