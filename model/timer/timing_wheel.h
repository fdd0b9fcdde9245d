// Kafka's hierarchical timing wheel (TimingWheel.scala / TimingWheel.java).
//
// A wheel is a ring of `wheel_size` buckets, each covering one tick of `tick_ms`. A task due
// at time T goes in bucket (T / tick_ms) % wheel_size if T falls within the wheel's span,
// [current_time, current_time + tick_ms * wheel_size). A task due later goes to an overflow
// wheel whose tick is this wheel's whole span, created the first time it is needed, and so on
// up. Adding is O(number of wheels), cancelling is O(1) (see timer_task_list.h), against
// O(log n) for both with a priority queue.
//
// Buckets, not tasks, are kept in a priority queue by their expiration (the start of their
// span). When the clock reaches a bucket, every wheel's current time moves to it and each task
// in the bucket is added again (its slot is, without touching the task): it falls into a finer
// wheel, or, being due within this tick, runs. A task therefore never runs before its
// expiration, since with tick_ms = 1 a task runs only from the bucket whose expiration is its
// own.
//
// Worked example, with Kafka's purgatory settings tick_ms = 1 and wheel_size = 20:
//
//   level  tick_ms  span      a task due at 1234 ms, added at time 0
//   1      1        20 ms     1234 >= 0 + 20: overflow
//   2      20       400 ms    1234 >= 0 + 400: overflow
//   3      400      8 s       1234 < 8000: bucket 1234/400 = 3, expires at 1200
//
//   at 1200: bucket [1200, 1600) of level 3 expires; the clocks move to 1200; the task is
//            added again: level 1 span ends at 1220, so level 2: bucket 1234/20 = 61
//            (slot 61 % 20 = 1), expires at 1220
//   at 1220: added again: level 1 now spans [1220, 1240): bucket 1234 (slot 14), expires at 1234
//   at 1234: added again: due before 1234 + 1, so it runs, at 1234.
//
// Unlike Kafka, no thread drives the clock: the owner calls SystemTimer::advance_clock with
// its node's time, and an ExpirationReaper on Env wakes it when the next bucket is due.
#pragma once

#include <bit>
#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/timer/timer_task_list.h"

namespace kafkasim::timer {

class BucketQueue;

class TimingWheel {
 public:
  TimingWheel(std::int64_t tick_ms, int wheel_size, std::int64_t start_ms, BucketQueue& queue, SlotChunkPool& pool,
              TimerContext& context);

  // Tasks that expire before this are due within the current tick: they run instead of waiting.
  std::int64_t runs_before_ms() const { return current_time_ms_ + tick_ms_; }
  bool due(std::int64_t expiration_ms) const { return expiration_ms < runs_before_ms(); }
  // Puts a slot that is not due in its bucket, on this wheel or an overflow wheel.
  void add(TimerSlot&& slot);
  void advance_clock(std::int64_t time_ms);
  // Drops every dead slot from every bucket (see TimerTaskList::sweep); returns how many.
  std::size_t sweep(std::vector<std::shared_ptr<TimerTask>>& dropped);

  std::int64_t current_time_ms() const { return current_time_ms_; }
  std::int64_t tick_ms() const { return tick_ms_; }
  const TimingWheel* overflow() const { return overflow_.get(); }

 private:
  // Divides a non-negative time by a wheel's tick or size without a division instruction (tens
  // of cycles, and every task added pays two per wheel it lands in): a shift for a power of two,
  // otherwise a multiplication by a precomputed reciprocal, M = ceil(2^64 / d), which is exact
  // for every x < 2^64 / d (x / d + x (M - 2^64/d) / 2^64 stays below the next integer);
  // larger x, which no simulated clock reaches, divide the slow way.
  class Divisor {
   public:
    explicit Divisor(std::int64_t d)
        : d_(static_cast<std::uint64_t>(d)),
          shift_(std::has_single_bit(d_) ? std::countr_zero(d_) : -1),
          reciprocal_(UINT64_MAX / d_ + 1),
          exact_below_(UINT64_MAX / d_) {}
    std::int64_t quotient(std::int64_t x) const {
      assert(x >= 0);
      const auto u = static_cast<std::uint64_t>(x);
      if (shift_ >= 0) return static_cast<std::int64_t>(u >> shift_);
      if (u >= exact_below_) return static_cast<std::int64_t>(u / d_);
      return static_cast<std::int64_t>((static_cast<Uint128>(u) * reciprocal_) >> 64);
    }
    std::int64_t remainder(std::int64_t x) const { return x - quotient(x) * static_cast<std::int64_t>(d_); }

   private:
    __extension__ typedef unsigned __int128 Uint128;  // GCC's and clang's, which -Wpedantic names

    std::uint64_t d_;
    int shift_;
    std::uint64_t reciprocal_;
    std::uint64_t exact_below_;
  };

  std::int64_t tick_ms_;
  int wheel_size_;
  Divisor tick_divisor_;
  Divisor size_divisor_;
  std::int64_t interval_ms_;
  std::int64_t current_time_ms_;
  BucketQueue& queue_;
  SlotChunkPool& pool_;
  TimerContext& context_;
  std::vector<std::unique_ptr<TimerTaskList>> buckets_;
  std::unique_ptr<TimingWheel> overflow_;
};

// Buckets by expiration: Kafka's DelayQueue. Ties go to the bucket queued first, so the order
// never depends on addresses.
class BucketQueue {
 public:
  void offer(TimerTaskList* bucket);
  bool empty() const { return heap_.empty(); }
  std::int64_t next_expiration_ms() const { return heap_.front().expiration_ms; }
  TimerTaskList* poll();

 private:
  struct Entry {
    std::int64_t expiration_ms;
    std::uint64_t seq;
    TimerTaskList* bucket;
    bool operator>(const Entry& o) const {
      return expiration_ms > o.expiration_ms || (expiration_ms == o.expiration_ms && seq > o.seq);
    }
  };
  std::vector<Entry> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace kafkasim::timer
