#include "model/timer/timing_wheel.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace kafkasim::timer {

TimingWheel::TimingWheel(std::int64_t tick_ms, int wheel_size, std::int64_t start_ms, BucketQueue& queue,
                         SlotChunkPool& pool, TimerContext& context)
    : tick_ms_(tick_ms),
      wheel_size_(wheel_size),
      tick_divisor_(tick_ms),
      size_divisor_(wheel_size),
      interval_ms_(tick_ms * wheel_size),
      current_time_ms_(start_ms - start_ms % tick_ms),
      queue_(queue),
      pool_(pool),
      context_(context) {
  buckets_.reserve(static_cast<std::size_t>(wheel_size));
  for (int i = 0; i < wheel_size; ++i) buckets_.push_back(std::make_unique<TimerTaskList>(pool_, context_));
}

void TimingWheel::add(TimerSlot&& slot) {
  assert(!due(slot.expiration_ms));
  // Up the wheels to the first whose span holds the expiration (a loop, not a call per wheel).
  TimingWheel* wheel = this;
  while (slot.expiration_ms >= wheel->current_time_ms_ + wheel->interval_ms_) {
    if (!wheel->overflow_) {
      wheel->overflow_ = std::make_unique<TimingWheel>(wheel->interval_ms_, wheel_size_, wheel->current_time_ms_, queue_, pool_, context_);
    }
    wheel = wheel->overflow_.get();
  }
  const std::int64_t virtual_id = wheel->tick_divisor_.quotient(slot.expiration_ms);
  TimerTaskList& bucket = *wheel->buckets_[static_cast<std::size_t>(wheel->size_divisor_.remainder(virtual_id))];
  bucket.add(std::move(slot));
  // Queued only when the bucket's expiration changed: a bucket is in the queue at most once.
  if (bucket.set_expiration(virtual_id * wheel->tick_ms_)) queue_.offer(&bucket);
}

void TimingWheel::advance_clock(std::int64_t time_ms) {
  if (time_ms < current_time_ms_ + tick_ms_) return;
  current_time_ms_ = time_ms - tick_divisor_.remainder(time_ms);
  if (overflow_) overflow_->advance_clock(current_time_ms_);
}

std::size_t TimingWheel::sweep(std::vector<std::shared_ptr<TimerTask>>& dropped) {
  std::size_t count = 0;
  for (const auto& bucket : buckets_) count += bucket->sweep(dropped);
  if (overflow_) count += overflow_->sweep(dropped);
  return count;
}

void BucketQueue::offer(TimerTaskList* bucket) {
  heap_.push_back(Entry{bucket->expiration_ms(), next_seq_++, bucket});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

TimerTaskList* BucketQueue::poll() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  TimerTaskList* bucket = heap_.back().bucket;
  heap_.pop_back();
  return bucket;
}

}  // namespace kafkasim::timer
