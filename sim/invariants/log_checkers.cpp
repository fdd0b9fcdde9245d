#include "sim/invariants/log_checkers.h"

#include "model/protocol/record_id.h"
#include "model/protocol/requests.h"

namespace kafkasim::sim::invariants {

// --- committed_record_lost ---------------------------------------------------------------

void CommittedRecordLost::on_event(const TraceRecord& record) {
  if (const auto* t = std::get_if<LogTruncated>(&record.event)) {
    last_truncation_[{record.node, t->tp}] = {*t, record.index};
  } else if (const auto* h = std::get_if<HighWatermarkUpdated>(&record.event)) {
    const Replica* r = logs_.find(record.node, h->tp);
    if (r && r->leader) commit_below_high_watermark(record, h->tp, *r);
  } else if (const auto* role = std::get_if<BecameLeaderOrFollower>(&record.event); role && role->leader) {
    check_new_leader(record, role->tp, *logs_.find(record.node, role->tp));
  } else if (const auto* consumed = std::get_if<RecordsConsumed>(&record.event)) {
    check_consumed(record, *consumed);
  }
}

void CommittedRecordLost::commit_below_high_watermark(const TraceRecord& record, const std::string& tp, const Replica& leader) {
  auto& committed = committed_[tp];
  // A leader never rewrites its log below its high watermark: only what is new needs a look.
  std::int64_t from = committed.empty() ? 0 : std::prev(committed.end())->second.batch.last_offset + 1;
  if (auto rescan = rescan_from_.find(tp); rescan != rescan_from_.end()) {
    from = std::min(from, rescan->second);
    rescan_from_.erase(rescan);
  }
  const auto* straddling = leader.batch_at(from);
  for (auto next = straddling ? leader.batches.find(straddling->first) : leader.batches.lower_bound(from);
       next != leader.batches.end(); ++next) {
    const auto& [base, batch] = *next;
    if (batch.last_offset >= leader.high_watermark) break;
    auto [it, fresh] = committed.try_emplace(base, Committed{batch, record.time, record.node, leader.leader_epoch,
                                                             leader.high_watermark, record.index});
    if (fresh || it->second.batch == batch) continue;
    report(record.time, record.node, tp, base,
           "offset " + std::to_string(base) + " was committed at " + seconds_text(it->second.at) + " (HW " +
               std::to_string(it->second.high_watermark) + " on " + logs_.name_of(it->second.leader) + ", epoch " +
               std::to_string(it->second.epoch) + ") with CRC " + std::to_string(it->second.batch.crc) + "; " +
               logs_.name_of(record.node) + ", leader in epoch " + std::to_string(leader.leader_epoch) +
               ", now commits a different batch there (CRC " + std::to_string(batch.crc) + ")",
           {it->second.evidence, it->second.batch.appended_at, batch.appended_at, record.index});
    it->second.batch = batch;  // report each replacement once
  }
}

void CommittedRecordLost::check_new_leader(const TraceRecord& record, const std::string& tp, const Replica& leader) {
  auto found = committed_.find(tp);
  if (found == committed_.end()) return;
  // Below the new leader's log start, retention deleted what was committed: Kafka keeps
  // records only as long as retention says, so those are no longer promised.
  while (!found->second.empty() && found->second.begin()->second.batch.last_offset < leader.log_start) {
    found->second.erase(found->second.begin());
  }
  for (auto it = found->second.begin(); it != found->second.end();) {
    const std::int64_t base = it->first;
    const Committed c = it->second;
    // A leader of an older epoch than the commit's is a zombie its epoch fences (a stale
    // LeaderAndIsr that TCP delivered after a heal, say): followers and clients of the newer
    // epoch refuse it, and the controller deposes it. Only a newer leader must hold the batch.
    if (leader.leader_epoch < c.epoch) {
      ++it;
      continue;
    }
    auto held = leader.batches.find(base);
    if (held != leader.batches.end() && held->second == c.batch) {
      ++it;
      continue;
    }
    std::string why;
    auto truncation = last_truncation_.find({record.node, tp});
    std::vector<std::uint64_t> evidence{c.evidence, c.batch.appended_at, record.index};
    if (truncation != last_truncation_.end() && truncation->second.first.to_offset <= base) {
      why = std::string(" after truncating to ").append(std::to_string(truncation->second.first.to_offset)).append(" (")
                .append(truncation->second.first.reason).append(")");
      evidence.push_back(truncation->second.second);
    }
    report(record.time, record.node, tp, base,
           "offset " + std::to_string(base) + " was committed at " + seconds_text(c.at) + " (HW " +
               std::to_string(c.high_watermark) + " on " + logs_.name_of(c.leader) + ", epoch " +
               std::to_string(c.epoch) + "); " + logs_.name_of(record.node) + " became leader in epoch " +
               std::to_string(leader.leader_epoch) + " at " + seconds_text(record.time) + " with LEO " +
               std::to_string(leader.log_end) + why + (held == leader.batches.end() ? ", without it" : ", holding another batch there"),
           std::move(evidence));
    it = found->second.erase(it);  // reported once; what this leader commits there is new
    auto& rescan = rescan_from_.try_emplace(tp, base).first->second;
    rescan = std::min(rescan, base);
  }
}

void CommittedRecordLost::check_consumed(const TraceRecord& record, const RecordsConsumed& consumed) {
  auto found = committed_.find(consumed.tp);
  if (found == committed_.end() || consumed.first_id.empty()) return;
  auto it = found->second.upper_bound(consumed.first_offset);
  if (it == found->second.begin()) return;
  --it;
  const Committed& c = it->second;
  if (c.batch.last_offset < consumed.first_offset || !c.batch.first_id.parsed()) return;
  const auto got = parse_record_id(consumed.first_id);
  if (!got) return;
  const std::string_view client = logs_.record_ids().client(c.batch.first_id);
  const std::int64_t expected = c.batch.first_id.n + (consumed.first_offset - it->first);
  if (client == got->client && expected == got->n) return;
  report(record.time, record.node, consumed.tp, consumed.first_offset,
         consumed.client + " read record " + consumed.first_id + " at offset " + std::to_string(consumed.first_offset) +
             ", where " + record_id(client, expected) + " was committed at " + seconds_text(c.at),
         {c.evidence, record.index});
}

// --- hw_exceeds_isr_leo ------------------------------------------------------------------

void HwExceedsIsrLeo::on_event(const TraceRecord& record) {
  const TraceEvent& e = record.event;
  if (const auto* s = std::get_if<PartitionStateRecorded>(&e)) {
    if (!versions_.is_new(*s)) return;
    isr_[s->tp] = {parse_broker_list(s->isr).value_or(std::vector<BrokerId>{}), record.index};
    return check(record, s->tp);
  }
  if (const auto* h = std::get_if<HighWatermarkUpdated>(&e)) return check(record, h->tp);
  if (const auto* t = std::get_if<LogTruncated>(&e)) return check(record, t->tp);
  if (const auto* r = std::get_if<LogRecovered>(&e)) return check(record, r->tp);
  if (const auto* role = std::get_if<BecameLeaderOrFollower>(&e)) return check(record, role->tp);  // rejoined
}

void HwExceedsIsrLeo::check(const TraceRecord& record, const std::string& tp) {
  auto isr = isr_.find(tp);
  if (isr == isr_.end()) return;
  // The leader: the replica acting as leader in the highest epoch.
  const Replica* leader = nullptr;
  NodeId leader_node{};
  for (const auto& [node, r] : logs_.replicas_of(tp)) {
    if (r.leader && (!leader || r.leader_epoch > leader->leader_epoch)) {
      leader = &r;
      leader_node = node;
    }
  }
  if (!leader) return;
  for (const BrokerId id : isr->second.first) {
    const std::int32_t broker = id.value();
    const auto node = logs_.node_of(broker);
    if (!node) continue;  // a broker the trace never showed starting: nothing to judge by
    const Replica* member = logs_.find(*node, tp);
    if (member && member->awaiting_role) continue;  // a new incarnation, not yet back in any ISR
    const std::int64_t leo = member ? member->log_end : 0;
    if (leader->high_watermark <= leo || !reported_.insert({tp, broker}).second) continue;
    report(record.time, leader_node, tp, leo,
           logs_.name_of(leader_node) + " leads " + tp + " in epoch " + std::to_string(leader->leader_epoch) +
               " with high watermark " + std::to_string(leader->high_watermark) + ", but broker-" +
               std::to_string(broker) + ", in the ISR the controller recorded, has log end offset " +
               std::to_string(leo) + ": offsets " + std::to_string(leo) + ".." +
               std::to_string(leader->high_watermark - 1) + " count as committed without it",
           {isr->second.second, record.index});
  }
}

// --- replica_divergence ------------------------------------------------------------------

void ReplicaDivergence::on_event(const TraceRecord& record) {
  const TraceEvent& e = record.event;
  if (const auto* t = std::get_if<LogTruncated>(&e)) {
    auto& v = verified_to(record.node, t->tp);
    v = std::min(v, t->to_offset);
  } else if (const auto* r = std::get_if<LogRecovered>(&e)) {
    verified_to(record.node, r->tp) = 0;
  } else if (const auto* h = std::get_if<HighWatermarkUpdated>(&e)) {
    check(record, record.node, h->tp);
  }
}

std::int64_t& ReplicaDivergence::verified_to(NodeId node, const std::string& tp) {
  const std::size_t id = logs_.find(node, tp)->id;  // the suite's logs applied this event first
  if (verified_to_.size() <= id) verified_to_.resize(logs_.replica_count(), 0);
  return verified_to_[id];
}

void ReplicaDivergence::check(const TraceRecord& record, NodeId node, const std::string& tp) {
  const Replica* mine = logs_.find(node, tp);
  std::int64_t& verified = verified_to(node, tp);
  if (mine->high_watermark <= verified) return;
  const PartitionReplicas& replicas = logs_.replicas_of(tp);
  for (auto it = mine->batches.lower_bound(verified); it != mine->batches.end() && it->second.last_offset < mine->high_watermark; ++it) {
    for (const auto& [other_node, other] : replicas) {
      if (other_node == node || other.down) continue;  // the partition's other live replicas
      const auto* theirs = other.batch_at(it->first);
      if (!theirs || theirs->second.last_offset >= other.high_watermark) continue;  // not below their HW
      if (theirs->first == it->first && theirs->second == it->second) continue;
      if (!reported_.insert({tp, it->first}).second) continue;
      report(record.time, node, tp, it->first,
             logs_.name_of(node) + " and " + logs_.name_of(other_node) + " hold different batches at offset " +
                 std::to_string(it->first) + " of " + tp + " (CRC " + std::to_string(it->second.crc) + ", epoch " +
                 std::to_string(it->second.leader_epoch) + " against CRC " + std::to_string(theirs->second.crc) +
                 ", epoch " + std::to_string(theirs->second.leader_epoch) + "), below both high watermarks (" +
                 std::to_string(mine->high_watermark) + " and " + std::to_string(other.high_watermark) + ")",
             {it->second.appended_at, theirs->second.appended_at, record.index});
    }
  }
  verified = mine->high_watermark;
}

// --- acked_write_lost --------------------------------------------------------------------

void AckedWriteLost::on_event(const TraceRecord& record) {
  if (const auto* answered = std::get_if<ProduceAnswered>(&record.event)) {
    if (answered->acks == 0 || answered->error != "NONE") return;
    const Replica* r = logs_.find(record.node, answered->tp);
    const auto* batch = r ? r->batch_at(answered->base_offset) : nullptr;
    if (!batch) return;
    acked_.push_back(Acked{answered->base_offset, batch->second.first_id, record.time, record.index,
                           partitions_.intern(answered->tp), record.node, batch->second.crc, answered->acks});
  } else if (const auto* done = std::get_if<ProducerBatchDone>(&record.event)) {
    if (done->acks == 0 || done->error != "NONE") return;
    acked_.push_back(Acked{done->base_offset, logs_.record_ids().key(done->first_id), record.time, record.index,
                           partitions_.intern(done->tp), record.node, 0, done->acks});
  }
}

void AckedWriteLost::finish(SimTime end) {
  // The log at the end of each partition: the current leader's, or, with none, the longest
  // replica's; by partition number, found once.
  std::vector<std::pair<const Replica*, NodeId>> final_logs(partitions_.size() + 1, {nullptr, NodeId{}});
  for (std::uint32_t tp = 1; tp <= partitions_.size(); ++tp) {
    auto& [final_log, holder] = final_logs[tp];
    for (const auto& [node, r] : logs_.replicas_of(std::string(partitions_.text(tp)))) {
      const bool better = !final_log || (r.leader && !final_log->leader) ||
                          (r.leader == final_log->leader && (r.leader_epoch > final_log->leader_epoch ||
                                                             (r.leader_epoch == final_log->leader_epoch && r.log_end > final_log->log_end)));
      if (better) {
        final_log = &r;
        holder = node;
      }
    }
  }
  std::set<std::pair<std::uint32_t, std::int64_t>> reported;  // (partition, offset)
  for (const Acked& a : acked_) {
    const auto [final_log, holder] = final_logs[a.tp];
    if (!final_log || a.base_offset < final_log->log_start) continue;  // deleted by retention: not promised
    auto held = final_log->batches.find(a.base_offset);
    const bool kept = held != final_log->batches.end() && (a.crc != 0 ? held->second.crc == a.crc : held->second.first_id == a.first_id);
    if (kept || !reported.insert({a.tp, a.base_offset}).second) continue;
    const std::string tp(partitions_.text(a.tp));
    report(end, holder, tp, a.base_offset,
           std::string(a.acks == -1 ? "a write acknowledged with acks=all at "
                                    : "a write acknowledged with acks=1 (outside Kafka's promise: the leader answers before any "
                                      "follower has the write) at ") + seconds_text(a.at) + " (offset " + std::to_string(a.base_offset) +
               (a.first_id.empty() ? std::string() : ", record " + logs_.record_ids().text(a.first_id)) + ") is not in " + tp +
               " at the end: " +
               logs_.name_of(holder) + (final_log->leader ? " (leader, epoch " + std::to_string(final_log->leader_epoch) + ")" : "") +
               " has " + (held == final_log->batches.end() ? std::string("no batch there") : "another batch there") +
               " (log end offset " + std::to_string(final_log->log_end) + ")",
           {a.evidence});
  }
}

}  // namespace kafkasim::sim::invariants
