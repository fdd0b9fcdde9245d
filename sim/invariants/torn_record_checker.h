// torn_record_visible: after recovery, no log exposes a record that fails its checksum.
//
// A power loss or a crash mid-write can leave a torn batch at the end of a log; recovery must
// cut the log at the first batch whose CRC fails. The checker knows, from the trace, what each
// replica appended (with each batch's CRC) and when its log last recovered. When a follower or
// a consumer receives a batch whose checksum fails, and the replica that served it wrote that
// batch before its recovery, the recovery kept a torn batch: a violation. A batch garbled after
// the recovery (a running broker's page cache corrupted) is not recovery's doing and is not
// reported here.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "sim/invariants/checker.h"
#include "sim/invariants/replica_logs.h"

namespace kafkasim::sim::invariants {

class TornRecordVisible final : public Checker {
 public:
  explicit TornRecordVisible(const ReplicaLogs& logs) : logs_(logs) {}
  std::string_view name() const override { return "torn_record_visible"; }
  EventKinds events() const override { return kinds_of<LogRecovered, CorruptBatchFetched>(); }
  void on_event(const TraceRecord& record) override;

 private:
  struct Recovery {
    std::uint64_t index = 0;  // of the log_recovered event
    SimTime time;
  };
  void check(const TraceRecord& record, const CorruptBatchFetched& fetched);

  const ReplicaLogs& logs_;
  std::map<std::pair<NodeId, std::string>, Recovery> last_recovery_;
  std::set<std::tuple<NodeId, std::string, std::int64_t>> reported_;  // (server, tp, offset)
};

}  // namespace kafkasim::sim::invariants
