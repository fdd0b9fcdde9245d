#include "model/broker/offsets_log_on_replicas.h"

namespace kafkasim::broker {

void OffsetsLogOnReplicas::append(std::int32_t partition, ByteView batch, std::int16_t acks, std::int32_t timeout_ms,
                                  std::function<void(Errors)> done) {
  replicas_.append_records(acks, timeout_ms, {ProducePartition{offsets_partition(partition), {std::move(batch)}}},
                           [done = std::move(done)](const std::vector<ProducePartitionResponse>& results) {
                             done(results.empty() ? Errors::UNKNOWN_TOPIC_OR_PARTITION : results.front().error);
                           });
}

std::optional<std::vector<ByteView>> OffsetsLogOnReplicas::read_all(std::int32_t partition) {
  Partition* p = replicas_.partition(offsets_partition(partition));
  if (!p) return std::vector<ByteView>{};
  // The whole log, across segments, as GroupMetadataManager's loading loop reads it.
  auto all = p->log().read_to_end(p->log().log_start_offset());
  if (!all.ok()) return std::nullopt;
  return std::move(all.value());
}

}  // namespace kafkasim::broker
