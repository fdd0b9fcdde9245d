// Kafka's consumer group requests: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit and OffsetFetch, as plain structs. A member's subscription and
// assignment travel as structs, not as the embedded protocol's bytes: the coordinator never
// reads them, it keeps and forwards them (the assignment it also writes to __consumer_offsets).
// A static member (KIP-345) names its group.instance.id in every request that names its
// member id; "" is a dynamic member.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/protocol/errors.h"
#include "model/protocol/types.h"

namespace kafkasim {

// "orders-0,orders-3": partitions as traces and logs print them.
std::string partition_list(const std::vector<TopicPartition>& partitions);

struct FindCoordinatorRequest {
  static constexpr const char* kName = "FindCoordinator";
  std::int32_t correlation_id = 0;
  std::string group_id;
  std::size_t wire_bytes() const { return 24 + group_id.size(); }
  std::string describe() const { return "group=" + group_id; }
};

struct FindCoordinatorResponse {
  static constexpr const char* kName = "FindCoordinatorResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  BrokerId broker{-1};
  NodeId node{0};
  std::size_t wire_bytes() const { return 32; }
  std::string describe() const;
};

// What a member asks for and held: the embedded consumer protocol's subscription.
struct GroupSubscription {
  std::vector<std::string> topics;
  std::vector<TopicPartition> owned;
};

struct JoinGroupMember {
  std::string member_id;
  GroupSubscription subscription;
};

struct JoinGroupRequest {
  static constexpr const char* kName = "JoinGroup";
  std::int32_t correlation_id = 0;
  std::string group_id;
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = 300000;
  std::string member_id;  // "" for a member joining for the first time
  std::string client_id;
  std::string protocol;  // the assignment strategy ("range", ...)
  GroupSubscription subscription;
  std::string group_instance_id;
  std::size_t wire_bytes() const {
    return 64 + group_id.size() + member_id.size() + group_instance_id.size() + 16 * subscription.owned.size();
  }
  std::string describe() const;
};

struct JoinGroupResponse {
  static constexpr const char* kName = "JoinGroupResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  Generation generation{-1};
  std::string protocol;
  std::string leader;
  std::string member_id;
  std::vector<JoinGroupMember> members;  // for the leader only
  std::size_t wire_bytes() const { return 64 + 48 * members.size(); }
  std::string describe() const;
};

struct MemberAssignment {
  std::string member_id;
  std::vector<TopicPartition> partitions;
};

struct SyncGroupRequest {
  static constexpr const char* kName = "SyncGroup";
  std::int32_t correlation_id = 0;
  std::string group_id;
  Generation generation{-1};
  std::string member_id;
  std::vector<MemberAssignment> assignments;  // from the leader only
  std::string group_instance_id;
  std::size_t wire_bytes() const { return 48 + group_instance_id.size() + 48 * assignments.size(); }
  std::string describe() const;
};

struct SyncGroupResponse {
  static constexpr const char* kName = "SyncGroupResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::vector<TopicPartition> assignment;
  std::size_t wire_bytes() const { return 24 + 16 * assignment.size(); }
  std::string describe() const;
};

struct HeartbeatRequest {
  static constexpr const char* kName = "Heartbeat";
  std::int32_t correlation_id = 0;
  std::string group_id;
  Generation generation{-1};
  std::string member_id;
  std::string group_instance_id;
  std::size_t wire_bytes() const { return 40 + group_id.size() + member_id.size() + group_instance_id.size(); }
  std::string describe() const;
};

struct HeartbeatResponse {
  static constexpr const char* kName = "HeartbeatResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::size_t wire_bytes() const { return 16; }
  std::string describe() const;
};

struct LeaveGroupRequest {
  static constexpr const char* kName = "LeaveGroup";
  std::int32_t correlation_id = 0;
  std::string group_id;
  std::string member_id;
  std::size_t wire_bytes() const { return 32 + group_id.size() + member_id.size(); }
  std::string describe() const { return "group=" + group_id + " member=" + member_id; }
};

struct LeaveGroupResponse {
  static constexpr const char* kName = "LeaveGroupResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::size_t wire_bytes() const { return 16; }
  std::string describe() const;
};

struct CommittedOffset {
  TopicPartition tp;
  Offset offset{-1};
  LeaderEpoch leader_epoch{-1};  // of the record before the offset (KIP-320)
};

struct OffsetCommitRequest {
  static constexpr const char* kName = "OffsetCommit";
  std::int32_t correlation_id = 0;
  std::string group_id;
  Generation generation{-1};
  std::string member_id;
  std::vector<CommittedOffset> offsets;
  std::string group_instance_id;
  std::size_t wire_bytes() const { return 48 + group_instance_id.size() + 24 * offsets.size(); }
  std::string describe() const;
};

struct OffsetCommitResponse {
  static constexpr const char* kName = "OffsetCommitResponse";
  std::int32_t correlation_id = 0;
  std::vector<std::pair<TopicPartition, Errors>> partitions;
  std::size_t wire_bytes() const { return 16 + 16 * partitions.size(); }
  std::string describe() const;
};

struct OffsetFetchRequest {
  static constexpr const char* kName = "OffsetFetch";
  std::int32_t correlation_id = 0;
  std::string group_id;
  std::vector<TopicPartition> partitions;
  std::size_t wire_bytes() const { return 32 + 16 * partitions.size(); }
  std::string describe() const { return "group=" + group_id + " " + partition_list(partitions); }
};

struct OffsetFetchResponse {
  static constexpr const char* kName = "OffsetFetchResponse";
  std::int32_t correlation_id = 0;
  Errors error = Errors::NONE;
  std::vector<CommittedOffset> offsets;  // offset -1: nothing committed
  std::size_t wire_bytes() const { return 16 + 24 * offsets.size(); }
  std::string describe() const;
};

}  // namespace kafkasim
