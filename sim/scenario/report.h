// The run report of SCENARIO_FORMAT.md: one JSON object (`run --json`, a sweep line) or the
// same facts as readable text with the replay command last.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/runner.h"

namespace kafkasim::sim::scenario {

// A fault as a plain `faults` entry of a scenario file.
nlohmann::ordered_json fault_json(const FaultEntry& fault);
// The rare paths the run took (model/probes.h), name -> times, in Probe order; none taken: {}.
nlohmann::ordered_json probes_json(const RunReport& report);
nlohmann::ordered_json report_json(const RunReport& report, const std::string& replay);
std::string report_text(const RunReport& report, const std::string& replay);

}  // namespace kafkasim::sim::scenario
