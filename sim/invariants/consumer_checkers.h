// The invariants about what consumers see: consumer_read_uncommitted and consumer_order.
#pragma once

#include <map>
#include <string>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

// A consumer never receives a record at or above the leader's high watermark at the time of
// the fetch (as the leader reported what it sent).
class ConsumerReadUncommitted final : public Checker {
 public:
  std::string_view name() const override { return "consumer_read_uncommitted"; }
  EventKinds events() const override { return kinds_of<FetchServed>(); }
  void on_event(const TraceRecord& record) override;
};

// Within one assignment a consumer sees a partition's offsets strictly increasing. A reset it
// reports (KIP-320 truncation detected) and a new group assignment start afresh.
class ConsumerOrder final : public Checker {
 public:
  std::string_view name() const override { return "consumer_order"; }
  EventKinds events() const override { return kinds_of<ConsumerTruncationDetected, RecordsConsumed, GroupAssignmentReceived>(); }
  void on_event(const TraceRecord& record) override;

 private:
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::uint64_t>> last_;  // (client, tp) ->
};

}  // namespace kafkasim::sim::invariants
