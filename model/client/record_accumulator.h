// Kafka's RecordAccumulator: records wait in per-partition batches until a batch is full
// (batch.size) or has waited linger.ms; the sender then drains ready batches, one per
// partition at a time. A failed batch comes back for a retry after retry.backoff.ms, ahead of
// newer batches, and keeps its bytes and sequence number so that the broker can recognise a
// duplicate (idempotence).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "model/protocol/bytes.h"
#include "model/protocol/types.h"

namespace kafkasim::client {

struct PendingRecord {
  std::optional<std::string> key;
  std::string value;
  std::int64_t timestamp_ms = 0;
};

struct ProducerBatch {
  TopicPartition tp;
  std::vector<PendingRecord> records;
  std::size_t estimated_bytes = 0;
  std::int64_t first_record_number = 0;  // record ids are "<client>:<n>", consecutive in a batch
  std::int64_t created_ms = 0;
  std::int32_t attempts = 0;  // sends so far
  std::int64_t retry_at_ms = 0;
  // Set when first sent; a retry sends the same bytes with the same sequence.
  std::optional<ByteView> encoded;
  // Idempotence: numbered when first sent, under its partition's producer id and epoch.
  ProducerId producer_id{-1};
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  // Numbered again after its partition's sequence was rejected (Kafka's sequenceHasBeenReset):
  // an answer to the old numbering is no reason to fail it.
  bool sequence_reset = false;
  std::int32_t record_count() const { return static_cast<std::int32_t>(records.size()); }
};

class RecordAccumulator {
 public:
  RecordAccumulator(std::size_t batch_size, std::int64_t linger_ms) : batch_size_(batch_size), linger_ms_(linger_ms) {}

  // Whether a record of `bytes` would start a new batch of `tp` (the last one is full or absent).
  bool needs_new_batch(const TopicPartition& tp, std::size_t bytes) const;
  // Returns whether the sender has something new to look at: a batch was started (a new linger
  // deadline) or is now full (ready at once), Kafka's newBatchCreated || batchIsFull.
  bool append(const TopicPartition& tp, PendingRecord record, std::int64_t now_ms);
  // Partitions whose first batch may be sent now: full, lingered long enough, or a retry whose
  // backoff has passed (and any batch when flushing).
  using Partitions = boost::container::small_vector<TopicPartition, 16>;
  Partitions ready(std::int64_t now_ms) const;
  // When ready() next changes by time alone; nothing when no batch waits.
  std::optional<std::int64_t> next_ready_ms() const;
  const ProducerBatch& first(const TopicPartition& tp) const { return queues_.at(tp).front(); }
  ProducerBatch drain(const TopicPartition& tp);
  // A batch to send again: ahead of batches never sent, after retries with lower sequences.
  void reenqueue(ProducerBatch batch);
  // Batches waiting longer than `delivery_timeout_ms` since they were created, removed.
  std::vector<ProducerBatch> expire(std::int64_t now_ms, std::int64_t delivery_timeout_ms);
  // Every waiting batch.
  template <class F>
  void for_each_batch(F&& f) {
    for (auto& [tp, queue] : queues_) {
      for (ProducerBatch& b : queue) f(b);
    }
  }
  template <class P>
  bool any_batch(P&& pred) const {
    for (const auto& [tp, queue] : queues_) {
      for (const ProducerBatch& b : queue) {
        if (pred(b)) return true;
      }
    }
    return false;
  }

 private:
  std::int64_t ready_at_ms(const ProducerBatch& b, bool more_behind) const;

  std::size_t batch_size_;
  std::int64_t linger_ms_;
  // A queue per partition written to, kept when empty as Kafka keeps its deques: a partition's
  // next batch then reuses its queue's memory.
  std::map<TopicPartition, std::deque<ProducerBatch>> queues_;
  std::map<TopicPartition, std::int64_t> next_record_number_;
};

// Bytes a record adds to a batch, about as Kafka estimates them.
std::size_t estimated_record_bytes(const PendingRecord& r);

}  // namespace kafkasim::client
