#include "sim/scenario/run_stats.h"

#include <algorithm>

#include "model/protocol/requests.h"

namespace kafkasim::sim::scenario {

void RunStatsCounter::on_event(const TraceRecord& record) {
  if (const auto* b = std::get_if<ProducerBatchDone>(&record.event)) {
    stats_.records_sent += static_cast<std::uint64_t>(b->count);
    if (b->error == "NONE") {
      stats_.records_acked += static_cast<std::uint64_t>(b->count);
      latencies_ms_.push_back(b->latency_ms);
    }
  } else if (const auto* c = std::get_if<RecordsConsumed>(&record.event)) {
    stats_.records_consumed += static_cast<std::uint64_t>(c->last_offset - c->first_offset + 1);
  } else if (std::holds_alternative<LeaderElected>(record.event)) {
    ++stats_.leader_elections;
  } else if (const auto* r = std::get_if<GroupRebalanced>(&record.event)) {
    if (r->members > 0) ++stats_.rebalances;
  } else if (const auto* s = std::get_if<PartitionStateRecorded>(&record.event)) {
    if (!versions_.is_new(*s)) return;
    const std::size_t size = parse_broker_list(s->isr).value_or(std::vector<BrokerId>{}).size();
    auto [it, fresh] = isr_sizes_.try_emplace(s->tp, size);
    if (!fresh) {
      if (size < it->second) ++stats_.isr_shrinks;
      if (size > it->second) ++stats_.isr_expands;
      it->second = size;
    }
  }
}

RunStats RunStatsCounter::result() const {
  RunStats out = stats_;
  if (latencies_ms_.empty()) return out;
  std::vector<std::int64_t> sorted = latencies_ms_;
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](double q) { return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))]; };
  out.latency_p50_ms = at(0.50);
  out.latency_p99_ms = at(0.99);
  out.latency_max_ms = sorted.back();
  return out;
}

}  // namespace kafkasim::sim::scenario
