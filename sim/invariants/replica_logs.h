// What each replica holds, rebuilt from the trace: per broker node and partition, the batches
// in its log (first and last offset, leader epoch, CRC, first record id), its log end offset
// and high watermark, and its role.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sim/trace.h"

namespace kafkasim::sim::invariants {

struct BatchInfo {
  std::int64_t last_offset = 0;
  std::int32_t leader_epoch = -1;
  std::uint32_t crc = 0;
  std::string first_id;
  std::uint64_t appended_at = 0;  // trace index of its append on this replica
  bool operator==(const BatchInfo& o) const { return last_offset == o.last_offset && crc == o.crc; }
};

struct Replica {
  std::map<std::int64_t, BatchInfo> batches;  // by first offset
  std::int64_t log_end = 0;
  std::int64_t high_watermark = 0;
  bool leader = false;
  bool down = false;  // its broker is dead: its log waits on disk for recovery
  // Restarted from its disk and not yet told its role: the controller's ISR may still name the
  // broker, but this incarnation has not rejoined anything (KIP-380 fences it when it registers).
  bool awaiting_role = false;
  std::int32_t leader_epoch = -1;
  // The batch holding `offset`, if any.
  const std::pair<const std::int64_t, BatchInfo>* batch_at(std::int64_t offset) const;
};

// One ReplicaLogs serves every checker of a suite: it is built from the trace alone, before
// the checkers see each event.
class ReplicaLogs {
 public:
  // Applies the events that change what a replica holds. Returns true for those.
  bool apply(const TraceRecord& record);
  // Whether apply() would change anything for this event.
  static bool affects(const TraceEvent& event);

  const Replica* find(NodeId node, const std::string& tp) const;
  const std::map<std::pair<NodeId, std::string>, Replica>& all() const { return replicas_; }
  // The broker id a node runs as (from BrokerStarted); -1 if unknown.
  std::int32_t broker_of(NodeId node) const;
  std::optional<NodeId> node_of(std::int32_t broker) const;
  // "broker-2", or "node 7" for a node not known as a broker.
  std::string name_of(NodeId node) const;

 private:
  std::map<std::pair<NodeId, std::string>, Replica> replicas_;
  std::map<NodeId, std::int32_t> broker_ids_;
};

}  // namespace kafkasim::sim::invariants
