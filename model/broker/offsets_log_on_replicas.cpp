#include "model/broker/offsets_log_on_replicas.h"

#include "model/storage/record_batch.h"

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
  storage::Log& log = p->log();
  // A read stops at the end of its segment, as Kafka's does: read on to the log end, as
  // GroupMetadataManager's loading loop does.
  std::vector<ByteView> all;
  for (Offset next = log.log_start_offset(); next < log.log_end_offset();) {
    auto read = log.read(next, SIZE_MAX, log.log_end_offset(), true);
    if (!read.ok()) return std::nullopt;
    const auto batches = read.value().records.batches();
    if (batches.empty()) break;
    all.insert(all.end(), batches.begin(), batches.end());
    next = storage::decode_batch_header(batches.back().data()).next_offset();
  }
  return all;
}

}  // namespace kafkasim::broker
