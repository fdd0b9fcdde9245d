// What each replica holds, rebuilt from the trace: per broker node and partition, the batches
// in its log (first and last offset, leader epoch, CRC, first record id), its log end offset
// and high watermark, and its role.
//
// Laid out for the checkers' hot path (every event of a run goes through here): replicas are
// grouped by partition, so "the other replicas of this partition" is a short vector, and each
// replica has a dense id a checker can index its own per-replica state by.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/invariants/checker.h"
#include "sim/invariants/interned.h"
#include "sim/trace.h"

namespace kafkasim::sim::invariants {

struct BatchInfo {
  std::int64_t last_offset = 0;
  std::int32_t leader_epoch = -1;
  std::uint32_t crc = 0;
  std::uint64_t appended_at = 0;  // trace index of its append on this replica
  RecordKey first_id;  // ReplicaLogs::record_ids() names it
  bool operator==(const BatchInfo& o) const { return last_offset == o.last_offset && crc == o.crc; }
};

// A replica's batches as (first offset, batch), sorted by first offset: appends come at the
// end and truncations cut the end, so a sorted array beats a tree.
class BatchLog {
 public:
  using Entry = std::pair<std::int64_t, BatchInfo>;
  using const_iterator = std::vector<Entry>::const_iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  bool empty() const { return entries_.empty(); }
  // The first batch starting at or after `offset`.
  const_iterator lower_bound(std::int64_t offset) const;
  // The batch starting exactly at `offset`, or end().
  const_iterator find(std::int64_t offset) const;
  // The batch holding `offset`, if any.
  const Entry* holding(std::int64_t offset) const;

  // Puts a batch at its first offset, replacing one that started there.
  void put(std::int64_t first_offset, BatchInfo batch);
  // Drops every batch holding an offset at or after `end` (a partial batch goes whole).
  void cut(std::int64_t end);
  // Drops every batch wholly below `start` (what retention deleted).
  void drop_below(std::int64_t start);

 private:
  std::vector<Entry> entries_;
};

struct Replica {
  std::size_t id = 0;  // dense, in the order the trace first showed replicas
  BatchLog batches;
  std::int64_t log_start = 0;  // below it, records are gone by policy (retention), not lost
  std::int64_t log_end = 0;
  std::int64_t high_watermark = 0;
  bool leader = false;
  bool down = false;  // its broker is dead: its log waits on disk for recovery
  // Restarted from its disk and not yet told its role: the controller's ISR may still name the
  // broker, but this incarnation has not rejoined anything (KIP-380 fences it when it registers).
  bool awaiting_role = false;
  std::int32_t leader_epoch = -1;
  // The batch holding `offset`, if any.
  const BatchLog::Entry* batch_at(std::int64_t offset) const { return batches.holding(offset); }
};

// One partition's replicas, in the order the trace first showed them.
using PartitionReplicas = std::vector<std::pair<NodeId, Replica>>;

// One ReplicaLogs serves every checker of a suite: it is built from the trace alone, before
// the checkers see each event.
class ReplicaLogs {
 public:
  // Applies the events that change what a replica holds.
  void apply(const TraceRecord& record);
  // The kinds of event apply() reads.
  static EventKinds events();

  const Replica* find(NodeId node, const std::string& tp) const;
  // The partition's replicas the trace has shown; empty for a partition it has not.
  const PartitionReplicas& replicas_of(const std::string& tp) const;
  // How many replicas there are: every Replica::id is below this.
  std::size_t replica_count() const { return replica_count_; }
  // The broker id a node runs as (from BrokerStarted); -1 if unknown.
  std::int32_t broker_of(NodeId node) const;
  std::optional<NodeId> node_of(std::int32_t broker) const;
  // "broker-2", or "node 7" for a node not known as a broker.
  std::string name_of(NodeId node) const;
  // The record ids of every BatchInfo, and of whatever else a checker keeps beside them.
  RecordIds& record_ids() const { return record_ids_; }

 private:
  Replica& replica(NodeId node, const std::string& tp);
  template <class F>
  void for_each_replica_of(NodeId node, F&& f);

  using Partitions = std::unordered_map<std::string, PartitionReplicas>;
  // The partition `tp` names, through the memo below.
  const Partitions::value_type* lookup(const std::string& tp) const;

  Partitions partitions_;  // looked up, never iterated in order-sensitive ways; never erased from
  // The last partition looked up. An event is about one partition, which the logs and then each
  // checker look up, so most lookups compare a short name instead of hashing it (hashing was
  // a tenth of a checked run). Entries never move (an unordered_map's nodes stay put).
  mutable const Partitions::value_type* last_ = nullptr;
  std::size_t replica_count_ = 0;
  std::vector<std::pair<NodeId, std::int32_t>> broker_ids_;  // (node, broker id), in start order
  // Mutable as a cache is: a checker interning an id changes no answer of these logs.
  mutable RecordIds record_ids_;
};

}  // namespace kafkasim::sim::invariants
