// Runs the invariant checkers offline over a saved trace (`kafkasim run --trace FILE.jsonl`):
// each JSON line is decoded back into its trace event and fed to the checkers in order, as
// during the run. `liveness` needs the run's scenario and is not checked here.
#pragma once

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::scenario {

// A line that is not a trace event: "line 12: no field \"tp\" in a \"truncate\" event".
class TraceFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceCheck {
  std::uint64_t events = 0;
  std::vector<invariants::Violation> violations;
  std::vector<std::string> node_names;  // by NodeId, as first seen in the trace
};

// `invariants`: names to check; empty for every safety invariant. Throws TraceFormatError, and
// std::invalid_argument for an unknown invariant name.
TraceCheck check_trace(std::istream& jsonl, const std::vector<std::string>& invariants);

}  // namespace kafkasim::sim::scenario
