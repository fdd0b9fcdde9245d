#include "sim/invariants/replica_logs.h"

#include <cstdio>

namespace kafkasim::sim::invariants {

std::string seconds_text(SimTime t) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f s", static_cast<double>(t.as_micros()) / 1e6);
  return out;
}

const std::pair<const std::int64_t, BatchInfo>* Replica::batch_at(std::int64_t offset) const {
  auto it = batches.upper_bound(offset);
  if (it == batches.begin()) return nullptr;
  --it;
  return it->second.last_offset >= offset ? &*it : nullptr;
}

namespace {

void cut(Replica& r, std::int64_t end) {
  r.batches.erase(r.batches.lower_bound(end), r.batches.end());
  if (!r.batches.empty()) {
    auto last = std::prev(r.batches.end());
    if (last->second.last_offset >= end) r.batches.erase(last);  // a partial batch goes whole
  }
  r.log_end = end;
  r.high_watermark = std::min(r.high_watermark, end);
}

}  // namespace

bool ReplicaLogs::apply(const TraceRecord& record) {
  const TraceEvent& e = record.event;
  if (const auto* a = std::get_if<RecordsAppended>(&e)) {
    Replica& r = replicas_[{record.node, a->tp}];
    r.batches[a->first_offset] = BatchInfo{a->last_offset, a->leader_epoch, a->crc, a->first_id, record.index};
    r.log_end = std::max(r.log_end, a->last_offset + 1);
    return true;
  }
  if (const auto* t = std::get_if<LogTruncated>(&e)) {
    cut(replicas_[{record.node, t->tp}], t->to_offset);
    return true;
  }
  if (const auto* h = std::get_if<HighWatermarkUpdated>(&e)) {
    replicas_[{record.node, h->tp}].high_watermark = h->high_watermark;
    return true;
  }
  if (const auto* role = std::get_if<BecameLeaderOrFollower>(&e)) {
    Replica& r = replicas_[{record.node, role->tp}];
    r.leader = role->leader;
    r.leader_epoch = role->leader_epoch;
    r.awaiting_role = false;
    return true;
  }
  if (const auto* started = std::get_if<BrokerStarted>(&e)) {
    broker_ids_[record.node] = started->broker;
    // A new process: no role until the controller says; the high watermark comes from its checkpoint.
    for (auto& [key, r] : replicas_) {
      if (key.first == record.node) r.leader = r.down = false;
    }
    return true;
  }
  if (const auto* recovered = std::get_if<LogRecovered>(&e)) {
    Replica& r = replicas_[{record.node, recovered->tp}];
    cut(r, recovered->log_end_offset);
    r.high_watermark = 0;
    r.awaiting_role = true;
    return true;
  }
  if (const auto* life = std::get_if<NodeLifecycle>(&e)) {
    if (life->what == "kill" || life->what == "power_loss") {
      for (auto& [key, r] : replicas_) {
        if (key.first == record.node) {
          r.leader = false;  // a dead broker leads nothing
          r.down = true;
        }
      }
      return true;
    }
  }
  return false;
}

bool ReplicaLogs::affects(const TraceEvent& e) {
  if (const auto* life = std::get_if<NodeLifecycle>(&e)) return life->what == "kill" || life->what == "power_loss";
  return std::holds_alternative<RecordsAppended>(e) || std::holds_alternative<LogTruncated>(e) ||
         std::holds_alternative<HighWatermarkUpdated>(e) || std::holds_alternative<BecameLeaderOrFollower>(e) ||
         std::holds_alternative<BrokerStarted>(e) || std::holds_alternative<LogRecovered>(e);
}

const Replica* ReplicaLogs::find(NodeId node, const std::string& tp) const {
  auto it = replicas_.find({node, tp});
  return it == replicas_.end() ? nullptr : &it->second;
}

std::int32_t ReplicaLogs::broker_of(NodeId node) const {
  auto it = broker_ids_.find(node);
  return it == broker_ids_.end() ? -1 : it->second;
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
