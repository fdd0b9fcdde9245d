// Kafka's delayed operations and their purgatory (DelayedOperation.scala).
//
// A delayed operation waits for a condition (a produce for the high watermark to pass its
// offsets, a fetch for enough bytes) or for its timeout, whichever comes first, and completes
// exactly once. The purgatory watches operations under keys (a partition); whoever changes
// what an operation waits for calls check_and_complete(key). An ExpirationReaper advances the
// purgatory's timer on the node's Env, as Kafka's reaper thread does.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/env.h"
#include "model/timer/system_timer.h"

namespace kafkasim::timer {

class DelayedOperation : public TimerTask {
 public:
  explicit DelayedOperation(std::int64_t delay_ms) : TimerTask(delay_ms) {}

  // Completes the operation unless it already is: cancels its timeout and calls on_complete().
  // True for the one call that completed it.
  bool force_complete();
  bool is_completed() const { return completed_; }

  // Checks the condition; calls force_complete() and returns its result when it holds.
  virtual bool try_complete() = 0;
  // Sends the response; runs once, on completion or timeout.
  virtual void on_complete() = 0;
  // After on_complete(), when the completion was a timeout.
  virtual void on_expiration() = 0;

  // The timeout.
  void run() final;

 private:
  bool completed_ = false;
};

// Runs a SystemTimer on Env time: wakes when its next bucket is due, and records every task
// in the trace.
class ExpirationReaper final : public TimerObserver {
 public:
  // `test_only_fire_early_ms`: a deliberately broken timer that fires tasks that much before
  // their deadline, only for proving the timer_fired_early checker.
  ExpirationReaper(Env& env, std::string_view name, std::int64_t test_only_fire_early_ms = 0);
  ~ExpirationReaper();
  ExpirationReaper(const ExpirationReaper&) = delete;
  ExpirationReaper& operator=(const ExpirationReaper&) = delete;

  void add(std::shared_ptr<TimerTask> task);
  // The node's steady clock in milliseconds, which the timer runs on (as Kafka's on hiResClockMs).
  std::int64_t now_ms() const { return env_.steady_now().as_micros() / 1000; }
  const SystemTimer& timer() const { return timer_; }

 private:
  void rearm();
  void on_scheduled(const TimerTask& task, std::int64_t now_ms) override;
  void on_run(const TimerTask& task, std::int64_t now_ms) override;
  void on_cancelled(const TimerTask& task) override;

  Env& env_;
  std::string_view name_;
  SystemTimer timer_;
  TimerHandle wakeup_;
  std::int64_t wakeup_at_ms_ = -1;
  std::int64_t early_ms_;
};

class DelayedOperationPurgatory {
 public:
  // `name` must outlive the purgatory (a literal: "Produce", "Fetch").
  DelayedOperationPurgatory(Env& env, std::string_view name, std::size_t purge_interval = 1000,
                            std::int64_t test_only_fire_early_ms = 0);

  // Completes the operation at once if it can; otherwise watches it under every key and
  // starts its timeout. True when it completed at once.
  bool try_complete_else_watch(const std::shared_ptr<DelayedOperation>& op, const std::vector<std::string>& keys);
  // Tries to complete every operation watched under `key`; returns how many completed.
  int check_and_complete(const std::string& key);

  // Operations in the watch lists, completed ones not yet purged included.
  std::size_t watched() const;
  // Operations waiting for their timeout.
  std::size_t delayed() const { return reaper_.timer().size(); }

 private:
  void purge_completed();

  ExpirationReaper reaper_;
  std::map<std::string, std::list<std::shared_ptr<DelayedOperation>>> watchers_;
  std::size_t purge_interval_;
  std::size_t added_since_purge_ = 0;
};

}  // namespace kafkasim::timer
