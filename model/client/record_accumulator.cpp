#include "model/client/record_accumulator.h"

#include <algorithm>

namespace kafkasim::client {

std::size_t estimated_record_bytes(const PendingRecord& r) {
  constexpr std::size_t kRecordOverhead = 21;  // varints, attributes, the id header's key
  constexpr std::size_t kIdBytes = 12;
  return kRecordOverhead + kIdBytes + (r.key ? r.key->size() : 0) + r.value.size();
}

bool RecordAccumulator::needs_new_batch(const TopicPartition& tp, std::size_t bytes) const {
  auto it = queues_.find(tp);
  if (it == queues_.end() || it->second.empty()) return true;
  const ProducerBatch& last = it->second.back();
  return last.attempts > 0 || last.estimated_bytes + bytes > batch_size_;
}

bool RecordAccumulator::append(const TopicPartition& tp, PendingRecord record, std::int64_t now_ms) {
  const std::size_t bytes = estimated_record_bytes(record);
  const bool new_batch = needs_new_batch(tp, bytes);
  std::int64_t& record_number = next_record_number_[tp];
  auto& queue = queues_[tp];
  if (new_batch) {
    ProducerBatch b;
    b.tp = tp;
    b.first_record_number = record_number;
    b.created_ms = now_ms;
    queue.push_back(std::move(b));
  }
  ProducerBatch& batch = queue.back();
  batch.estimated_bytes += bytes;
  batch.records.push_back(std::move(record));
  ++record_number;
  return new_batch || batch.estimated_bytes >= batch_size_;
}

std::int64_t RecordAccumulator::ready_at_ms(const ProducerBatch& b, bool more_behind) const {
  if (b.attempts > 0) return b.retry_at_ms;
  // A batch with another behind it is full: a record did not fit.
  if (more_behind || b.estimated_bytes >= batch_size_) return b.created_ms;
  return b.created_ms + linger_ms_;
}

RecordAccumulator::Partitions RecordAccumulator::ready(std::int64_t now_ms) const {
  Partitions out;
  for (const auto& [tp, queue] : queues_) {
    if (!queue.empty() && ready_at_ms(queue.front(), queue.size() > 1) <= now_ms) out.push_back(tp);
  }
  return out;
}

std::optional<std::int64_t> RecordAccumulator::next_ready_ms() const {
  std::optional<std::int64_t> out;
  for (const auto& [tp, queue] : queues_) {
    if (queue.empty()) continue;
    const std::int64_t at = ready_at_ms(queue.front(), queue.size() > 1);
    out = out ? std::min(*out, at) : at;
  }
  return out;
}

ProducerBatch RecordAccumulator::drain(const TopicPartition& tp) {
  auto it = queues_.find(tp);
  ProducerBatch b = std::move(it->second.front());
  it->second.pop_front();
  return b;
}

void RecordAccumulator::reenqueue(ProducerBatch batch) {
  auto& queue = queues_[batch.tp];
  auto pos = queue.begin();
  // Retried batches stay in sequence order, ahead of those never sent.
  while (pos != queue.end() && pos->attempts > 0 && pos->base_sequence < batch.base_sequence) ++pos;
  queue.insert(pos, std::move(batch));
}

std::vector<ProducerBatch> RecordAccumulator::expire(std::int64_t now_ms, std::int64_t delivery_timeout_ms) {
  std::vector<ProducerBatch> out;
  for (auto& [tp, queue] : queues_) {
    while (!queue.empty() && now_ms - queue.front().created_ms >= delivery_timeout_ms) {
      out.push_back(std::move(queue.front()));
      queue.pop_front();
    }
  }
  return out;
}

}  // namespace kafkasim::client
