// A bucket of a timing wheel: the tasks due in one tick's span, and the time the bucket
// expires (the start of its span).
//
// Kafka links a bucket's tasks in a doubly linked list. Here they sit in an array, in the order
// they were added: adding appends, cancelling empties the task's slot (still O(1)), and a flush
// walks the array front to back, fetching tasks ahead of the walk. A linked list costs a cache
// miss per task at every level a task passes through, which with a million timers pending is
// most of the timer's time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/timer/timer_task.h"

namespace kafkasim::timer {

class TimerObserver;

// What every bucket of one timer shares: who to tell, and how many tasks are pending.
struct TimerContext {
  TimerObserver* observer = nullptr;
  std::size_t pending = 0;
};

class TimerTaskList {
 public:
  explicit TimerTaskList(TimerContext& context) : context_(context) {}
  TimerTaskList(const TimerTaskList&) = delete;
  TimerTaskList& operator=(const TimerTaskList&) = delete;
  ~TimerTaskList();

  // Puts the task at the end, taking it out of any other bucket first.
  void add(std::shared_ptr<TimerTask> task);
  // Takes the task out; returns the reference the bucket held, so the caller decides when it goes.
  std::shared_ptr<TimerTask> remove(TimerTask* task);
  // Takes out, in order, every task the bucket holds when the flush starts and hands each to
  // `reinsert`, which may add tasks to any bucket (this one included: they stay for a later
  // flush) and cancel tasks not yet handed out (they are skipped). The bucket is then unset.
  template <class Reinsert>
  void flush(Reinsert&& reinsert) {
    expiration_ms_ = -1;
    flushing_ = true;
    const std::size_t end = slots_.size();
    for (std::size_t i = 0; i < end; ++i) {
      // Fetch a task a few slots ahead: the walk is sequential, the tasks are not.
      if (i + kPrefetchDistance < end) prefetch(slots_[i + kPrefetchDistance].get());
      if (!slots_[i]) continue;  // cancelled
      std::shared_ptr<TimerTask> task = std::move(slots_[i]);
      task->list_ = nullptr;
      --size_;
      --context_.pending;
      reinsert(std::move(task));
    }
    flushing_ = false;
    drop_flushed(end);
  }

  // Returns whether the expiration changed: a bucket is queued again only then.
  bool set_expiration(std::int64_t expiration_ms);
  std::int64_t expiration_ms() const { return expiration_ms_; }
  std::size_t size() const { return size_; }
  TimerObserver* observer() const { return context_.observer; }

 private:
  static constexpr std::size_t kPrefetchDistance = 8;
  // Asks for the cache lines a task's run touches: its reference counts (just before it when
  // made with make_shared), its first line and the next one. A prefetch never faults, but the
  // address arithmetic must not start from an empty (cancelled) slot's null.
  static void prefetch(const TimerTask* task) {
    if (task == nullptr) return;
    const auto at = reinterpret_cast<std::uintptr_t>(task);
    __builtin_prefetch(reinterpret_cast<const void*>(at - 16));
    __builtin_prefetch(task);
    __builtin_prefetch(reinterpret_cast<const void*>(at + 64));
  }
  // Forgets the first `count` slots, all empty after a flush, keeping the array's capacity.
  void drop_flushed(std::size_t count);

  std::vector<std::shared_ptr<TimerTask>> slots_;  // a cancelled task leaves its slot empty
  std::int64_t expiration_ms_ = -1;
  std::size_t size_ = 0;  // tasks in the slots
  bool flushing_ = false;
  TimerContext& context_;
};

// Told of every task scheduled, run and cancelled (the trace, for the timer checker).
class TimerObserver {
 public:
  virtual void on_scheduled(const TimerTask& task, std::int64_t now_ms) = 0;
  virtual void on_run(const TimerTask& task, std::int64_t now_ms) = 0;
  virtual void on_cancelled(const TimerTask& task) = 0;

 protected:
  ~TimerObserver() = default;
};

}  // namespace kafkasim::timer
