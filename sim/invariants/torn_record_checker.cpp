#include "sim/invariants/torn_record_checker.h"

namespace kafkasim::sim::invariants {

void TornRecordVisible::on_event(const TraceRecord& record) {
  if (const auto* r = std::get_if<LogRecovered>(&record.event)) {
    last_recovery_[{record.node, r->tp}] = Recovery{record.index, record.time};
  } else if (const auto* fetched = std::get_if<CorruptBatchFetched>(&record.event)) {
    check(record, *fetched);
  }
}

void TornRecordVisible::check(const TraceRecord& record, const CorruptBatchFetched& fetched) {
  const NodeId server{fetched.from};
  auto recovery = last_recovery_.find({server, fetched.tp});
  if (recovery == last_recovery_.end()) return;  // never recovered: corrupted while running
  const Replica* replica = logs_.find(server, fetched.tp);
  const auto* batch = replica ? replica->batch_at(fetched.first_offset) : nullptr;
  // Bytes the checker cannot tie to a batch the replica wrote (a garbled header) prove nothing.
  if (batch == nullptr || batch->first != fetched.first_offset) return;
  const bool written_before_recovery = batch->second.appended_at < recovery->second.index;
  // The oracle: what the replica wrote there. Bytes that hash as written are not torn.
  if (!written_before_recovery || batch->second.crc == fetched.computed_crc) return;
  if (!reported_.insert({server, fetched.tp, fetched.first_offset}).second) return;
  report(record.time, server, fetched.tp, fetched.first_offset,
         logs_.name_of(server) + " served the batch at offset " + std::to_string(fetched.first_offset) + " of " +
             fetched.tp + " (appended with CRC " + std::to_string(batch->second.crc) + " at trace line " +
             std::to_string(batch->second.appended_at) + ") to " + logs_.name_of(record.node) + " at " + seconds_text(record.time) +
             " with bytes whose checksum fails (stored CRC " + std::to_string(fetched.stored_crc) + ", computed " +
             std::to_string(fetched.computed_crc) + "). Its log recovered at " + seconds_text(recovery->second.time) +
             " and kept the torn batch: recovery must truncate a log at its first batch whose CRC fails.",
         {batch->second.appended_at, recovery->second.index, record.index});
}

}  // namespace kafkasim::sim::invariants
