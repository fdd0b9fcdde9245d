#include "model/timer/system_timer.h"

namespace kafkasim::timer {

SystemTimer::SystemTimer(std::int64_t start_ms, std::int64_t tick_ms, int wheel_size)
    : wheel_(tick_ms, wheel_size, start_ms, queue_, context_) {}

void SystemTimer::add(std::shared_ptr<TimerTask> task, std::int64_t now_ms) {
  if (task->id_ == 0) task->id_ = next_task_id_++;
  task->expiration_ms_ = now_ms + task->delay_ms();
  if (context_.observer) context_.observer->on_scheduled(*task, now_ms);
  add_or_run(std::move(task), now_ms);
}

void SystemTimer::add_or_run(std::shared_ptr<TimerTask> task, std::int64_t now_ms) {
  const std::shared_ptr<TimerTask> due = wheel_.add(std::move(task));
  if (!due) return;
  // Due within the current tick: runs now (Kafka hands it to its executor thread).
  if (context_.observer) context_.observer->on_run(*due, now_ms);
  due->run();
}

void SystemTimer::advance_clock(std::int64_t now_ms) {
  while (!queue_.empty() && queue_.next_expiration_ms() <= now_ms) {
    TimerTaskList* bucket = queue_.poll();
    wheel_.advance_clock(bucket->expiration_ms());
    bucket->flush([this, now_ms](std::shared_ptr<TimerTask> task) { add_or_run(std::move(task), now_ms); });
  }
}

std::optional<std::int64_t> SystemTimer::next_expiration_ms() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.next_expiration_ms();
}

}  // namespace kafkasim::timer
