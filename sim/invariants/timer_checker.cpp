#include "sim/invariants/timer_checker.h"

namespace kafkasim::sim::invariants {

void TimerFiredEarly::on_event(const TraceRecord& record) {
  if (const auto* life = std::get_if<NodeLifecycle>(&record.event)) {
    // A process that ends or begins takes its timers with it; task ids start again.
    if (life->ends_process() || life->what == "restart" || life->what == "start") {
      timers_.erase(record.node);
    }
  } else if (const auto* s = std::get_if<TimerScheduled>(&record.event)) {
    auto& by_name = timers_[record.node];
    auto timer = by_name.find(s->timer);
    if (timer == by_name.end()) timer = by_name.emplace(std::string(s->timer), TimerTasks{}).first;
    timer->second.at(s->task) = Task{true, s->deadline_ms, record.index, 0, 0};
  } else if (const auto* c = std::get_if<TimerCancelled>(&record.event)) {
    if (Task* t = find(record.node, c->timer, c->task)) t->cancelled_at = record.index;
  } else if (const auto* f = std::get_if<TimerFired>(&record.event)) {
    if (Task* t = find(record.node, f->timer, f->task)) check_fired(record, *f, *t);
  }
}

TimerFiredEarly::Task* TimerFiredEarly::find(NodeId node, std::string_view timer, std::uint64_t task) {
  auto by_name = timers_.find(node);
  if (by_name == timers_.end()) return nullptr;
  auto tasks = by_name->second.find(timer);
  if (tasks == by_name->second.end()) return nullptr;
  return tasks->second.find(task);
}

TimerFiredEarly::Task& TimerFiredEarly::TimerTasks::at(std::uint64_t id) {
  if (auto it = sparse_.find(id); it != sparse_.end()) return it->second;
  if (id == 0 || id > dense_.size() + kMaxGap) return sparse_[id];
  if (id > dense_.size()) dense_.resize(id);
  return dense_[id - 1];
}

TimerFiredEarly::Task* TimerFiredEarly::TimerTasks::find(std::uint64_t id) {
  if (id != 0 && id <= dense_.size() && dense_[id - 1].scheduled) return &dense_[id - 1];
  auto it = sparse_.find(id);
  return it != sparse_.end() ? &it->second : nullptr;
}

void TimerFiredEarly::check_fired(const TraceRecord& record, const TimerFired& fired, Task& t) {
  // On the clock the deadline is on, as the event records it when the task ran (not as the
  // timer believes: a broken timer's own clock runs ahead).
  const bool early = fired.now_ms < t.deadline_ms;
  if (early || t.fired_at != 0 || t.cancelled_at != 0) {
    const std::string what = std::string(fired.timer) + " timer task " + std::to_string(fired.task);
    if (early) {
      report(record.time, record.node, "", -1,
             what + " fired when its clock read " + std::to_string(fired.now_ms) + " ms, before its deadline " +
                 std::to_string(t.deadline_ms) + " ms",
             {t.scheduled_at, record.index});
    }
    if (t.fired_at != 0) report(record.time, record.node, "", -1, what + " fired twice", {t.fired_at, record.index});
    if (t.cancelled_at != 0) {
      report(record.time, record.node, "", -1, what + " fired after it was cancelled", {t.cancelled_at, record.index});
    }
  }
  t.fired_at = record.index;
}

}  // namespace kafkasim::sim::invariants
