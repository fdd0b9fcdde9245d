#include "sim/invariants/consumer_checkers.h"

namespace kafkasim::sim::invariants {
namespace {

// A consumer starts afresh where it detected a truncation (KIP-320: that partition), at a new
// group assignment (all of its partitions, from the committed offsets) and when its process
// ends (restarted, it begins again). True when `record` was one of these.
bool forget_at_new_start(PerAssignment& seen, const TraceRecord& record) {
  if (const auto* truncated = std::get_if<ConsumerTruncationDetected>(&record.event)) {
    seen.erase({record.node, truncated->tp});
    return true;
  }
  const auto* life = std::get_if<NodeLifecycle>(&record.event);
  if (std::holds_alternative<GroupAssignmentReceived>(record.event) || (life && life->ends_process())) {
    std::erase_if(seen, [&](const auto& entry) { return entry.first.first == record.node; });
    return true;
  }
  return life != nullptr;
}

}  // namespace

void ConsumerReadUncommitted::on_event(const TraceRecord& record) {
  const auto* served = std::get_if<FetchServed>(&record.event);
  if (!served || served->replica >= 0 || served->last_offset < served->high_watermark) return;
  report(record.time, record.node, served->tp, served->high_watermark,
         "a consumer (node " + std::to_string(served->to_node) + ") was sent offsets " +
             std::to_string(served->fetch_offset) + ".." + std::to_string(served->last_offset) + " of " + served->tp +
             " while the leader's high watermark was " + std::to_string(served->high_watermark) +
             ": records from offset " + std::to_string(served->high_watermark) + " on were not committed",
         {record.index});
}

void ConsumerOrder::on_event(const TraceRecord& record) {
  if (forget_at_new_start(last_, record)) return;
  const auto* consumed = std::get_if<RecordsConsumed>(&record.event);
  if (!consumed) return;
  auto [it, fresh] = last_.try_emplace({record.node, consumed->tp}, consumed->last_offset, record.index);
  if (fresh) return;
  if (consumed->first_offset <= it->second.first) {
    report(record.time, record.node, consumed->tp, consumed->first_offset,
           consumed->client + " received offset " + std::to_string(consumed->first_offset) + " of " + consumed->tp +
               " after offset " + std::to_string(it->second.first) + ", in the same assignment: records come again or out of order",
           {it->second.second, record.index});
  }
  it->second = {std::max(it->second.first, consumed->last_offset), record.index};
}

void ConsumerSkippedRecord::on_event(const TraceRecord& record) {
  if (forget_at_new_start(next_, record)) return;
  // A reset of an out-of-range position starts afresh too (auto.offset.reset may skip on
  // purpose); consumer_order keeps judging it, as an old consumer reads records again after one.
  if (const auto* reset = std::get_if<ConsumerOffsetReset>(&record.event)) {
    next_.erase({record.node, reset->tp});
    return;
  }
  const auto* consumed = std::get_if<RecordsConsumed>(&record.event);
  if (!consumed) return;
  auto [it, fresh] = next_.try_emplace({record.node, consumed->tp}, consumed->last_offset + 1, record.index);
  if (fresh) return;
  const auto [expected, previous] = it->second;
  if (consumed->first_offset > expected) {
    report(record.time, record.node, consumed->tp, expected,
           consumed->client + " received offset " + std::to_string(consumed->first_offset) + " of " + consumed->tp +
               " after offset " + std::to_string(expected - 1) + ", in the same assignment: offsets " +
               std::to_string(expected) + ".." + std::to_string(consumed->first_offset - 1) + " were never handed out",
           {previous, record.index});
  }
  it->second = {std::max(expected, consumed->last_offset + 1), record.index};
}

}  // namespace kafkasim::sim::invariants
