// The group coordinator's view of a broker's __consumer_offsets partitions: appends go
// through the replica manager as any produce (acks, the produce purgatory), and loading reads
// a partition's whole log.
#pragma once

#include "model/broker/replica_manager.h"
#include "model/group/group_coordinator.h"

namespace kafkasim::broker {

// __consumer_offsets-<partition>.
inline TopicPartition offsets_partition(std::int32_t partition) {
  return TopicPartition{TopicName(group::kOffsetsTopic), partition};
}

class OffsetsLogOnReplicas final : public group::OffsetsLog {
 public:
  explicit OffsetsLogOnReplicas(ReplicaManager& replicas) : replicas_(replicas) {}
  void append(std::int32_t partition, ByteView batch, std::int16_t acks, std::int32_t timeout_ms,
              std::function<void(Errors)> done) override;
  std::optional<std::vector<ByteView>> read_all(std::int32_t partition) override;

 private:
  ReplicaManager& replicas_;
};

}  // namespace kafkasim::broker
