// The records of __consumer_offsets, as Kafka's GroupMetadataManager writes them: a committed
// offset (key version 1: group, topic, partition; value: offset, leader epoch, commit time) and
// a group's metadata (key version 2: group; value: generation, protocol, leader and each
// member with its subscription and assignment). Big-endian fields, strings with an int16
// length, as Kafka's schemas. The log is compacted by key in Kafka; here the latest record of
// a key wins when a coordinator loads the partition.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/protocol/bytes.h"
#include "model/protocol/group_requests.h"
#include "model/storage/record_batch.h"

namespace kafkasim::group {

inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";

// Which partition of __consumer_offsets holds a group: abs(groupId.hashCode) % partitions, with
// Java's String.hashCode, so a group lands where Kafka would put it.
std::int32_t partition_for(std::string_view group_id, std::int32_t partitions);

struct OffsetCommitRecord {
  std::string group_id;
  CommittedOffset committed;
  std::int64_t commit_timestamp_ms = 0;
};

struct StoredMember {
  std::string member_id;
  std::string group_instance_id;  // "" for a dynamic member
  std::string client_id;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;
  GroupSubscription subscription;
  std::vector<TopicPartition> assignment;
};

struct GroupMetadataRecord {
  std::string group_id;
  Generation generation{0};
  std::string protocol;
  std::string leader;
  std::vector<StoredMember> members;
};

struct EncodedRecord {
  Buffer key;
  Buffer value;
};

EncodedRecord encode(const OffsetCommitRecord& record);
EncodedRecord encode(const GroupMetadataRecord& record);

// Nothing when the bytes are not one of the two records (or a tombstone, value null).
std::optional<std::variant<OffsetCommitRecord, GroupMetadataRecord>> decode(storage::ByteSpan key, storage::ByteSpan value);

}  // namespace kafkasim::group
