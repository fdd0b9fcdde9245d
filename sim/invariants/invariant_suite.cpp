#include "sim/invariants/invariant_suite.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

#include "sim/invariants/consumer_checkers.h"
#include "sim/invariants/duplicate_write_checker.h"
#include "sim/invariants/group_checkers.h"
#include "sim/invariants/leadership_checkers.h"
#include "sim/invariants/log_checkers.h"
#include "sim/invariants/timer_checker.h"
#include "sim/invariants/torn_record_checker.h"

namespace kafkasim::sim::invariants {
namespace {

using Factory = std::function<std::unique_ptr<Checker>(const ReplicaLogs&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> all{
      {"committed_record_lost", [](const ReplicaLogs& logs) { return std::make_unique<CommittedRecordLost>(logs); }},
      {"hw_exceeds_isr_leo", [](const ReplicaLogs& logs) { return std::make_unique<HwExceedsIsrLeo>(logs); }},
      {"acked_write_lost", [](const ReplicaLogs& logs) { return std::make_unique<AckedWriteLost>(logs); }},
      {"replica_divergence", [](const ReplicaLogs& logs) { return std::make_unique<ReplicaDivergence>(logs); }},
      {"multiple_leaders", [](const ReplicaLogs&) { return std::make_unique<MultipleLeaders>(); }},
      {"epoch_regression", [](const ReplicaLogs&) { return std::make_unique<EpochRegression>(); }},
      {"consumer_read_uncommitted", [](const ReplicaLogs&) { return std::make_unique<ConsumerReadUncommitted>(); }},
      {"consumer_order", [](const ReplicaLogs&) { return std::make_unique<ConsumerOrder>(); }},
      {"group_double_ownership", [](const ReplicaLogs&) { return std::make_unique<GroupDoubleOwnership>(); }},
      {"stale_commit_accepted", [](const ReplicaLogs&) { return std::make_unique<StaleCommitAccepted>(); }},
      {"timer_fired_early", [](const ReplicaLogs&) { return std::make_unique<TimerFiredEarly>(); }},
      {"torn_record_visible", [](const ReplicaLogs& logs) { return std::make_unique<TornRecordVisible>(logs); }},
      {"duplicate_write", [](const ReplicaLogs& logs) { return std::make_unique<DuplicateWrite>(logs); }},
      {"consumer_skipped_record", [](const ReplicaLogs&) { return std::make_unique<ConsumerSkippedRecord>(); }},
      {"static_member_self_fenced", [](const ReplicaLogs&) { return std::make_unique<StaticMemberSelfFenced>(); }},
  };
  return all;
}

}  // namespace

const std::vector<std::string>& InvariantSuite::implemented() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, factory] : registry()) out.push_back(name);
    out.emplace_back("liveness");  // built apart: it needs the run's liveness phase
    return out;
  }();
  return names;
}

const std::vector<std::string>& InvariantSuite::contract() {
  static const std::vector<std::string> names{
      "committed_record_lost", "hw_exceeds_isr_leo", "acked_write_lost", "replica_divergence",
      "multiple_leaders", "epoch_regression", "consumer_read_uncommitted", "consumer_order",
      "group_double_ownership", "stale_commit_accepted", "timer_fired_early", "torn_record_visible", "liveness"};
  return names;
}

const std::vector<std::string>& InvariantSuite::extensions() {
  static const std::vector<std::string> names{"duplicate_write", "consumer_skipped_record", "static_member_self_fenced",
                                              "canary"};
  return names;
}

InvariantSuite::InvariantSuite(const std::vector<std::string>& names, std::optional<LivenessExpectations> liveness,
                               std::uint64_t seed) {
  for (const std::string& name : names) {
    const auto& all = registry();
    if (name == "liveness") {
      if (!liveness) throw std::invalid_argument("the liveness checker needs a liveness phase");
    } else if (name == "canary") {
      checkers_.push_back(std::make_unique<Canary>(seed));
    } else if (std::none_of(all.begin(), all.end(), [&](const auto& entry) { return entry.first == name; })) {
      throw std::invalid_argument("no invariant checker named \"" + name + "\"");
    }
  }
  for (const auto& [name, factory] : registry()) {
    if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) checkers_.push_back(factory(logs_));
  }
  const bool wants_liveness = names.empty() || std::find(names.begin(), names.end(), "liveness") != names.end();
  if (liveness && wants_liveness) checkers_.push_back(std::make_unique<Liveness>(std::move(*liveness)));

  logs_read_.assign(std::variant_size_v<TraceEvent>, false);
  for (const std::size_t kind : ReplicaLogs::events()) logs_read_[kind] = true;
  readers_.resize(std::variant_size_v<TraceEvent>);
  for (const auto& c : checkers_) {
    for (const std::size_t kind : c->events()) readers_.at(kind).push_back(c.get());
  }
}

void InvariantSuite::on_event(const TraceRecord& record) {
  const std::size_t kind = record.event.index();
  if (logs_read_[kind]) logs_.apply(record);
  for (Checker* c : readers_[kind]) c->on_event(record);
}

void InvariantSuite::finish(SimTime end) {
  for (const auto& c : checkers_) c->finish(end);
}

std::vector<Violation> InvariantSuite::violations() const {
  std::vector<Violation> out;
  for (const auto& c : checkers_) out.insert(out.end(), c->violations().begin(), c->violations().end());
  std::stable_sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) { return a.time < b.time; });
  return out;
}

}  // namespace kafkasim::sim::invariants
