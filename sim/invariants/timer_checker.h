// timer_fired_early: no timer task fires before its deadline (by the node's clock, as the trace
// records it, not as the timer believes), none fires twice, and a cancelled one never fires.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

class TimerFiredEarly final : public Checker {
 public:
  std::string_view name() const override { return "timer_fired_early"; }
  void on_event(const TraceRecord& record) override;

 private:
  struct Task {
    std::int64_t deadline_ms = 0;
    std::uint64_t scheduled_at = 0;
    std::uint64_t fired_at = 0;      // 0: not yet
    std::uint64_t cancelled_at = 0;  // 0: not cancelled
  };
  std::map<std::tuple<NodeId, std::string, std::uint64_t>, Task> tasks_;  // (node, timer, task) ->
};

}  // namespace kafkasim::sim::invariants
