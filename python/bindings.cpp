// The kafkasim Python module's native part: the same entry points as the CLI.
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "model/probes.h"
#include "sim/demo/echo_demo.h"
#include "sim/scenario/report.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/scenario/shrink.h"

namespace py = pybind11;
using namespace kafkasim;

namespace {

py::dict echo_demo(std::uint64_t seed, int nodes, std::int64_t duration_ms, bool random_faults,
                   bool with_trace) {
  if (nodes < 2) throw py::value_error("nodes must be at least 2");
  if (duration_ms < 1000) throw py::value_error("duration_ms must be at least 1000");
  sim::EchoDemoOptions options;
  options.seed = seed;
  options.nodes = nodes;
  options.duration = Duration::millis(duration_ms);
  options.random_faults = random_faults;
  std::ostringstream trace;
  if (with_trace) options.jsonl = &trace;
  sim::EchoDemoResult r;
  {
    py::gil_scoped_release release;  // runs are independent: other Python threads may go on
    r = sim::run_echo_demo(options);
  }
  py::dict stats;
  stats["messagesSent"] = r.world.messages_sent;
  stats["messagesDelivered"] = r.world.messages_delivered;
  stats["messagesDropped"] = r.world.messages_dropped;
  stats["messagesRetransmitted"] = r.world.messages_retransmitted;
  stats["restarts"] = r.world.restarts;
  stats["pingsSent"] = r.echo.pings_sent;
  stats["pongsReceived"] = r.echo.pongs_received;
  stats["outOfOrder"] = r.echo.out_of_order;
  stats["journalEntriesRecovered"] = r.echo.entries_recovered;
  stats["tornBytesCut"] = r.echo.torn_bytes_cut;
  py::dict out;
  out["seed"] = r.seed;
  out["simTimeMs"] = r.end.as_millis();
  out["events"] = r.scheduler_events;
  out["traceEvents"] = r.trace_events;
  out["traceHash"] = sim::format_hash(r.trace_hash);
  out["faults"] = r.faults;
  out["stats"] = stats;
  if (with_trace) out["trace"] = trace.str();
  return out;
}

// The run report of SCENARIO_FORMAT.md as a JSON string (the package turns it into a dict).
std::string run_scenario(const std::string& path, std::optional<std::uint64_t> seed, bool with_trace) {
  auto loaded = sim::scenario::load_scenario_file(path);
  if (!loaded.scenario) {
    std::string lines;
    for (const auto& p : loaded.problems) lines += "\n" + path + ": " + p;
    throw py::value_error("invalid scenario:" + lines);
  }
  const std::uint64_t run_seed = seed.value_or(loaded.scenario->seed);
  std::ostringstream trace;
  sim::scenario::RunOptions options;
  if (with_trace) options.jsonl = &trace;
  sim::scenario::RunReport report;
  {
    py::gil_scoped_release release;
    report = sim::scenario::run_scenario(*loaded.scenario, run_seed, options);
  }
  auto json = sim::scenario::report_json(report, "kafkasim run " + path + " --seed " + std::to_string(run_seed));
  if (with_trace) json["trace"] = trace.str();
  return json.dump();
}

// A failing seed shrunk (sim/scenario/shrink.h), as a JSON string: the file's text and
// document, what it keeps, and its own run's report.
std::string shrink_scenario(const std::string& path, std::uint64_t seed, const std::string& invariant) {
  const auto text = sim::scenario::read_scenario_text(path);
  if (!text) throw py::value_error("cannot read " + path);
  sim::scenario::ShrinkOptions options;
  options.invariant = invariant;
  sim::scenario::ShrinkResult r;
  try {
    py::gil_scoped_release release;
    r = sim::scenario::shrink_scenario(*text, path, seed, options);
  } catch (const sim::scenario::ShrinkError& e) {
    throw py::value_error(e.what());
  }
  nlohmann::ordered_json out;
  out["invariant"] = r.invariant;
  out["faultsBefore"] = r.faults_before;
  out["faultsAfter"] = r.faults_after;
  out["durationBeforeMs"] = r.duration_before_ms;
  out["durationAfterMs"] = r.duration_after_ms;
  out["runs"] = r.runs;
  out["text"] = sim::scenario::scenario_file_text(r.scenario);
  out["scenario"] = r.scenario;
  out["report"] = sim::scenario::report_json(r.report, "kafkasim run FILE --seed " + std::to_string(seed));
  return out.dump();
}

}  // namespace

PYBIND11_MODULE(_kafkasim, m) {
  m.doc() = "kafkasim native module; use the kafkasim package";
  m.def("echo_demo", &echo_demo, py::arg("seed") = 1, py::arg("nodes") = 3,
        py::arg("duration_ms") = 10000, py::arg("random_faults") = false,
        py::arg("with_trace") = false,
        "Run the echo demo; returns the run report as a dict (with the JSONL trace if asked)");
  m.def("run_scenario_json", &run_scenario, py::arg("path"), py::arg("seed") = py::none(),
        py::arg("with_trace") = false, "Run a scenario file; returns the run report as a JSON string");
  m.def("probe_names", [] { return std::vector<std::string>(kProbeNames.begin(), kProbeNames.end()); },
        "The model's coverage probes (model/probes.h), in order");
  m.def("shrink_scenario_json", &shrink_scenario, py::arg("path"), py::arg("seed"), py::arg("invariant") = "",
        "Shrink a failing seed of a scenario file; returns the shrunk file and its report as a JSON string");
}
