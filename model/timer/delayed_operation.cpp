#include "model/timer/delayed_operation.h"

#include <algorithm>

namespace kafkasim::timer {

bool DelayedOperation::force_complete() {
  if (completed_) return false;
  completed_ = true;
  cancel();
  on_complete();
  return true;
}

void DelayedOperation::run() {
  if (force_complete()) on_expiration();
}

ExpirationReaper::ExpirationReaper(Env& env, std::string_view name, std::int64_t test_only_fire_early_ms)
    : env_(env), name_(name), timer_(env.steady_now().as_micros() / 1000), early_ms_(test_only_fire_early_ms) {
  timer_.set_observer(this);
}

ExpirationReaper::~ExpirationReaper() {
  wakeup_.cancel();
  timer_.set_observer(nullptr);
}

void ExpirationReaper::add(std::shared_ptr<TimerTask> task) {
  timer_.add(std::move(task), now_ms());
  rearm();
}

void ExpirationReaper::rearm() {
  const auto next = timer_.next_expiration_ms();
  if (!next) {
    wakeup_.cancel();
    wakeup_at_ms_ = -1;
    return;
  }
  if (wakeup_.pending() && wakeup_at_ms_ == *next) return;
  wakeup_.cancel();
  wakeup_at_ms_ = *next;
  const std::int64_t delay_us = std::max<std::int64_t>(0, (*next - early_ms_) * 1000 - env_.steady_now().as_micros());
  wakeup_ = env_.after(Duration::micros(delay_us), [this] {
    wakeup_at_ms_ = -1;
    timer_.advance_clock(now_ms() + early_ms_);
    rearm();
  });
}

void ExpirationReaper::on_scheduled(const TimerTask& task, std::int64_t) {
  env_.trace(TimerScheduled{name_, task.id(), task.expiration_ms()});
}

void ExpirationReaper::on_run(const TimerTask& task, std::int64_t) {
  env_.trace(TimerFired{name_, task.id(), task.expiration_ms(), now_ms()});
}

void ExpirationReaper::on_cancelled(const TimerTask& task) { env_.trace(TimerCancelled{name_, task.id()}); }

DelayedOperationPurgatory::DelayedOperationPurgatory(Env& env, std::string_view name, std::size_t purge_interval,
                                                     std::int64_t test_only_fire_early_ms)
    : reaper_(env, name, test_only_fire_early_ms), purge_interval_(purge_interval) {}

bool DelayedOperationPurgatory::try_complete_else_watch(const std::shared_ptr<DelayedOperation>& op,
                                                        const std::vector<std::string>& keys) {
  if (op->try_complete()) return true;
  for (const auto& key : keys) watchers_[key].push_back(op);
  // As Kafka: after watching, the condition may have become true; check once more.
  if (op->try_complete()) return false;
  if (!op->is_completed()) reaper_.add(op);
  if (++added_since_purge_ >= purge_interval_) purge_completed();
  return false;
}

int DelayedOperationPurgatory::check_and_complete(const std::string& key) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return 0;
  int completed = 0;
  auto& ops = it->second;
  for (auto op = ops.begin(); op != ops.end();) {
    if ((*op)->is_completed()) {
      op = ops.erase(op);
    } else if ((*op)->try_complete()) {
      ++completed;
      op = ops.erase(op);
    } else {
      ++op;
    }
  }
  if (ops.empty()) watchers_.erase(it);
  return completed;
}

std::size_t DelayedOperationPurgatory::watched() const {
  std::size_t n = 0;
  for (const auto& [key, ops] : watchers_) n += ops.size();
  return n;
}

void DelayedOperationPurgatory::purge_completed() {
  added_since_purge_ = 0;
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    it->second.remove_if([](const auto& op) { return op->is_completed(); });
    it = it->second.empty() ? watchers_.erase(it) : std::next(it);
  }
}

}  // namespace kafkasim::timer
