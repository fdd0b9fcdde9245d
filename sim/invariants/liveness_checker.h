// liveness: after the liveness phase (every fault healed at `healed_at`, then the settle
// period), every partition has a leader, every ISR holds all replicas, and producers and
// consumers make progress again. Judged at the end of the run from the controller's recorded
// partition states and from the clients' own trace events.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/invariants/checker.h"
#include "sim/invariants/state_versions.h"

namespace kafkasim::sim::invariants {

struct LivenessExpectations {
  SimTime healed_at;
  std::map<std::string, std::vector<std::int32_t>> replicas;  // "orders-0" -> replica broker ids
  std::vector<std::string> producers;  // client ids that must have a batch acknowledged after the heal
  std::vector<std::string> consumers;  // client ids that must receive records after the heal
};

class Liveness final : public Checker {
 public:
  explicit Liveness(LivenessExpectations expected) : expected_(std::move(expected)) {}
  std::string_view name() const override { return "liveness"; }
  EventKinds events() const override {
    return kinds_of<PartitionStateRecorded, ProducerBatchDone, RecordsConsumed, GroupMemberFenced>();
  }
  void on_event(const TraceRecord& record) override;
  void finish(SimTime end) override;

 private:
  struct Recorded {
    std::int32_t leader = -1;
    std::int32_t leader_epoch = 0;
    std::string isr;
    std::uint64_t index = 0;
  };
  LivenessExpectations expected_;
  std::map<std::string, Recorded> states_;  // tp -> the controller's latest record
  StateVersions versions_;
  std::set<std::string> producers_acked_, consumers_fed_;  // since the heal
  std::set<std::string> consumers_stopped_;                // fenced (KIP-345), at any time
};

// canary: no Kafka invariant. It fails on every hundredth seed (0, 100, 200, ...), so that a
// sweep asking for it proves the harness reports, counts and replays failing seeds. Runs only
// when named.
class Canary final : public Checker {
 public:
  explicit Canary(std::uint64_t seed) : seed_(seed) {}
  std::string_view name() const override { return "canary"; }
  EventKinds events() const override { return {}; }
  void on_event(const TraceRecord&) override {}
  void finish(SimTime end) override;

 private:
  std::uint64_t seed_;
};

}  // namespace kafkasim::sim::invariants
