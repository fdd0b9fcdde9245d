// The invariants about what consumers see: consumer_read_uncommitted, consumer_order and,
// beyond the contract, consumer_skipped_record.
#pragma once

#include <map>
#include <string>

#include "sim/invariants/checker.h"

namespace kafkasim::sim::invariants {

// What each consumer received of each partition within its current assignment: (its node, tp)
// -> (an offset, the trace index of the consumption that set it).
using PerAssignment = std::map<std::pair<NodeId, std::string>, std::pair<std::int64_t, std::uint64_t>>;

// A consumer never receives a record at or above the leader's high watermark at the time of
// the fetch (as the leader reported what it sent).
class ConsumerReadUncommitted final : public Checker {
 public:
  std::string_view name() const override { return "consumer_read_uncommitted"; }
  EventKinds events() const override { return kinds_of<FetchServed>(); }
  void on_event(const TraceRecord& record) override;
};

// Within one assignment a consumer sees a partition's offsets strictly increasing. A reset it
// reports (KIP-320 truncation detected), a new group assignment and the end of its process
// (a restarted consumer begins again) start afresh.
class ConsumerOrder final : public Checker {
 public:
  std::string_view name() const override { return "consumer_order"; }
  EventKinds events() const override {
    return kinds_of<ConsumerTruncationDetected, RecordsConsumed, GroupAssignmentReceived, NodeLifecycle>();
  }
  void on_event(const TraceRecord& record) override;

 private:
  PerAssignment last_;  // the highest offset received
};

// Within one assignment a consumer receives every offset of a partition from where it began:
// a fetched batch is handed out or fetched again, never stepped over (Kafka's at-least-once
// delivery). It starts afresh at a new group assignment, a reset of an out-of-range position
// (auto.offset.reset, which may skip on purpose), a truncation it detected (KIP-320) and the
// end of its process. The simulated brokers run no log cleaner, so a partition's offsets have
// no holes; compaction would make some, and this checker would then have to ask the log which
// offsets exist.
class ConsumerSkippedRecord final : public Checker {
 public:
  std::string_view name() const override { return "consumer_skipped_record"; }
  EventKinds events() const override {
    return kinds_of<ConsumerTruncationDetected, ConsumerOffsetReset, RecordsConsumed, GroupAssignmentReceived,
                    NodeLifecycle>();
  }
  void on_event(const TraceRecord& record) override;

 private:
  PerAssignment next_;  // the next offset it must receive
};

}  // namespace kafkasim::sim::invariants
