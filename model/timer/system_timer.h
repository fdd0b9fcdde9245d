// SystemTimer: a timing wheel with the queue of its buckets (Kafka's SystemTimer), driven by
// whoever owns it: add() tasks at the owner's time, advance_clock() to run what is due.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "model/timer/timing_wheel.h"

namespace kafkasim::timer {

class SystemTimer {
 public:
  explicit SystemTimer(std::int64_t start_ms = 0, std::int64_t tick_ms = 1, int wheel_size = 20);
  SystemTimer(const SystemTimer&) = delete;
  SystemTimer& operator=(const SystemTimer&) = delete;

  // Schedules the task delay_ms after now_ms; runs it at once when that is not in the future.
  // A task still pending is moved to its new deadline.
  void add(std::shared_ptr<TimerTask> task, std::int64_t now_ms);
  // Runs every task due at or before now_ms, bucket by bucket in order of expiration.
  void advance_clock(std::int64_t now_ms);
  // When the next bucket is due, if any task is pending.
  std::optional<std::int64_t> next_expiration_ms() const;
  // Tasks waiting in the wheel (cancelled ones leave at once).
  std::size_t size() const { return context_.pending; }
  // Slots that cancelled tasks left in their buckets, not yet dropped (see timer_task_list.h).
  std::size_t dead_slots() const { return context_.dead_slots; }
  const TimingWheel& wheel() const { return wheel_; }

  void set_observer(TimerObserver* observer) { context_.observer = observer; }

 private:
  // A slot handed out by a flush: runs its task if still pending and due, files it in a finer
  // wheel if not due, or drops it if dead.
  void place(TimerSlot& slot, std::int64_t now_ms);
  void run(std::shared_ptr<TimerTask> task, std::int64_t now_ms);
  // Sweeps the buckets once dead slots outnumber pending tasks (and a minimum); never while a
  // bucket is being flushed.
  void sweep_if_worthwhile();

  static constexpr std::size_t kMinDeadSlotsToSweep = 1024;

  TimerContext context_;  // before the wheel: its buckets refer to it
  SlotChunkPool chunks_;  // before the wheel: its buckets give their chunks back
  BucketQueue queue_;
  TimingWheel wheel_;
  std::uint64_t next_task_id_ = 1;
  bool flushing_ = false;
};

}  // namespace kafkasim::timer
