// timer_fired_early: no timer task fires before its deadline (by the node's steady clock when
// it ran, as the event records it, not as the timer believes), none fires twice, and a
// cancelled one never fires.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

class TimerFiredEarly final : public Checker {
 public:
  std::string_view name() const override { return "timer_fired_early"; }
  EventKinds events() const override { return kinds_of<NodeLifecycle, TimerScheduled, TimerCancelled, TimerFired>(); }
  void on_event(const TraceRecord& record) override;

 private:
  struct Task {
    bool scheduled = false;
    std::int64_t deadline_ms = 0;
    std::uint64_t scheduled_at = 0;
    std::uint64_t fired_at = 0;      // 0: not yet
    std::uint64_t cancelled_at = 0;  // 0: not cancelled
  };
  // One timer's tasks by id. A timer numbers its tasks 1, 2, 3...: they sit in an array at
  // id - 1; an id far past the others (which a correct timer never makes) goes to a map.
  class TimerTasks {
   public:
    Task& at(std::uint64_t id);
    Task* find(std::uint64_t id);

   private:
    static constexpr std::uint64_t kMaxGap = 1 << 16;
    std::vector<Task> dense_;
    std::map<std::uint64_t, Task> sparse_;
  };
  void check_fired(const TraceRecord& record, const TimerFired& fired, Task& task);
  // The task, if the trace showed it scheduled on that node's timer.
  Task* find(NodeId node, std::string_view timer, std::uint64_t task);

  std::map<NodeId, std::map<std::string, TimerTasks, std::less<>>> timers_;  // node -> timer name ->
};

}  // namespace kafkasim::sim::invariants
