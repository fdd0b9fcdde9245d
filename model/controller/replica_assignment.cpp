#include "model/controller/replica_assignment.h"

#include <algorithm>
#include <set>

namespace kafkasim::controller {
namespace {

std::size_t replica_index(std::size_t first, std::size_t shift, std::size_t k, std::size_t n) {
  return (first + 1 + (shift + k) % (n - 1)) % n;
}

// Brokers ordered so that consecutive ones are on different racks when possible: rack by rack
// in turn, each rack's brokers in id order.
std::vector<BrokerRack> rack_alternated(const std::vector<BrokerRack>& brokers) {
  std::map<std::string, std::vector<BrokerRack>> by_rack;
  for (const BrokerRack& b : brokers) by_rack[b.rack].push_back(b);
  for (auto& [rack, list] : by_rack) {
    std::sort(list.begin(), list.end(), [](const BrokerRack& a, const BrokerRack& b) { return a.id < b.id; });
  }
  std::vector<BrokerRack> out;
  for (std::size_t round = 0; out.size() < brokers.size(); ++round) {
    for (const auto& [rack, list] : by_rack) {
      if (round < list.size()) out.push_back(list[round]);
    }
  }
  return out;
}

}  // namespace

Assignment assign_replicas(std::int32_t partitions, std::int32_t replication_factor, std::vector<BrokerRack> brokers,
                           Rng& rng) {
  std::sort(brokers.begin(), brokers.end(), [](const BrokerRack& a, const BrokerRack& b) { return a.id < b.id; });
  std::set<std::string> racks;
  for (const BrokerRack& b : brokers) racks.insert(b.rack);
  const bool rack_aware = !(racks.size() == 1 && racks.contains(""));
  const std::vector<BrokerRack> arranged = rack_aware ? rack_alternated(brokers) : brokers;
  const std::size_t n = arranged.size();
  const std::size_t rack_count = rack_aware ? racks.size() : 1;
  const std::size_t start = rng.below(n);
  std::size_t shift = rng.below(n);
  Assignment out;
  for (std::int32_t p = 0; p < partitions; ++p) {
    if (p > 0 && static_cast<std::size_t>(p) % n == 0) ++shift;
    const std::size_t first = (static_cast<std::size_t>(p) + start) % n;
    std::vector<BrokerId> replicas{arranged[first].id};
    std::set<std::string> racks_used{arranged[first].rack};
    std::set<BrokerId> brokers_used{arranged[first].id};
    for (std::size_t k = 0; replicas.size() < static_cast<std::size_t>(replication_factor); ++k) {
      const BrokerRack& b = arranged[n == 1 ? 0 : replica_index(first, shift * rack_count, k, n)];
      const bool rack_ok = !rack_aware || !racks_used.contains(b.rack) || racks_used.size() == rack_count;
      const bool broker_ok = !brokers_used.contains(b.id) || brokers_used.size() == n;
      if (rack_ok && broker_ok) {
        replicas.push_back(b.id);
        racks_used.insert(b.rack);
        brokers_used.insert(b.id);
      }
    }
    out[p] = std::move(replicas);
  }
  return out;
}

}  // namespace kafkasim::controller
