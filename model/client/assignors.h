// The consumer's partition assignors: the group leader runs one over every member's
// subscription and sends the result to the coordinator in its SyncGroup (Kafka keeps them in
// the clients library, not in the broker: the coordinator never looks inside an assignment).
//
// range: per topic, members sorted by id take consecutive runs of partitions, the first
//   (partitions % members) one more (RangeAssignor).
// roundrobin: every subscribed partition, sorted by topic and number, dealt in turn to the
//   members subscribed to its topic (RoundRobinAssignor).
// sticky: members keep what they owned as far as balance allows, the rest go to the least
//   loaded, and partitions move from the most to the least loaded until no two eligible
//   members differ by more than one (StickyAssignor's promise, not its exact search).
// cooperative-sticky (KIP-429): sticky's assignment, less every partition it moves from a member
//   that still owns it. The owner gives it up on learning its assignment and rejoins; the
//   next rebalance hands it to its new owner, so no partition ever has two owners at once
//   (CooperativeStickyAssignor). A partition two members claim is held back the same way.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/protocol/types.h"

namespace kafkasim::client {

struct MemberSubscription {
  std::string member_id;
  std::vector<std::string> topics;
  // What the member owned before this rebalance: eager members gave it up before joining
  // (StickyAssignor remembers it in its user data), cooperative ones still consume it.
  std::vector<TopicPartition> owned;
};

// member id -> its partitions, each list sorted; every member of the input has an entry.
using GroupAssignment = std::map<std::string, std::vector<TopicPartition>>;
// topic -> its partition count; a topic missing here has no partitions to hand out.
using PartitionCounts = std::map<std::string, std::int32_t>;

enum class AssignmentStrategy { range, roundrobin, sticky, cooperative_sticky };

// Kafka's two rebalance protocols: eager members give up every partition before they rejoin;
// cooperative ones keep consuming, and give up only what their new assignment leaves out.
bool is_cooperative(AssignmentStrategy strategy);

// The strategy as partition.assignment.strategy spells it, or nothing.
std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name);
std::string_view strategy_name(AssignmentStrategy strategy);

GroupAssignment assign(AssignmentStrategy strategy, const PartitionCounts& partitions,
                       const std::vector<MemberSubscription>& members);

}  // namespace kafkasim::client
