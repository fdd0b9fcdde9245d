// Kafka's leader election rules (PartitionLeaderElectionAlgorithms), as pure functions of the
// partition's assignment, its ISR and the live brokers: the controller's decisions do not
// depend on where its state is stored.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "model/protocol/types.h"

namespace kafkasim::controller {

struct Election {
  BrokerId leader;
  bool unclean = false;  // the leader was not in the ISR: committed records may be lost
};

// Offline partition: the first live replica of the assignment that is in the ISR; failing that,
// with unclean.leader.election.enable, the first live replica at all.
std::optional<Election> elect_offline_leader(const std::vector<BrokerId>& assignment, const std::vector<BrokerId>& isr,
                                             const std::set<BrokerId>& live, bool unclean_enabled);

// Preferred replica: the first of the assignment, if it is live and in the ISR.
std::optional<Election> elect_preferred_leader(const std::vector<BrokerId>& assignment,
                                               const std::vector<BrokerId>& isr, const std::set<BrokerId>& live);

// Controlled shutdown: the first live replica in the ISR that is not shutting down.
std::optional<Election> elect_controlled_shutdown_leader(const std::vector<BrokerId>& assignment,
                                                         const std::vector<BrokerId>& isr,
                                                         const std::set<BrokerId>& live,
                                                         const std::set<BrokerId>& shutting_down);

}  // namespace kafkasim::controller
