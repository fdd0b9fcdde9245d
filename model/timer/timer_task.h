// A task for Kafka's timer: something to run once, after a delay, unless cancelled first.
#pragma once

#include <cstdint>
#include <memory>

namespace kafkasim::timer {

struct TimerContext;

class TimerTask {
 public:
  explicit TimerTask(std::int64_t delay_ms) : delay_ms_(delay_ms) {}
  virtual ~TimerTask() = default;
  TimerTask(const TimerTask&) = delete;
  TimerTask& operator=(const TimerTask&) = delete;

  virtual void run() = 0;
  // Takes the task out of its timer: it never runs. Does nothing once it ran.
  void cancel();

  std::int64_t delay_ms() const { return delay_ms_; }
  // When it is due, on the timer's millisecond clock; -1 until added.
  std::int64_t expiration_ms() const { return expiration_ms_; }
  bool pending() const { return timer_ != nullptr; }
  // The timer's id of this task, for the trace; 0 until added.
  std::uint64_t id() const { return id_; }

 protected:
  // For a task that sets itself again with a new delay once it ran.
  void set_delay_ms(std::int64_t delay_ms) { delay_ms_ = delay_ms; }

 private:
  friend struct TimerSlot;
  friend class TimerTaskList;
  friend class SystemTimer;

  std::int64_t delay_ms_;
  std::int64_t expiration_ms_ = -1;
  std::uint64_t id_ = 0;
  // Takes the task out of the timer it is pending in: its slot there is dead from now on.
  void withdraw();

  // The timer the task is pending in, if any.
  TimerContext* timer_ = nullptr;
  // Moves on each time the task enters or leaves a timer: a bucket's slot whose generation is
  // not the task's is what is left of a cancelled (or re-added) task.
  std::uint32_t generation_ = 0;
};

}  // namespace kafkasim::timer
