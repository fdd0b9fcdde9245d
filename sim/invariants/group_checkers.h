// The invariants about consumer groups: group_double_ownership and stale_commit_accepted.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

// No two members of a group own the same partition in the same generation, as the members
// learnt their assignments (SyncGroup answers). A cooperative member also owns, in the
// generation it joined, what it consumed on through the rebalance until its assignment told it
// to give them up (`revoked`): an assignor handing those to another member at once breaks it
// (KIP-429 waits a rebalance). So does a generation number reused after a coordinator lost
// what it wrote of the group. Owners are consumer processes: a member whose process ended owns
// nothing from then on, and a consumer that learns an assignment under a new member id gives
// up what it held in that generation under its old one (a static member, KIP-345, restarted or
// rejoined, takes its partitions back in the same generation).
class GroupDoubleOwnership final : public Checker {
 public:
  std::string_view name() const override { return "group_double_ownership"; }
  EventKinds events() const override { return kinds_of<GroupAssignmentReceived, NodeLifecycle>(); }
  void on_event(const TraceRecord& record) override;

 private:
  struct Owner {
    std::string member;
    std::string client;
    NodeId node;
    std::uint64_t index;
    bool revoked;  // owned until the member learnt this generation's assignment
  };
  // (group, generation) -> partition -> its owner
  std::map<std::pair<std::string, std::int32_t>, std::map<std::string, Owner>> owners_;
};

// A static member (KIP-345) is fenced, FENCED_INSTANCE_ID, only because another consumer holds
// its group.instance.id: the fault Kafka's fencing exists to stop (two processes configured
// alike). A consumer fenced when no other client ever held its instance id (a group_assignment
// under it) was fenced by its own earlier member id, which the coordinator still knew or knew
// again, and stops for good: FencedInstanceIdException is fatal to it. Judged at the end of
// the run, since the other holder may be assigned after the fence.
class StaticMemberSelfFenced final : public Checker {
 public:
  std::string_view name() const override { return "static_member_self_fenced"; }
  EventKinds events() const override { return kinds_of<GroupAssignmentReceived, GroupMemberFenced>(); }
  void on_event(const TraceRecord& record) override;
  void finish(SimTime end) override;

 private:
  struct Fence {
    SimTime time;
    NodeId node;
    std::string client, group, instance, member;
    std::uint64_t index;
  };
  std::map<std::pair<std::string, std::string>, std::set<std::string>> holders_;  // (group, instance) -> clients
  std::vector<Fence> fences_;
};

// The coordinator never accepts an offset commit from a generation older than one the group
// has already completed (written and told its members, group_stable): a member of that old
// generation no longer owns what it commits.
class StaleCommitAccepted final : public Checker {
 public:
  std::string_view name() const override { return "stale_commit_accepted"; }
  EventKinds events() const override { return kinds_of<GroupStable, OffsetCommitAnswered>(); }
  void on_event(const TraceRecord& record) override;

 private:
  std::map<std::string, std::pair<std::int32_t, std::uint64_t>> newest_stable_;  // group -> generation, event
};

}  // namespace kafkasim::sim::invariants
