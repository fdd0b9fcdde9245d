// duplicate_write, an invariant beyond SCENARIO_FORMAT.md's list: an idempotent producer's
// record is written once (KIP-98). A retry of a batch whose first attempt reached the log is
// answered DUPLICATE_SEQUENCE_NUMBER with the original's offsets, never written again, so no
// partition commits one such record at two offsets. A producer without enable.idempotence
// promises at least once: its retries may write a record twice, which Kafka documents, and the
// checker leaves them alone.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/invariants/checker.h"
#include "sim/invariants/replica_logs.h"

namespace kafkasim::sim::invariants {

class DuplicateWrite final : public Checker {
 public:
  explicit DuplicateWrite(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "duplicate_write"; }
  EventKinds events() const override { return kinds_of<RecordsAppended, HighWatermarkUpdated>(); }
  void on_event(const TraceRecord& record) override;

 private:
  // A committed batch of one producer's records, numbered first_n..last_n by their ids.
  struct Copy {
    std::int64_t first_n;
    std::int64_t last_n;
    std::int64_t offset;
    std::uint32_t crc;
    std::uint64_t appended_at;  // trace index
    SimTime committed_at;
  };
  void commit_below_high_watermark(const TraceRecord& record, const std::string& tp, const Replica& leader);
  void commit(const TraceRecord& record, const std::string& tp, std::size_t partition, const Replica& leader,
              std::int64_t offset, const BatchInfo& batch);
  // The copies of `client`'s records committed in `partition`, sorted by first_n.
  std::vector<Copy>& copies_of(std::size_t partition, std::uint32_t client);

  const ReplicaLogs& logs_;
  // By partition (see commit_below_high_watermark): below it, every batch was looked at.
  std::vector<std::int64_t> scanned_to_;
  std::vector<std::int64_t> producer_ids_;  // seen on a leader's append
  std::vector<bool> idempotent_;           // by RecordKey::client: its batches carry a producer id
  // By partition, per client: disjoint runs of record numbers, committed mostly in order.
  std::vector<std::vector<std::pair<std::uint32_t, std::vector<Copy>>>> copies_;
};

}  // namespace kafkasim::sim::invariants
