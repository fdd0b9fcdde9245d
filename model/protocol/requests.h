// Kafka's requests and responses between simulated nodes, as plain structs (one partition
// per produce request, as a producer with one batch per partition sends). Record data is a
// list of shared chunks of whole batches: nothing is copied between a segment and a fetcher.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/protocol/bytes.h"
#include "model/protocol/errors.h"
#include "model/protocol/types.h"

namespace kafkasim {

inline std::size_t chunks_bytes(const std::vector<ByteView>& chunks) {
  std::size_t n = 0;
  for (const auto& c : chunks) n += c.size();
  return n;
}

// "1,2,3": a list of brokers (an ISR, replicas) as traces and logs print it.
std::string broker_list(const std::vector<BrokerId>& brokers);
// The reverse; nothing when a part is not a number.
std::optional<std::vector<BrokerId>> parse_broker_list(std::string_view text);

// LeaderAndIsr: the controller tells a broker who leads a partition, in which epoch.
struct PartitionState {
  TopicPartition tp;
  ControllerEpoch controller_epoch;
  BrokerId leader;
  LeaderEpoch leader_epoch;
  std::vector<BrokerId> isr;
  std::vector<BrokerId> replicas;
  // The version of this state in the controller's store (Kafka's zkVersion, later the
  // partition epoch): an ISR change proposed against an older version is refused.
  std::int32_t partition_epoch = 0;
};

struct LeaderAndIsrRequest {
  static constexpr const char* kName = "LeaderAndIsr";
  std::int32_t correlation_id = 0;
  BrokerId controller_id;
  ControllerEpoch controller_epoch;
  std::vector<PartitionState> partitions;
  std::vector<std::pair<BrokerId, NodeId>> brokers;  // where each broker can be reached
  std::size_t wire_bytes() const { return 64 + partitions.size() * 48; }
  std::string describe() const;
};

struct LeaderAndIsrResponse {
  static constexpr const char* kName = "LeaderAndIsrResponse";
  std::int32_t correlation_id = 0;
  std::vector<std::pair<TopicPartition, Errors>> partitions;
  std::size_t wire_bytes() const { return 16 + partitions.size() * 24; }
  std::string describe() const;
};

// AlterIsr (KIP-497): a leader proposes a new ISR for its partition to the controller, which
// writes it only if leader epoch and partition epoch are still the current ones.
struct AlterIsrItem {
  TopicPartition tp;
  LeaderEpoch leader_epoch;
  std::vector<BrokerId> new_isr;
  std::int32_t partition_epoch = 0;  // the version the proposal is based on
};

struct AlterIsrRequest {
  static constexpr const char* kName = "AlterIsr";
  BrokerId broker_id;
  std::vector<AlterIsrItem> partitions;
  std::size_t wire_bytes() const { return 32 + partitions.size() * 40; }
  std::string describe() const;
};

// The controller's answer per partition: the state now recorded, or why nothing was written.
struct AlterIsrResult {
  TopicPartition tp;
  Errors error = Errors::NONE;
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{-1};
  std::vector<BrokerId> isr;
  std::int32_t partition_epoch = 0;
};

struct AlterIsrResponse {
  static constexpr const char* kName = "AlterIsrResponse";
  std::vector<AlterIsrResult> partitions;
  std::size_t wire_bytes() const { return 16 + partitions.size() * 40; }
  std::string describe() const;
};

// One partition's records in a produce request.
struct ProducePartition {
  TopicPartition tp;
  std::vector<ByteView> records;
};

// As Kafka's: one request carries the ready batches of every partition the broker leads.
struct ProduceRequest {
  static constexpr const char* kName = "Produce";
  std::int32_t correlation_id = 0;
  std::int16_t acks = -1;  // 0, 1, or -1 (all)
  std::int32_t timeout_ms = 30000;
  std::vector<ProducePartition> partitions;
  std::size_t wire_bytes() const {
    std::size_t bytes = 48;
    for (const auto& p : partitions) bytes += 16 + chunks_bytes(p.records);
    return bytes;
  }
  std::string describe() const;
};

struct ProducePartitionResponse {
  TopicPartition tp;
  Errors error = Errors::NONE;
  Offset base_offset{-1};
};

struct ProduceResponse {
  static constexpr const char* kName = "ProduceResponse";
  std::int32_t correlation_id = 0;
  std::vector<ProducePartitionResponse> partitions;
  std::size_t wire_bytes() const { return 48 + 24 * partitions.size(); }
  std::string describe() const;
};

struct FetchPartition {
  TopicPartition tp;
  Offset fetch_offset;
  LeaderEpoch current_leader_epoch{-1};  // KIP-320; -1: not checked
  std::int32_t max_bytes = 1048576;
};

struct FetchRequest {
  static constexpr const char* kName = "Fetch";
  std::int32_t correlation_id = 0;
  BrokerId replica_id{-1};  // a follower's broker id; -1 for a consumer
  std::int32_t max_wait_ms = 500;
  std::int32_t min_bytes = 1;
  std::vector<FetchPartition> partitions;
  std::size_t wire_bytes() const { return 48 + partitions.size() * 32; }
  std::string describe() const;
};

struct FetchedPartition {
  TopicPartition tp;
  Errors error = Errors::NONE;
  Offset high_watermark{-1};
  Offset log_start_offset{-1};
  std::vector<ByteView> records;
};

struct FetchResponse {
  static constexpr const char* kName = "FetchResponse";
  std::int32_t correlation_id = 0;
  std::vector<FetchedPartition> partitions;
  std::size_t wire_bytes() const {
    std::size_t n = 16;
    for (const auto& p : partitions) n += 32 + chunks_bytes(p.records);
    return n;
  }
  std::string describe() const;
};

// ListOffsets: a consumer asks the leader for the earliest (-2) or latest (-1) offset, or the
// first offset at or after a timestamp.
inline constexpr std::int64_t kEarliestTimestamp = -2;
inline constexpr std::int64_t kLatestTimestamp = -1;

struct ListOffsetsPartition {
  TopicPartition tp;
  std::int64_t timestamp = kLatestTimestamp;
  LeaderEpoch current_leader_epoch{-1};
};

struct ListOffsetsRequest {
  static constexpr const char* kName = "ListOffsets";
  std::int32_t correlation_id = 0;
  std::vector<ListOffsetsPartition> partitions;
  BrokerId replica_id{-1};  // a follower's broker id; -1 for a consumer
  std::size_t wire_bytes() const { return 32 + partitions.size() * 32; }
  std::string describe() const;
};

struct ListedOffset {
  TopicPartition tp;
  Errors error = Errors::NONE;
  Offset offset{-1};
  LeaderEpoch leader_epoch{-1};
};

struct ListOffsetsResponse {
  static constexpr const char* kName = "ListOffsetsResponse";
  std::int32_t correlation_id = 0;
  std::vector<ListedOffset> partitions;
  std::size_t wire_bytes() const { return 16 + partitions.size() * 32; }
  std::string describe() const;
};

// KIP-101: a follower asks where its latest leader epoch ends on the leader.
struct EpochQuery {
  TopicPartition tp;
  LeaderEpoch current_leader_epoch;  // KIP-320 fencing, as in Fetch
  LeaderEpoch leader_epoch;          // the epoch whose end offset is wanted
};

struct OffsetsForLeaderEpochRequest {
  static constexpr const char* kName = "OffsetsForLeaderEpoch";
  std::int32_t correlation_id = 0;
  BrokerId replica_id{-1};
  std::vector<EpochQuery> partitions;
  std::size_t wire_bytes() const { return 32 + partitions.size() * 32; }
  std::string describe() const;
};

struct EpochEndOffset {
  TopicPartition tp;
  Errors error = Errors::NONE;
  LeaderEpoch leader_epoch{-1};  // the largest epoch <= the one asked for; -1: unknown
  Offset end_offset{-1};
};

struct OffsetsForLeaderEpochResponse {
  static constexpr const char* kName = "OffsetsForLeaderEpochResponse";
  std::int32_t correlation_id = 0;
  std::vector<EpochEndOffset> partitions;
  std::size_t wire_bytes() const { return 16 + partitions.size() * 32; }
  std::string describe() const;
};

}  // namespace kafkasim
