#include "sim/invariants/duplicate_write_checker.h"

#include <algorithm>
#include <iterator>


namespace kafkasim::sim::invariants {

void DuplicateWrite::on_event(const TraceRecord& record) {
  if (const auto* a = std::get_if<RecordsAppended>(&record.event)) {
    if (!a->as_leader || a->producer_id < 0) return;
    if (std::find(producer_ids_.begin(), producer_ids_.end(), a->producer_id) != producer_ids_.end()) return;
    producer_ids_.push_back(a->producer_id);
    const RecordKey id = logs_.record_ids().key(a->first_id);
    if (!id.parsed()) return;
    if (idempotent_.size() <= id.client) idempotent_.resize(id.client + 1, false);
    idempotent_[id.client] = true;
  } else if (const auto* h = std::get_if<HighWatermarkUpdated>(&record.event)) {
    const Replica* r = logs_.find(record.node, h->tp);
    if (r && r->leader) commit_below_high_watermark(record, h->tp, *r);
  }
}

void DuplicateWrite::commit_below_high_watermark(const TraceRecord& record, const std::string& tp, const Replica& leader) {
  // The dense id of the partition's first replica names the partition, without hashing its name.
  const std::size_t partition = logs_.replicas_of(tp).front().second.id;
  if (scanned_to_.size() <= partition) scanned_to_.resize(partition + 1, 0);
  std::int64_t& from = scanned_to_[partition];
  if (leader.high_watermark <= from) return;
  // What is committed stays (committed_record_lost's promise): each batch needs one look.
  for (auto next = leader.batches.lower_bound(from); next != leader.batches.end(); ++next) {
    const auto& [offset, batch] = *next;
    if (batch.last_offset >= leader.high_watermark) break;
    from = batch.last_offset + 1;
    commit(record, tp, partition, leader, offset, batch);
  }
}

void DuplicateWrite::commit(const TraceRecord& record, const std::string& tp, std::size_t partition,
                            const Replica& leader, std::int64_t offset, const BatchInfo& batch) {
  const RecordKey id = batch.first_id;
  if (!id.parsed() || id.client >= idempotent_.size() || !idempotent_[id.client]) return;
  const std::int64_t first_n = id.n;
  const std::int64_t last_n = first_n + (batch.last_offset - offset);  // ids are consecutive in a batch
  std::vector<Copy>& copies = copies_of(partition, id.client);
  // The runs are disjoint: only the last one starting at or before last_n can overlap.
  auto after = std::upper_bound(copies.begin(), copies.end(), last_n,
                                [](std::int64_t n, const Copy& c) { return n < c.first_n; });
  if (after != copies.begin()) {
    const auto earlier = std::prev(after);
    if (earlier->last_n >= first_n) {
      const Copy& c = *earlier;
      const auto held = leader.batches.find(c.offset);
      if (held != leader.batches.end() && held->second.first_id == RecordKey{id.client, c.first_n}) {
        const bool same_bytes = c.crc == batch.crc;
        report(record.time, record.node, tp, offset,
               "record " + logs_.record_ids().text(id) + " is committed twice in " + tp + ": at offset " +
                   std::to_string(c.offset) + " (by " + seconds_text(c.committed_at) + ") and at offset " +
                   std::to_string(offset) + " (" + logs_.name_of(record.node) + ", leader in epoch " +
                   std::to_string(leader.leader_epoch) + ")" +
                   (same_bytes ? ": the same batch, with the same producer id, epoch and sequence; the leader should "
                                 "have answered its retry DUPLICATE_SEQUENCE_NUMBER (KIP-98), not written it again"
                               : ": the batch was sent again under another producer id, epoch or sequence while its "
                                 "first attempt was in the log"),
               {c.appended_at, batch.appended_at, record.index});
        return;
      }
      after = copies.erase(earlier);  // lost or deleted by retention: this copy is the one the log holds now
    }
  }
  copies.insert(after, Copy{first_n, last_n, offset, batch.crc, batch.appended_at, record.time});  // mostly at the end
}

std::vector<DuplicateWrite::Copy>& DuplicateWrite::copies_of(std::size_t partition, std::uint32_t client) {
  if (copies_.size() <= partition) copies_.resize(partition + 1);
  auto& clients = copies_[partition];
  for (auto& [c, copies] : clients) {
    if (c == client) return copies;
  }
  return clients.emplace_back(client, std::vector<Copy>{}).second;
}

}  // namespace kafkasim::sim::invariants
