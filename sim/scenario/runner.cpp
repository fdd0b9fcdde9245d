#include "sim/scenario/runner.h"

#include <algorithm>
#include <ostream>
#include <set>

#include "sim/invariants/invariant_suite.h"
#include "sim/scenario/cluster_builder.h"
#include "sim/scenario/fault_injector.h"
#include "sim/scenario/nemesis.h"

namespace kafkasim::sim::scenario {
namespace {

bool active_during(std::int64_t start_ms, const std::optional<std::int64_t>& duration_ms, std::int64_t from_ms,
                   std::int64_t to_ms) {
  return start_ms < to_ms && (!duration_ms || start_ms + *duration_ms > from_ms);
}

// What the liveness phase must reach: every partition led with a full ISR, and every client
// still at work during the settle period making progress.
invariants::LivenessExpectations liveness_expectations(const Scenario& s, const Cluster& cluster) {
  invariants::LivenessExpectations e;
  e.healed_at = SimTime::from_millis(s.duration_ms);
  const std::int64_t end_ms = s.duration_ms + s.settle_ms;
  for (const auto& [tp, replicas] : cluster.replicas) {
    auto& ids = e.replicas[tp.str()];
    for (BrokerId b : replicas) ids.push_back(b.value());
  }
  std::set<std::string> fed_topics;
  for (const auto& p : s.producers) {
    if (!p.workload.max_messages && active_during(p.workload.start_ms, p.workload.duration_ms, s.duration_ms, end_ms)) {
      e.producers.push_back(p.id);
      fed_topics.insert(p.workload.topic);
    }
  }
  for (const auto& c : s.consumers) {
    const bool fed = std::any_of(c.workload.topics.begin(), c.workload.topics.end(),
                                 [&](const std::string& t) { return fed_topics.count(t) != 0; });
    if (fed && active_during(c.workload.start_ms, c.workload.duration_ms, s.duration_ms, end_ms)) e.consumers.push_back(c.id);
  }
  return e;
}

}  // namespace

bool judge(const Expectation& expect, RunReport& report) {
  std::set<std::string> found;
  for (const auto& v : report.violations) found.insert(v.invariant);
  report.missing.clear();
  report.unexpected.clear();
  for (const auto& name : expect.violations) {
    if (found.count(name) == 0) report.missing.push_back(name);
  }
  for (const auto& name : found) {
    const bool expected = std::find(expect.violations.begin(), expect.violations.end(), name) != expect.violations.end();
    const bool allowed = std::find(expect.allowed.begin(), expect.allowed.end(), name) != expect.allowed.end();
    if (!expected && !allowed) report.unexpected.push_back(name);
  }
  report.pass = report.missing.empty() && report.unexpected.empty();
  return report.pass;
}

RunReport run_scenario(const Scenario& s, std::uint64_t seed, const RunOptions& options) {
  Cluster cluster = build_cluster(s, seed);
  World& world = *cluster.world;
  world.scheduler().set_event_budget(options.event_budget);

  const bool liveness_phase = s.settle_ms > 0;
  std::optional<invariants::LivenessExpectations> liveness;
  if (liveness_phase) liveness = liveness_expectations(s, cluster);
  std::vector<std::string> checked = s.invariants;
  if (!liveness_phase) checked.erase(std::remove(checked.begin(), checked.end(), "liveness"), checked.end());
  // An empty list asks for no checker at all (the suite would read it as "all").
  std::optional<invariants::InvariantSuite> checkers;
  if (!checked.empty()) world.trace().add_sink(&checkers.emplace(checked, liveness, seed));
  RunStatsCounter stats;
  world.trace().add_sink(&stats);
  std::optional<JsonlTraceWriter> jsonl;
  std::optional<TextTraceWriter> text;
  if (options.jsonl) world.trace().add_sink(&jsonl.emplace(*options.jsonl, world.namer()));
  if (options.text_log) world.trace().add_sink(&text.emplace(*options.text_log, world.namer()));

  world.start_all();
  FaultInjector injector(cluster, Rng(seed).child("fault-targets"));
  std::vector<FaultEntry> faults = s.faults;
  if (s.nemesis) {
    std::vector<std::string> clients;
    for (const auto& p : s.producers) clients.push_back(p.id);
    for (const auto& c : s.consumers) clients.push_back(c.id);
    auto drawn = draw_nemesis_schedule(*s.nemesis, s.brokers, clients, s.duration_ms, Rng(seed).child("nemesis"));
    faults.insert(faults.end(), drawn.begin(), drawn.end());
  }
  std::stable_sort(faults.begin(), faults.end(), [](const FaultEntry& a, const FaultEntry& b) { return a.start_ms < b.start_ms; });
  for (const auto& f : faults) injector.schedule(f);

  world.run_until(SimTime::from_millis(s.duration_ms));
  if (liveness_phase) {
    world.trace().record(world.now(), kWorldNode, Note{"liveness phase: every fault healed"});
    world.heal_all();
    world.run_until(SimTime::from_millis(s.duration_ms + s.settle_ms));
  }
  if (checkers) checkers->finish(world.now());

  RunReport r;
  r.scenario = s.name;
  r.seed = seed;
  r.sim_time_ms = world.now().as_millis();
  r.events = world.scheduler().events_run();
  r.mean_heap_size = world.scheduler().mean_heap_size();
  r.trace_events = world.trace().count();
  r.trace_hash = world.trace().hash();
  const NodeNamer names = world.namer();
  for (const auto& v : checkers ? checkers->violations() : std::vector<invariants::Violation>{}) {
    r.violations.push_back(ReportedViolation{v.invariant, v.time.as_millis(), v.node == kWorldNode ? "" : names(v.node), v.tp,
                                             v.offset, v.detail, v.evidence});
  }
  r.faults = injector.applied();
  r.stats = stats.result();
  r.probes = world.probe_counts();
  judge(s.expect, r);
  return r;
}

}  // namespace kafkasim::sim::scenario
