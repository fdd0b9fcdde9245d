#include "sim/invariants/liveness_checker.h"

#include <algorithm>

#include "model/protocol/requests.h"

namespace kafkasim::sim::invariants {

void Liveness::on_event(const TraceRecord& record) {
  if (const auto* s = std::get_if<PartitionStateRecorded>(&record.event)) {
    if (versions_.is_new(*s)) states_[s->tp] = Recorded{s->leader, s->leader_epoch, s->isr, record.index};
  } else if (record.time >= expected_.healed_at) {
    if (const auto* b = std::get_if<ProducerBatchDone>(&record.event); b && b->error == "NONE") {
      producers_acked_.insert(b->client);
    } else if (const auto* c = std::get_if<RecordsConsumed>(&record.event)) {
      consumers_fed_.insert(c->client);
    }
  }
  // Fenced, a consumer stops for good, as its application would: it is not expected to resume.
  if (const auto* fenced = std::get_if<GroupMemberFenced>(&record.event)) consumers_stopped_.insert(fenced->client);
}

void Liveness::finish(SimTime end) {
  const std::string settled = "after every fault was healed at " + seconds_text(expected_.healed_at) + " and the cluster had until " +
                              seconds_text(end) + " to settle";
  for (const auto& [tp, replicas] : expected_.replicas) {
    auto it = states_.find(tp);
    if (it == states_.end()) {
      report(end, kWorldNode, tp, -1, "the controller never recorded a leader for " + tp + " " + settled, {});
      continue;
    }
    const Recorded& s = it->second;
    std::vector<std::int32_t> sorted = replicas;
    std::sort(sorted.begin(), sorted.end());
    const auto isr = parse_broker_list(s.isr).value_or(std::vector<BrokerId>{});
    std::vector<std::int32_t> isr_ids;
    for (BrokerId b : isr) isr_ids.push_back(b.value());
    std::sort(isr_ids.begin(), isr_ids.end());
    if (s.leader < 0) {
      report(end, kWorldNode, tp, -1, tp + " has no leader " + settled + " (epoch " + std::to_string(s.leader_epoch) + ", ISR [" + s.isr + "])", {s.index});
    } else if (isr_ids != sorted) {
      report(end, kWorldNode, tp, -1,
             "the ISR of " + tp + " is [" + s.isr + "], not every replica [" + broker_list(std::vector<BrokerId>(sorted.begin(), sorted.end())) + "], " + settled,
             {s.index});
    }
  }
  for (const auto& p : expected_.producers) {
    if (producers_acked_.count(p) == 0) report(end, kWorldNode, "", -1, "producer " + p + " had no batch acknowledged " + settled, {});
  }
  for (const auto& c : expected_.consumers) {
    if (consumers_fed_.count(c) == 0 && consumers_stopped_.count(c) == 0) report(end, kWorldNode, "", -1, "consumer " + c + " received no record " + settled, {});
  }
}

void Canary::finish(SimTime end) {
  if (seed_ % 100 != 0) return;
  report(end, kWorldNode, "", -1,
         "seed " + std::to_string(seed_) + " is a multiple of 100: the canary fails it on purpose, to show that "
         "failing seeds are reported",
         {});
}

}  // namespace kafkasim::sim::invariants
