#include "sim/scenario/report.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace kafkasim::sim::scenario {
namespace {

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

nlohmann::ordered_json probes_json(const RunReport& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < kProbeCount; ++i) {
    if (r.probes[i] > 0) j[std::string(kProbeNames[i])] = r.probes[i];
  }
  return j;
}

nlohmann::ordered_json fault_json(const FaultEntry& f) {
  nlohmann::ordered_json j;
  j["type"] = f.type;
  j["startMs"] = f.start_ms;
  if (!f.role.empty()) {
    j["target"] = f.role;
    if (!f.topic_partition.empty()) j["topicPartition"] = f.topic_partition;
  } else if (f.type == "network_partition") {
    j["partitions"] = f.partitions;
  } else if (f.type != "heal") {
    j["nodeNames"] = f.node_names;
  }
  if (f.duration_ms) j["durationMs"] = *f.duration_ms;
  if (f.restart_after_ms) j["restartAfterMs"] = *f.restart_after_ms;
  if (f.latency_ms) j["latencyMs"] = *f.latency_ms;
  if (f.jitter_ms) j["jitterMs"] = *f.jitter_ms;
  if (f.loss_percent) j["lossPercent"] = *f.loss_percent;
  if (f.rate_limit_kbit) j["rateLimitKbit"] = *f.rate_limit_kbit;
  if (!f.direction.empty()) j["direction"] = f.direction;
  if (!f.peers.empty()) j["peers"] = f.peers;
  if (f.factor) j["factor"] = *f.factor;
  if (!f.mode.empty()) j["mode"] = f.mode;
  if (f.offset_ms) j["offsetMs"] = *f.offset_ms;
  return j;
}

nlohmann::ordered_json report_json(const RunReport& r, const std::string& replay) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["simTimeMs"] = r.sim_time_ms;
  j["events"] = r.events;
  j["traceHash"] = format_hash(r.trace_hash);
  j["outcome"] = r.pass ? "pass" : "fail";
  j["violations"] = nlohmann::ordered_json::array();
  for (const auto& v : r.violations) {
    nlohmann::ordered_json o;
    o["invariant"] = v.invariant;
    o["timeMs"] = v.time_ms;
    o["node"] = v.node;
    o["topicPartition"] = v.topic_partition;
    o["offset"] = v.offset;
    o["detail"] = v.detail;
    o["evidence"] = v.evidence;
    j["violations"].push_back(o);
  }
  j["missing"] = r.missing;
  j["faults"] = nlohmann::ordered_json::array();
  for (const auto& f : r.faults) j["faults"].push_back(fault_json(f));
  const RunStats& s = r.stats;
  j["stats"] = {{"recordsSent", s.records_sent},
                {"recordsAcked", s.records_acked},
                {"recordsConsumed", s.records_consumed},
                {"leaderElections", s.leader_elections},
                {"isrShrinks", s.isr_shrinks},
                {"isrExpands", s.isr_expands},
                {"rebalances", s.rebalances},
                {"produceLatencyMs", {{"p50", s.latency_p50_ms}, {"p99", s.latency_p99_ms}, {"max", s.latency_max_ms}}}};
  j["probes"] = probes_json(r);
  j["replay"] = replay;
  return j;
}

std::string report_text(const RunReport& r, const std::string& replay) {
  std::ostringstream out;
  out << "scenario " << r.scenario << ", seed " << r.seed << ": " << (r.pass ? "pass" : "FAIL") << '\n'
      << "simulated " << seconds(r.sim_time_ms) << ", " << r.events << " events, trace hash " << format_hash(r.trace_hash)
      << '\n';
  out << "faults:" << (r.faults.empty() ? " none\n" : "\n");
  for (const auto& f : r.faults) out << "  " << fault_json(f).dump() << '\n';
  const RunStats& s = r.stats;
  out << "records: " << s.records_sent << " sent, " << s.records_acked << " acknowledged, " << s.records_consumed
      << " consumed; produce latency p50 " << s.latency_p50_ms << " ms, p99 " << s.latency_p99_ms << " ms, max "
      << s.latency_max_ms << " ms\n"
      << "cluster: " << s.leader_elections << " leader elections, " << s.isr_shrinks << " ISR shrinks, " << s.isr_expands
      << " ISR expands\n";
  const nlohmann::ordered_json taken = probes_json(r);
  std::vector<std::string> probes;
  for (const auto& [name, count] : taken.items()) probes.push_back(name + " x" + count.dump());
  out << "rare paths taken (probes): " << probes.size() << " of " << kProbeCount
      << (probes.empty() ? "" : "; " + join(probes)) << '\n';
  out << "violations:" << (r.violations.empty() ? " none\n" : "\n");
  // The first few of each invariant in full; the JSON report has them all.
  constexpr int kShownPerInvariant = 3;
  std::map<std::string, int> seen;
  for (const auto& v : r.violations) {
    if (++seen[v.invariant] > kShownPerInvariant) continue;
    out << "  " << v.invariant << " at " << seconds(v.time_ms) << (v.node.empty() ? "" : " on " + v.node)
        << (v.topic_partition.empty() ? "" : " " + v.topic_partition)
        << (v.offset >= 0 ? " offset " + std::to_string(v.offset) : "") << ":\n    " << v.detail << '\n';
  }
  for (const auto& [name, count] : seen) {
    if (count > kShownPerInvariant) out << "  ... and " << count - kShownPerInvariant << " more " << name << " (see --json)\n";
  }
  if (!r.missing.empty()) out << "expected but not found: " << join(r.missing) << '\n';
  if (!r.unexpected.empty()) out << "not expected: " << join(r.unexpected) << '\n';
  out << "replay: " << replay << '\n';
  return out.str();
}

}  // namespace kafkasim::sim::scenario
