// The invariants about what replicas hold (SCENARIO_FORMAT.md): committed_record_lost,
// hw_exceeds_isr_leo, replica_divergence, acked_write_lost. They read the suite's ReplicaLogs.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/invariants/checker.h"
#include "sim/invariants/state_versions.h"
#include "sim/invariants/replica_logs.h"

namespace kafkasim::sim::invariants {

// Once a batch is below a leader's high watermark it is committed: every later leader must
// hold it, and a consumer that reads its offsets must get its records.
class CommittedRecordLost final : public Checker {
 public:
  explicit CommittedRecordLost(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "committed_record_lost"; }
  EventKinds events() const override { return kinds_of<LogTruncated, HighWatermarkUpdated, BecameLeaderOrFollower, RecordsConsumed>(); }
  void on_event(const TraceRecord& record) override;

 private:
  struct Committed {
    BatchInfo batch;
    SimTime at;
    NodeId leader;
    std::int32_t epoch;
    std::int64_t high_watermark;
    std::uint64_t evidence;  // the high watermark event
  };
  void commit_below_high_watermark(const TraceRecord& record, const std::string& tp, const Replica& leader);
  void check_new_leader(const TraceRecord& record, const std::string& tp, const Replica& leader);
  void check_consumed(const TraceRecord& record, const RecordsConsumed& consumed);

  const ReplicaLogs& logs_;
  std::map<std::string, std::map<std::int64_t, Committed>> committed_;  // tp -> first offset ->
  // Where the next leader's high watermark pass starts: the end of what is committed, or lower
  // where a loss was reported and the offsets are free to be committed anew.
  std::map<std::string, std::int64_t> rescan_from_;
  std::map<std::pair<NodeId, std::string>, std::pair<LogTruncated, std::uint64_t>> last_truncation_;
};

// The leader's high watermark never exceeds the log end offset of a replica in the ISR as the
// controller records it.
class HwExceedsIsrLeo final : public Checker {
 public:
  explicit HwExceedsIsrLeo(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "hw_exceeds_isr_leo"; }
  EventKinds events() const override { return kinds_of<PartitionStateRecorded, HighWatermarkUpdated, LogTruncated, LogRecovered, BecameLeaderOrFollower>(); }
  void on_event(const TraceRecord& record) override;

 private:
  void check(const TraceRecord& record, const std::string& tp);

  const ReplicaLogs& logs_;
  std::map<std::string, std::pair<std::vector<BrokerId>, std::uint64_t>> isr_;  // tp -> (brokers, event)
  StateVersions versions_;
  std::set<std::pair<std::string, std::int32_t>> reported_;  // (tp, broker): once each
};

// Two replicas never hold different batches at an offset below both of their high watermarks.
class ReplicaDivergence final : public Checker {
 public:
  explicit ReplicaDivergence(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "replica_divergence"; }
  EventKinds events() const override { return kinds_of<LogTruncated, LogRecovered, HighWatermarkUpdated>(); }
  void on_event(const TraceRecord& record) override;

 private:
  void check(const TraceRecord& record, NodeId node, const std::string& tp);
  // Below this offset the replica's log was compared with every other replica's.
  std::int64_t& verified_to(NodeId node, const std::string& tp);

  const ReplicaLogs& logs_;
  std::vector<std::int64_t> verified_to_;  // by Replica::id
  std::set<std::pair<std::string, std::int64_t>> reported_;  // (tp, offset)
};

// A write acknowledged with acks=all is in the log at the end of the run. Lost acks=1 writes
// are reported too, as findings outside Kafka's promise (SCENARIO_FORMAT.md: not hidden).
class AckedWriteLost final : public Checker {
 public:
  explicit AckedWriteLost(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "acked_write_lost"; }
  EventKinds events() const override { return kinds_of<ProduceAnswered, ProducerBatchDone>(); }
  void on_event(const TraceRecord& record) override;
  void finish(SimTime end) override;

 private:
  struct Acked {  // 56 bytes: a long run acknowledges hundreds of thousands of batches
    std::int64_t base_offset;
    RecordKey first_id;
    SimTime at;
    std::uint64_t evidence;
    std::uint32_t tp;  // in partitions_
    NodeId node;
    std::uint32_t crc = 0;  // 0: unknown (told by a client)
    std::int16_t acks;  // -1 (all) or 1
  };
  const ReplicaLogs& logs_;
  Interner partitions_;
  std::vector<Acked> acked_;
};

}  // namespace kafkasim::sim::invariants
