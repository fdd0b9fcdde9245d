// ProducerStateManager: the broker side of the idempotent producer (KIP-98), kept with the log.
//
// Per producer id, the epoch and the metadata of its last five batches. A leader checks each
// incoming batch: an older epoch is rejected (INVALID_PRODUCER_EPOCH); a new epoch must start
// at sequence 0; within an epoch the first sequence must follow the last one (wrapping at
// INT32_MAX), else OUT_OF_ORDER_SEQUENCE_NUMBER; a batch equal to one of the cached five is a
// retry whose first attempt was written: it is not written again, and the producer is told the
// offsets of the original. Followers record without checking. The state is rebuilt from the
// batches of the log when it opens or is truncated.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "model/storage/record_batch.h"

namespace kafkasim::storage {

struct ProducerBatchMetadata {
  std::int32_t first_seq = 0;
  std::int32_t last_seq = 0;
  Offset first_offset;
  Offset last_offset;
  friend bool operator==(const ProducerBatchMetadata&, const ProducerBatchMetadata&) = default;
};

struct ProducerStateEntry {
  std::int16_t epoch = kNoProducerEpoch;
  std::deque<ProducerBatchMetadata> batches;  // the last kBatchesToRetain, oldest first
};

// The sequence number of a batch's last record: base sequence plus last offset delta, wrapping
// at INT32_MAX as Kafka's does.
std::int32_t last_sequence(const BatchHeader& batch);

class ProducerStateManager {
 public:
  static constexpr std::size_t kBatchesToRetain = 5;

  enum class Check { append, duplicate, out_of_order_sequence, invalid_producer_epoch };
  struct Verdict {
    Check check = Check::append;
    ProducerBatchMetadata original;  // for a duplicate
    std::string detail;              // for a rejection
  };

  // What a leader does with `batch` (whose offsets are not assigned yet).
  Verdict check(const BatchHeader& batch) const;
  // Records a batch written at its offsets.
  void update(const BatchHeader& batch);
  void clear() { producers_.clear(); }

  const ProducerStateEntry* entry(ProducerId id) const;
  std::size_t producer_count() const { return producers_.size(); }

 private:
  std::map<std::int64_t, ProducerStateEntry> producers_;
};

}  // namespace kafkasim::storage
