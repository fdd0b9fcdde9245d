// The checkers of a run, by their names in SCENARIO_FORMAT.md, fed every trace event as it is
// recorded.
#pragma once

#include <optional>

#include "sim/invariants/liveness_checker.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/invariants/checker.h"
#include "sim/invariants/replica_logs.h"

namespace kafkasim::sim::invariants {

class InvariantSuite final : public TraceSink {
 public:
  // Every implemented checker, or those named. Throws std::invalid_argument naming an unknown one.
  // `liveness` runs only given what the liveness phase must reach.
  // `canary` runs only when named, and fails when `seed` is a multiple of 100.
  explicit InvariantSuite(const std::vector<std::string>& names = {},
                          std::optional<LivenessExpectations> liveness = std::nullopt, std::uint64_t seed = 1);
  static const std::vector<std::string>& implemented();
  // Every invariant name of SCENARIO_FORMAT.md, implemented or not.
  static const std::vector<std::string>& contract();
  // Checkers beyond the contract: "duplicate_write" and "consumer_skipped_record" (run with the
  // rest), "canary" (only when named).
  static const std::vector<std::string>& extensions();

  void on_event(const TraceRecord& record) override;
  void finish(SimTime end);
  // Every violation found, in the order found.
  std::vector<Violation> violations() const;

 private:
  ReplicaLogs logs_;  // what each replica holds, shared by the checkers that need it
  std::vector<std::unique_ptr<Checker>> checkers_;
  // By event kind: whether the replica logs apply it, and the checkers that read it.
  std::vector<bool> logs_read_;
  std::vector<std::vector<Checker*>> readers_;
};

}  // namespace kafkasim::sim::invariants
