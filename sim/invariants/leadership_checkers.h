// The invariants about who leads: multiple_leaders and epoch_regression.
#pragma once

#include <map>
#include <set>
#include <string>

#include "sim/invariants/checker.h"
#include "sim/invariants/state_versions.h"

namespace kafkasim::sim::invariants {

// At most one broker acts as leader of a partition in one leader epoch.
class MultipleLeaders final : public Checker {
 public:
  std::string_view name() const override { return "multiple_leaders"; }
  EventKinds events() const override { return kinds_of<BecameLeaderOrFollower>(); }
  void on_event(const TraceRecord& record) override;

 private:
  std::map<std::pair<std::string, std::int32_t>, std::pair<NodeId, std::uint64_t>> leader_of_;  // (tp, epoch) ->
};

// Leader epochs (on every broker, and as the controller records them) and the controller
// epoch never go backwards.
class EpochRegression final : public Checker {
 public:
  std::string_view name() const override { return "epoch_regression"; }
  EventKinds events() const override { return kinds_of<BecameLeaderOrFollower, PartitionStateRecorded, ControllerElected>(); }
  void on_event(const TraceRecord& record) override;

 private:
  void rise(std::map<std::string, std::pair<std::int32_t, std::uint64_t>>& seen, const std::string& key,
            std::int32_t epoch, const TraceRecord& record, const std::string& what, const std::string& tp);

  std::map<std::string, std::pair<std::int32_t, std::uint64_t>> broker_epochs_;      // "node/tp" ->
  std::map<std::string, std::pair<std::int32_t, std::uint64_t>> recorded_epochs_;    // tp ->
  std::map<std::string, std::pair<std::int32_t, std::uint64_t>> controller_epochs_;  // "" ->
  StateVersions versions_;
};

}  // namespace kafkasim::sim::invariants
