#include "sim/invariants/leadership_checkers.h"

namespace kafkasim::sim::invariants {

void MultipleLeaders::on_event(const TraceRecord& record) {
  const auto* role = std::get_if<BecameLeaderOrFollower>(&record.event);
  if (!role || !role->leader) return;
  auto [it, fresh] = leader_of_.try_emplace({role->tp, role->leader_epoch}, record.node, record.index);
  if (fresh || it->second.first == record.node) return;
  report(record.time, record.node, role->tp, -1,
         "node " + std::to_string(record.node.value()) + " became leader of " + role->tp + " in epoch " +
             std::to_string(role->leader_epoch) + ", which node " + std::to_string(it->second.first.value()) +
             " already led: two leaders could accept writes in one epoch",
         {it->second.second, record.index});
}

void EpochRegression::rise(std::map<std::string, std::pair<std::int32_t, std::uint64_t>>& seen, const std::string& key,
                           std::int32_t epoch, const TraceRecord& record, const std::string& what, const std::string& tp) {
  auto [it, fresh] = seen.try_emplace(key, epoch, record.index);
  if (fresh) return;
  if (epoch < it->second.first) {
    report(record.time, record.node, tp, -1,
           what + " went back from epoch " + std::to_string(it->second.first) + " to " + std::to_string(epoch),
           {it->second.second, record.index});
  }
  it->second = {std::max(epoch, it->second.first), record.index};
}

void EpochRegression::on_event(const TraceRecord& record) {
  if (const auto* role = std::get_if<BecameLeaderOrFollower>(&record.event)) {
    rise(broker_epochs_, std::to_string(record.node.value()) + "/" + role->tp, role->leader_epoch, record,
         "the leader epoch of " + role->tp + " on node " + std::to_string(record.node.value()), role->tp);
  } else if (const auto* state = std::get_if<PartitionStateRecorded>(&record.event)) {
    if (!versions_.is_new(*state)) return;
    rise(recorded_epochs_, state->tp, state->leader_epoch, record,
         "the leader epoch the controller recorded for " + state->tp, state->tp);
  } else if (const auto* elected = std::get_if<ControllerElected>(&record.event)) {
    auto it = controller_epochs_.find("");
    if (it != controller_epochs_.end() && elected->epoch <= it->second.first) {
      report(record.time, record.node, "", -1,
             "broker " + std::to_string(elected->broker) + " became controller in epoch " +
                 std::to_string(elected->epoch) + ", not above the previous controller's " +
                 std::to_string(it->second.first),
             {it->second.second, record.index});
    }
    controller_epochs_[""] = {elected->epoch, record.index};
  }
}

}  // namespace kafkasim::sim::invariants
