// Applies a scenario's fault entries to a running world. A role target ("leader" of a
// partition, a "follower" chosen by the seed, the active "controller", "any_broker") is
// resolved when the fault starts, from what the live brokers say about themselves; the entry
// as applied (with node names) is kept for the report, so that the run can be replayed from a
// plain file. A role that names nobody (a partition without a leader) skips the fault, with a
// note in the trace.
#pragma once

#include <string>
#include <vector>

#include "model/rng.h"
#include "sim/faults.h"
#include "sim/scenario/cluster_builder.h"
#include "sim/scenario/scenario.h"

namespace kafkasim::sim::scenario {

class FaultInjector {
 public:
  FaultInjector(Cluster& cluster, Rng rng) : cluster_(cluster), rng_(std::move(rng)) {}
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Schedules the fault's start (and its undoing after durationMs / restartAfterMs).
  void schedule(const FaultEntry& fault);
  // The faults as they started, in start order, targets resolved to node names.
  const std::vector<FaultEntry>& applied() const { return applied_; }

 private:
  void start(const FaultEntry& fault, std::size_t number);
  // The targets of a role; empty when the role names nobody now.
  std::vector<std::string> resolve_role(const FaultEntry& fault, Rng& rng);
  FaultSpec to_spec(const FaultEntry& fault) const;
  std::vector<NodeId> ids(const std::vector<std::string>& names) const;

  Cluster& cluster_;
  Rng rng_;
  std::size_t scheduled_ = 0;
  std::vector<FaultEntry> applied_;
};

}  // namespace kafkasim::sim::scenario
