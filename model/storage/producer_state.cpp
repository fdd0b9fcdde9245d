#include "model/storage/producer_state.h"

#include <limits>

namespace kafkasim::storage {

std::int32_t last_sequence(const BatchHeader& batch) {
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  const std::int32_t base = batch.base_sequence;
  const std::int32_t increment = batch.last_offset_delta;
  if (base > kMax - increment) return increment - (kMax - base) - 1;
  return base + increment;
}

namespace {

bool in_sequence(std::int32_t last_seq, std::int32_t next_seq) {
  return static_cast<std::int64_t>(next_seq) == static_cast<std::int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == std::numeric_limits<std::int32_t>::max());
}

}  // namespace

ProducerStateManager::Verdict ProducerStateManager::check(const BatchHeader& batch) const {
  Verdict v;
  const ProducerStateEntry* current = entry(batch.producer_id);
  if (current == nullptr || current->epoch == kNoProducerEpoch) return v;  // unknown: anything goes
  const std::string who = "producer " + std::to_string(batch.producer_id.value());
  if (batch.producer_epoch < current->epoch) {
    v.check = Check::invalid_producer_epoch;
    v.detail = who + " epoch " + std::to_string(batch.producer_epoch) + " is older than " + std::to_string(current->epoch);
    return v;
  }
  if (batch.producer_epoch == current->epoch) {
    const std::int32_t last = last_sequence(batch);
    for (const auto& cached : current->batches) {
      if (cached.first_seq == batch.base_sequence && cached.last_seq == last) {
        v.check = Check::duplicate;
        v.original = cached;
        return v;
      }
    }
  }
  if (batch.producer_epoch > current->epoch) {
    if (batch.base_sequence != 0) {
      v.check = Check::out_of_order_sequence;
      v.detail = who + " starts epoch " + std::to_string(batch.producer_epoch) + " at sequence " +
                 std::to_string(batch.base_sequence) + ", not 0";
    }
    return v;
  }
  const std::int32_t expected_after = current->batches.empty() ? -1 : current->batches.back().last_seq;
  if (!current->batches.empty() && !in_sequence(expected_after, batch.base_sequence)) {
    v.check = Check::out_of_order_sequence;
    v.detail = who + " sent sequence " + std::to_string(batch.base_sequence) + " after " + std::to_string(expected_after);
  }
  return v;
}

void ProducerStateManager::update(const BatchHeader& batch) {
  if (batch.producer_id.value() < 0) return;
  ProducerStateEntry& e = producers_[batch.producer_id.value()];
  if (batch.producer_epoch != e.epoch) {
    e.epoch = batch.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back({batch.base_sequence, last_sequence(batch), batch.base_offset, batch.last_offset()});
  if (e.batches.size() > kBatchesToRetain) e.batches.pop_front();
}

const ProducerStateEntry* ProducerStateManager::entry(ProducerId id) const {
  auto it = producers_.find(id.value());
  return it == producers_.end() ? nullptr : &it->second;
}

}  // namespace kafkasim::storage
