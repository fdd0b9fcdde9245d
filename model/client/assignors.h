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
  std::vector<TopicPartition> owned;  // what the member owned before this rebalance (sticky)
};

// member id -> its partitions, each list sorted; every member of the input has an entry.
using GroupAssignment = std::map<std::string, std::vector<TopicPartition>>;
// topic -> its partition count; a topic missing here has no partitions to hand out.
using PartitionCounts = std::map<std::string, std::int32_t>;

enum class AssignmentStrategy { range, roundrobin, sticky };

// The strategy as partition.assignment.strategy spells it, or nothing.
std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name);
std::string_view strategy_name(AssignmentStrategy strategy);

GroupAssignment assign(AssignmentStrategy strategy, const PartitionCounts& partitions,
                       const std::vector<MemberSubscription>& members);

}  // namespace kafkasim::client
