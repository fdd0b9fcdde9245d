#include "model/controller/elections.h"

#include <algorithm>

namespace kafkasim::controller {
namespace {

bool in(const std::vector<BrokerId>& v, BrokerId b) { return std::find(v.begin(), v.end(), b) != v.end(); }

}  // namespace

std::optional<Election> elect_offline_leader(const std::vector<BrokerId>& assignment, const std::vector<BrokerId>& isr,
                                             const std::set<BrokerId>& live, bool unclean_enabled) {
  for (BrokerId r : assignment) {
    if (live.contains(r) && in(isr, r)) return Election{r, false};
  }
  if (!unclean_enabled) return std::nullopt;
  for (BrokerId r : assignment) {
    if (live.contains(r)) return Election{r, true};
  }
  return std::nullopt;
}

std::optional<Election> elect_preferred_leader(const std::vector<BrokerId>& assignment,
                                               const std::vector<BrokerId>& isr, const std::set<BrokerId>& live) {
  if (assignment.empty() || !live.contains(assignment[0]) || !in(isr, assignment[0])) return std::nullopt;
  return Election{assignment[0], false};
}

std::optional<Election> elect_controlled_shutdown_leader(const std::vector<BrokerId>& assignment,
                                                         const std::vector<BrokerId>& isr,
                                                         const std::set<BrokerId>& live,
                                                         const std::set<BrokerId>& shutting_down) {
  for (BrokerId r : assignment) {
    if (live.contains(r) && in(isr, r) && !shutting_down.contains(r)) return Election{r, false};
  }
  return std::nullopt;
}

}  // namespace kafkasim::controller
