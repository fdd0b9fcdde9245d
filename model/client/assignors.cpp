#include "model/client/assignors.h"

#include <algorithm>
#include <set>

namespace kafkasim::client {
namespace {

bool subscribes(const MemberSubscription& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

// Members sorted by id, as every Kafka assignor orders them.
std::vector<const MemberSubscription*> by_id(const std::vector<MemberSubscription>& members) {
  std::vector<const MemberSubscription*> sorted;
  for (const auto& m : members) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->member_id < b->member_id; });
  return sorted;
}

GroupAssignment empty_for(const std::vector<MemberSubscription>& members) {
  GroupAssignment out;
  for (const auto& m : members) out[m.member_id];
  return out;
}

// Every partition some member subscribes to, sorted by topic and number.
std::vector<TopicPartition> subscribed_partitions(const PartitionCounts& partitions,
                                                  const std::vector<MemberSubscription>& members) {
  std::set<std::string> topics;
  for (const auto& m : members) topics.insert(m.topics.begin(), m.topics.end());
  std::vector<TopicPartition> out;
  for (const std::string& topic : topics) {
    auto it = partitions.find(topic);
    for (std::int32_t p = 0; it != partitions.end() && p < it->second; ++p) out.push_back(TopicPartition{TopicName(topic), p});
  }
  std::sort(out.begin(), out.end());
  return out;
}

GroupAssignment range(const PartitionCounts& partitions, const std::vector<MemberSubscription>& members) {
  GroupAssignment out = empty_for(members);
  const auto sorted = by_id(members);
  for (const auto& [topic, count] : partitions) {
    std::vector<const MemberSubscription*> consumers;
    for (auto* m : sorted) {
      if (subscribes(*m, topic)) consumers.push_back(m);
    }
    if (consumers.empty()) continue;
    const auto n = static_cast<std::int32_t>(consumers.size());
    const std::int32_t per_member = count / n, extra = count % n;
    for (std::int32_t i = 0; i < n; ++i) {
      const std::int32_t start = i * per_member + std::min(i, extra);
      const std::int32_t length = per_member + (i < extra ? 1 : 0);
      for (std::int32_t p = start; p < start + length; ++p) out[consumers[i]->member_id].push_back(TopicPartition{TopicName(topic), p});
    }
  }
  return out;
}

GroupAssignment round_robin(const PartitionCounts& partitions, const std::vector<MemberSubscription>& members) {
  GroupAssignment out = empty_for(members);
  const auto sorted = by_id(members);
  std::size_t next = 0;  // the circular iterator over members
  for (const TopicPartition& tp : subscribed_partitions(partitions, members)) {
    while (!subscribes(*sorted[next % sorted.size()], tp.topic.str())) ++next;
    out[sorted[next % sorted.size()]->member_id].push_back(tp);
    ++next;
  }
  return out;
}

GroupAssignment sticky(const PartitionCounts& partitions, const std::vector<MemberSubscription>& members) {
  GroupAssignment out = empty_for(members);
  const auto sorted = by_id(members);
  const auto all = subscribed_partitions(partitions, members);
  const std::set<TopicPartition> exists(all.begin(), all.end());
  // Fair share among everyone: a member keeps at most this many of what it owned.
  const std::size_t ceiling = sorted.empty() ? 0 : (all.size() + sorted.size() - 1) / sorted.size();
  std::set<TopicPartition> taken;
  for (auto* m : sorted) {
    auto& mine = out[m->member_id];
    std::vector<TopicPartition> owned = m->owned;
    std::sort(owned.begin(), owned.end());
    for (const TopicPartition& tp : owned) {
      if (mine.size() >= ceiling) break;
      // Two members claiming one partition (a stale member's view): the first by id keeps it.
      if (exists.contains(tp) && subscribes(*m, tp.topic.str()) && taken.insert(tp).second) mine.push_back(tp);
    }
  }
  // The least loaded eligible member takes each partition nobody kept (ties: lowest id).
  auto least_loaded = [&](const std::string& topic) -> const MemberSubscription* {
    const MemberSubscription* best = nullptr;
    for (auto* m : sorted) {
      if (subscribes(*m, topic) && (!best || out[m->member_id].size() < out[best->member_id].size())) best = m;
    }
    return best;
  };
  for (const TopicPartition& tp : all) {
    if (taken.contains(tp)) continue;
    if (const auto* m = least_loaded(tp.topic.str())) out[m->member_id].push_back(tp);
  }
  // Balance: move a partition from a member holding two more than an eligible other.
  for (bool moved = true; moved;) {
    moved = false;
    for (auto* from : sorted) {
      auto& theirs = out[from->member_id];
      for (auto it = theirs.begin(); it != theirs.end() && !moved; ++it) {
        const auto* to = least_loaded(it->topic.str());
        if (to && out[to->member_id].size() + 1 < theirs.size()) {
          out[to->member_id].push_back(*it);
          theirs.erase(it);
          moved = true;
        }
      }
      if (moved) break;
    }
  }
  for (auto& [member, tps] : out) std::sort(tps.begin(), tps.end());
  return out;
}

// KIP-429's first round: a partition moving away from a member that owns it is left out, so
// its owner revokes it before anyone else is given it (in the rebalance its owner's rejoin starts).
GroupAssignment cooperative_sticky(const PartitionCounts& partitions, const std::vector<MemberSubscription>& members) {
  GroupAssignment out = sticky(partitions, members);
  std::map<TopicPartition, std::set<std::string>> claimed_by;
  for (const auto& m : members) {
    for (const TopicPartition& tp : m.owned) claimed_by[tp].insert(m.member_id);
  }
  for (auto& [member, tps] : out) {
    const std::string& owner = member;  // a lambda captures a variable, not a structured binding (clang 14)
    std::erase_if(tps, [&](const TopicPartition& tp) {
      auto it = claimed_by.find(tp);
      if (it == claimed_by.end()) return false;
      // Owned by another member, or claimed by two (one of them a stale view): not yet.
      return it->second.size() > 1 || !it->second.contains(owner);
    });
  }
  return out;
}

}  // namespace

bool is_cooperative(AssignmentStrategy strategy) { return strategy == AssignmentStrategy::cooperative_sticky; }

std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name) {
  if (name == "range") return AssignmentStrategy::range;
  if (name == "roundrobin") return AssignmentStrategy::roundrobin;
  if (name == "sticky") return AssignmentStrategy::sticky;
  if (name == "cooperative-sticky") return AssignmentStrategy::cooperative_sticky;
  return std::nullopt;
}

std::string_view strategy_name(AssignmentStrategy strategy) {
  switch (strategy) {
    case AssignmentStrategy::range: return "range";
    case AssignmentStrategy::roundrobin: return "roundrobin";
    case AssignmentStrategy::sticky: return "sticky";
    case AssignmentStrategy::cooperative_sticky: return "cooperative-sticky";
  }
  return "range";
}

GroupAssignment assign(AssignmentStrategy strategy, const PartitionCounts& partitions,
                       const std::vector<MemberSubscription>& members) {
  if (members.empty()) return {};
  switch (strategy) {
    case AssignmentStrategy::range: return range(partitions, members);
    case AssignmentStrategy::roundrobin: return round_robin(partitions, members);
    case AssignmentStrategy::sticky: return sticky(partitions, members);
    case AssignmentStrategy::cooperative_sticky: return cooperative_sticky(partitions, members);
  }
  return {};
}

}  // namespace kafkasim::client
