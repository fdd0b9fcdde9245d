#include "sim/invariants/timer_checker.h"

namespace kafkasim::sim::invariants {

void TimerFiredEarly::on_event(const TraceRecord& record) {
  if (const auto* life = std::get_if<NodeLifecycle>(&record.event)) {
    // A process that ends or begins takes its timers with it; task ids start again.
    if (life->what == "kill" || life->what == "power_loss" || life->what == "restart" || life->what == "start") {
      std::erase_if(tasks_, [&](const auto& entry) { return std::get<0>(entry.first) == record.node; });
    }
  } else if (const auto* s = std::get_if<TimerScheduled>(&record.event)) {
    tasks_[{record.node, std::string(s->timer), s->task}] = Task{s->deadline_ms, record.index, 0, 0};
  } else if (const auto* c = std::get_if<TimerCancelled>(&record.event)) {
    auto it = tasks_.find({record.node, std::string(c->timer), c->task});
    if (it != tasks_.end()) it->second.cancelled_at = record.index;
  } else if (const auto* f = std::get_if<TimerFired>(&record.event)) {
    auto it = tasks_.find({record.node, std::string(f->timer), f->task});
    if (it == tasks_.end()) return;
    Task& t = it->second;
    const std::string what = std::string(f->timer) + " timer task " + std::to_string(f->task);
    if (record.time.as_micros() < t.deadline_ms * 1000) {
      report(record.time, record.node, "", -1,
             what + " fired at " + seconds_text(record.time) + ", before its deadline " + std::to_string(t.deadline_ms) + " ms",
             {t.scheduled_at, record.index});
    }
    if (t.fired_at != 0) report(record.time, record.node, "", -1, what + " fired twice", {t.fired_at, record.index});
    if (t.cancelled_at != 0) {
      report(record.time, record.node, "", -1, what + " fired after it was cancelled", {t.cancelled_at, record.index});
    }
    t.fired_at = record.index;
  }
}

}  // namespace kafkasim::sim::invariants
