#include "sim/invariants/group_checkers.h"

#include <algorithm>
#include <string_view>

namespace kafkasim::sim::invariants {
namespace {

// Drops what the consumer on `node` claimed in one generation.
template <class Owners>
void drop_claims(Owners& owners, NodeId node) {
  std::erase_if(owners, [&](const auto& owned) { return owned.second.node == node; });
}

}  // namespace

void GroupDoubleOwnership::on_event(const TraceRecord& record) {
  if (const auto* life = std::get_if<NodeLifecycle>(&record.event); life && life->ends_process()) {
    for (auto& [generation, owners] : owners_) drop_claims(owners, record.node);
    return;
  }
  const auto* assigned = std::get_if<GroupAssignmentReceived>(&record.event);
  if (!assigned) return;
  auto& owners = owners_[{assigned->group, assigned->generation}];
  // A consumer holds one member id at a time: what it learns now replaces what it held in this
  // generation under an earlier one (a static member that rejoined into the same generation).
  drop_claims(owners, record.node);
  const auto claim = [&](std::string_view list, bool revoked) {
    for (std::string_view rest = list; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string tp(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const Owner claimant{assigned->member, assigned->client, record.node, record.index, revoked};
      auto [it, fresh] = owners.try_emplace(tp, claimant);
      if (fresh || it->second.member == assigned->member) continue;
      const auto how = [](const Owner& o) {
        return o.client + " (member " + o.member + (o.revoked ? ", which consumed it until it learnt this generation)" : ")");
      };
      report(record.time, record.node, tp, -1,
             "in generation " + std::to_string(assigned->generation) + " of group " + assigned->group + ", " + tp +
                 " was owned by " + how(it->second) + " and by " + how(claimant) + ": two members consume it at once",
             {it->second.index, record.index});
    }
  };
  claim(assigned->partitions, false);
  // A cooperative member consumed these in this generation too, until it gave them up now.
  claim(assigned->revoked, true);
}

void StaticMemberSelfFenced::on_event(const TraceRecord& record) {
  if (const auto* assigned = std::get_if<GroupAssignmentReceived>(&record.event)) {
    if (!assigned->instance.empty()) holders_[{assigned->group, assigned->instance}].insert(assigned->client);
  } else if (const auto* fenced = std::get_if<GroupMemberFenced>(&record.event)) {
    fences_.push_back(Fence{record.time, record.node, fenced->client, fenced->group, fenced->instance, fenced->member, record.index});
  }
}

void StaticMemberSelfFenced::finish(SimTime) {
  for (const Fence& f : fences_) {
    const auto it = holders_.find({f.group, f.instance});
    const bool shared = it != holders_.end() && std::any_of(it->second.begin(), it->second.end(),
                                                             [&](const std::string& client) { return client != f.client; });
    if (shared) continue;
    report(f.time, f.node, "", -1,
           f.client + " (member " + f.member + ") was fenced out of group " + f.group + " (FENCED_INSTANCE_ID), though no " +
               "other consumer ever held its group.instance.id " + f.instance + ": the coordinator fenced it for an " +
               "earlier member id of its own, and the consumer stopped for good",
           {f.index});
  }
}

void StaleCommitAccepted::on_event(const TraceRecord& record) {
  if (const auto* stable = std::get_if<GroupStable>(&record.event)) {
    auto [it, fresh] = newest_stable_.try_emplace(stable->group, stable->generation, record.index);
    if (!fresh && stable->generation > it->second.first) it->second = {stable->generation, record.index};
    return;
  }
  const auto* commit = std::get_if<OffsetCommitAnswered>(&record.event);
  if (!commit || commit->error != "NONE" || commit->generation < 0) return;
  auto it = newest_stable_.find(commit->group);
  if (it == newest_stable_.end() || commit->generation >= it->second.first) return;
  report(record.time, record.node, "", -1,
         "the coordinator accepted offsets " + commit->offsets + " of group " + commit->group + " from member " +
             commit->member + " of generation " + std::to_string(commit->generation) + ", after generation " +
             std::to_string(it->second.first) + " had completed (the coordinator held generation " +
             std::to_string(commit->group_generation) + ")",
         {it->second.second, record.index});
}

}  // namespace kafkasim::sim::invariants
