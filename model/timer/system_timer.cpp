#include "model/timer/system_timer.h"

namespace kafkasim::timer {

SystemTimer::SystemTimer(std::int64_t start_ms, std::int64_t tick_ms, int wheel_size)
    : wheel_(tick_ms, wheel_size, start_ms, queue_, chunks_, context_) {}

void SystemTimer::add(std::shared_ptr<TimerTask> task, std::int64_t now_ms) {
  if (task->id_ == 0) task->id_ = next_task_id_++;
  if (task->pending()) task->withdraw();  // moves: its old slot stays behind, dead
  task->expiration_ms_ = now_ms + task->delay_ms();
  if (TimerObserver* o = context_.observer) o->on_scheduled(*task, now_ms);
  if (wheel_.due(task->expiration_ms_)) {
    run(std::move(task), now_ms);
  } else {
    task->timer_ = &context_;
    ++context_.pending;
    const std::int64_t expiration_ms = task->expiration_ms_;
    const std::uint32_t generation = task->generation_;
    wheel_.add(TimerSlot{expiration_ms, std::move(task), generation});
  }
  sweep_if_worthwhile();
}

void SystemTimer::run(std::shared_ptr<TimerTask> task, std::int64_t now_ms) {
  // Due within the current tick: runs now (Kafka hands it to its executor thread).
  if (TimerObserver* o = context_.observer) o->on_run(*task, now_ms);
  task->run();
}

void SystemTimer::place(TimerSlot& slot, std::int64_t now_ms) {
  if (!wheel_.due(slot.expiration_ms)) {
    wheel_.add(std::move(slot));  // dead or alive: a dead slot is dropped when due, or swept
  } else if (slot.live()) {
    std::shared_ptr<TimerTask> task = std::move(slot.task);
    task->withdraw();
    --context_.dead_slots;  // its slot, dropped here
    run(std::move(task), now_ms);
  } else {
    slot.task.reset();
    --context_.dead_slots;
  }
}

void SystemTimer::advance_clock(std::int64_t now_ms) {
  const bool nested = flushing_;  // a task that runs may drive the clock itself
  flushing_ = true;
  while (!queue_.empty() && queue_.next_expiration_ms() <= now_ms) {
    TimerTaskList* bucket = queue_.poll();
    wheel_.advance_clock(bucket->expiration_ms());
    // Only the tasks about to run are worth fetching: the others move down as slots.
    bucket->flush([this, now_ms](TimerSlot& slot) { place(slot, now_ms); }, wheel_.runs_before_ms());
  }
  flushing_ = nested;
  sweep_if_worthwhile();
}

void SystemTimer::sweep_if_worthwhile() {
  if (flushing_ || context_.dead_slots < kMinDeadSlotsToSweep || context_.dead_slots <= context_.pending) return;
  // Tasks let go only after the sweep: a task's destructor may use the timer.
  std::vector<std::shared_ptr<TimerTask>> dropped;
  dropped.reserve(context_.dead_slots);
  context_.dead_slots -= wheel_.sweep(dropped);
}

std::optional<std::int64_t> SystemTimer::next_expiration_ms() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.next_expiration_ms();
}

}  // namespace kafkasim::timer
