// A bucket of a timing wheel: the tasks due in one tick's span, as an intrusive doubly linked
// list, and the time the bucket expires (the start of its span).
#pragma once

#include <cstdint>
#include <memory>

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
  explicit TimerTaskList(TimerContext& context) : context_(context) { root_.next_ = root_.prev_ = &root_; }
  TimerTaskList(const TimerTaskList&) = delete;
  TimerTaskList& operator=(const TimerTaskList&) = delete;
  ~TimerTaskList();

  // Links the task at the end, taking it out of any other bucket first.
  void add(std::shared_ptr<TimerTask> task);
  // Unlinks the task; returns the reference the bucket held, so the caller decides when it goes.
  std::shared_ptr<TimerTask> remove(TimerTask* task);
  // Takes every task out at once (the chain is spliced off), then hands each, in order, to
  // `reinsert`, which may add tasks to any bucket, this one included. The bucket is then unset.
  template <class Reinsert>
  void flush(Reinsert&& reinsert) {
    if (size_ == 0) {
      expiration_ms_ = -1;
      return;
    }
    TimerTask* chain = root_.next_;
    root_.prev_->next_ = nullptr;
    root_.next_ = root_.prev_ = &root_;
    context_.pending -= size_;
    size_ = 0;
    expiration_ms_ = -1;
    while (chain != nullptr) {
      TimerTask* next = chain->next_;
      chain->prev_ = chain->next_ = nullptr;
      chain->list_ = nullptr;
      reinsert(std::move(chain->keep_alive_));
      chain = next;
    }
  }

  // Returns whether the expiration changed: a bucket is queued again only then.
  bool set_expiration(std::int64_t expiration_ms);
  std::int64_t expiration_ms() const { return expiration_ms_; }
  std::size_t size() const { return size_; }
  TimerObserver* observer() const { return context_.observer; }

 private:
  struct Root final : TimerTask {
    Root() : TimerTask(0) {}
    void run() override {}
  };
  Root root_;  // sentinel
  std::int64_t expiration_ms_ = -1;
  std::size_t size_ = 0;
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
