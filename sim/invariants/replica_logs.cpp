#include "sim/invariants/replica_logs.h"

#include <algorithm>
#include <cstdio>

#include "model/partition_point.h"

namespace kafkasim::sim::invariants {

std::string seconds_text(SimTime t) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f s", static_cast<double>(t.as_micros()) / 1e6);
  return out;
}

// --- BatchLog ----------------------------------------------------------------------------

BatchLog::const_iterator BatchLog::lower_bound(std::int64_t offset) const {
  // Checkers look near the end: the newest batches, just under a high watermark.
  return partition_point_from_end(entries_.begin(), entries_.end(), [offset](const Entry& e) { return e.first < offset; });
}

BatchLog::const_iterator BatchLog::find(std::int64_t offset) const {
  auto it = lower_bound(offset);
  return it != entries_.end() && it->first == offset ? it : entries_.end();
}

const BatchLog::Entry* BatchLog::holding(std::int64_t offset) const {
  // The last batch starting at or before `offset`: the one before the first starting after it.
  auto it = lower_bound(offset);
  if (it != entries_.end() && it->first == offset) return &*it;
  if (it == entries_.begin()) return nullptr;
  --it;
  return it->second.last_offset >= offset ? &*it : nullptr;
}

void BatchLog::put(std::int64_t first_offset, BatchInfo batch) {
  if (entries_.empty() || entries_.back().first < first_offset) {
    entries_.emplace_back(first_offset, std::move(batch));
    return;
  }
  auto at = entries_.begin() + (lower_bound(first_offset) - entries_.cbegin());
  if (at->first == first_offset) {
    at->second = std::move(batch);
  } else {
    entries_.emplace(at, first_offset, std::move(batch));
  }
}

void BatchLog::cut(std::int64_t end) {
  entries_.erase(entries_.begin() + (lower_bound(end) - entries_.cbegin()), entries_.end());
  if (!entries_.empty() && entries_.back().second.last_offset >= end) entries_.pop_back();
}

void BatchLog::drop_below(std::int64_t start) {
  auto keep = std::find_if(entries_.begin(), entries_.end(), [start](const Entry& e) { return e.second.last_offset >= start; });
  entries_.erase(entries_.begin(), keep);
}

// --- ReplicaLogs -------------------------------------------------------------------------

namespace {

void cut(Replica& r, std::int64_t end) {
  r.batches.cut(end);
  r.log_end = end;
  r.high_watermark = std::min(r.high_watermark, end);
}

}  // namespace

const ReplicaLogs::Partitions::value_type* ReplicaLogs::lookup(const std::string& tp) const {
  if (last_ != nullptr && last_->first == tp) return last_;
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return nullptr;
  last_ = &*it;
  return last_;
}

Replica& ReplicaLogs::replica(NodeId node, const std::string& tp) {
  auto entry = partitions_.try_emplace(tp).first;
  last_ = &*entry;  // the checkers ask next about this event's partition
  PartitionReplicas& replicas = entry->second;
  for (auto& [n, r] : replicas) {
    if (n == node) return r;
  }
  Replica& fresh = replicas.emplace_back(node, Replica{}).second;
  fresh.id = replica_count_++;
  return fresh;
}

template <class F>
void ReplicaLogs::for_each_replica_of(NodeId node, F&& f) {
  // Each replica is touched alone, so the hash order of partitions cannot change the outcome.
  for (auto& [tp, replicas] : partitions_) {
    for (auto& [n, r] : replicas) {
      if (n == node) f(r);
    }
  }
}

void ReplicaLogs::apply(const TraceRecord& record) {
  const TraceEvent& e = record.event;
  const auto learn = [&](const auto& b) {
    Replica& r = replica(record.node, b.tp);
    r.batches.put(b.first_offset, BatchInfo{b.last_offset, b.leader_epoch, b.crc, record.index, record_ids_.key(b.first_id)});
    r.log_end = std::max(r.log_end, b.last_offset + 1);
  };
  if (const auto* a = std::get_if<RecordsAppended>(&e)) return learn(*a);
  // What the disk kept may differ from what was traced before the crash (a truncation a power
  // loss undid): a recovered batch replaces whatever was known at its offsets.
  if (const auto* b = std::get_if<RecoveredBatch>(&e)) return learn(*b);
  if (const auto* t = std::get_if<LogTruncated>(&e)) {
    cut(replica(record.node, t->tp), t->to_offset);
    return;
  }
  if (const auto* h = std::get_if<HighWatermarkUpdated>(&e)) {
    replica(record.node, h->tp).high_watermark = h->high_watermark;
    return;
  }
  if (const auto* moved = std::get_if<LogStartMoved>(&e)) {
    Replica& r = replica(record.node, moved->tp);
    r.log_start = moved->log_start;
    r.batches.drop_below(moved->log_start);
    r.log_end = std::max(r.log_end, moved->log_start);  // an emptied log starting afresh ends where it starts
    return;
  }
  if (const auto* role = std::get_if<BecameLeaderOrFollower>(&e)) {
    Replica& r = replica(record.node, role->tp);
    r.leader = role->leader;
    r.leader_epoch = role->leader_epoch;
    r.awaiting_role = false;
    return;
  }
  if (const auto* started = std::get_if<BrokerStarted>(&e)) {
    auto known = std::find_if(broker_ids_.begin(), broker_ids_.end(), [&](const auto& b) { return b.first == record.node; });
    if (known == broker_ids_.end()) {
      broker_ids_.emplace_back(record.node, started->broker);
    } else {
      known->second = started->broker;
    }
    // A new process: no role until the controller says; the high watermark comes from its checkpoint.
    for_each_replica_of(record.node, [](Replica& r) { r.leader = r.down = false; });
    return;
  }
  if (const auto* recovered = std::get_if<LogRecovered>(&e)) {
    Replica& r = replica(record.node, recovered->tp);
    cut(r, recovered->log_end_offset);
    r.high_watermark = 0;
    r.awaiting_role = true;
    return;
  }
  if (const auto* life = std::get_if<NodeLifecycle>(&e)) {
    if (life->ends_process()) {
      for_each_replica_of(record.node, [](Replica& r) {
        r.leader = false;  // a dead broker leads nothing
        r.down = true;
      });
    }
  }
}

EventKinds ReplicaLogs::events() {
  return kinds_of<RecordsAppended, RecoveredBatch, LogTruncated, HighWatermarkUpdated, BecameLeaderOrFollower,
                  BrokerStarted, LogRecovered, NodeLifecycle, LogStartMoved>();
}

const PartitionReplicas& ReplicaLogs::replicas_of(const std::string& tp) const {
  static const PartitionReplicas none;
  const auto* found = lookup(tp);
  return found == nullptr ? none : found->second;
}

const Replica* ReplicaLogs::find(NodeId node, const std::string& tp) const {
  for (const auto& [n, r] : replicas_of(tp)) {
    if (n == node) return &r;
  }
  return nullptr;
}

std::int32_t ReplicaLogs::broker_of(NodeId node) const {
  for (const auto& [n, id] : broker_ids_) {
    if (n == node) return id;
  }
  return -1;
}

std::string ReplicaLogs::name_of(NodeId node) const {
  const std::int32_t id = broker_of(node);
  return id < 0 ? "node " + std::to_string(node.value()) : "broker-" + std::to_string(id);
}

std::optional<NodeId> ReplicaLogs::node_of(std::int32_t broker) const {
  for (const auto& [node, id] : broker_ids_) {
    if (id == broker) return node;
  }
  return std::nullopt;
}

}  // namespace kafkasim::sim::invariants
