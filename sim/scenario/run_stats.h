// The `stats` of a run report, counted from the trace: records sent (in batches the producers
// finished, acknowledged or failed), acknowledged and consumed, leader elections, ISR shrinks
// and expands as the controller recorded them, group rebalances, and produce latency per batch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/invariants/state_versions.h"
#include "sim/trace.h"

namespace kafkasim::sim::scenario {

struct RunStats {
  std::uint64_t records_sent = 0;
  std::uint64_t records_acked = 0;
  std::uint64_t records_consumed = 0;
  std::uint64_t leader_elections = 0;
  std::uint64_t isr_shrinks = 0;
  std::uint64_t isr_expands = 0;
  std::uint64_t rebalances = 0;  // completed rebalances with members, every group's
  std::int64_t latency_p50_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;  // acknowledged batches
};

class RunStatsCounter final : public TraceSink {
 public:
  void on_event(const TraceRecord& record) override;
  RunStats result() const;

 private:
  RunStats stats_;
  std::map<std::string, std::size_t> isr_sizes_;  // tp -> ISR size last recorded
  invariants::StateVersions versions_;
  std::vector<std::int64_t> latencies_ms_;
};

}  // namespace kafkasim::sim::scenario
