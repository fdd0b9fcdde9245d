// The invariants about consumer groups: group_double_ownership and stale_commit_accepted.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

// No two members of a group own the same partition in the same generation, as the members
// learnt their assignments (SyncGroup answers). A cooperative member also owns, in the
// generation it joined, what it consumed on through the rebalance until its assignment told it
// to give them up (`revoked`): an assignor handing those to another member at once breaks it
// (KIP-429 waits a rebalance). So does a generation number reused after a coordinator lost
// what it wrote of the group.
class GroupDoubleOwnership final : public Checker {
 public:
  std::string_view name() const override { return "group_double_ownership"; }
  EventKinds events() const override { return kinds_of<GroupAssignmentReceived>(); }
  void on_event(const TraceRecord& record) override;

 private:
  struct Owner {
    std::string member;
    std::string client;
    std::uint64_t index;
    bool revoked;  // owned until the member learnt this generation's assignment
  };
  // (group, generation) -> partition -> its owner
  std::map<std::pair<std::string, std::int32_t>, std::map<std::string, Owner>> owners_;
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
