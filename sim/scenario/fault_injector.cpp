#include "sim/scenario/fault_injector.h"

#include <algorithm>

#include "model/broker/broker.h"
#include "sim/scenario/scenario_loader.h"

namespace kafkasim::sim::scenario {

void FaultInjector::schedule(const FaultEntry& fault) {
  const std::size_t number = scheduled_++;
  cluster_.world->scheduler().at(SimTime::from_millis(fault.start_ms), [this, fault, number] { start(fault, number); });
}

void FaultInjector::start(const FaultEntry& fault, std::size_t number) {
  World& world = *cluster_.world;
  FaultEntry applied = fault;
  if (!fault.role.empty()) {
    // Each fault draws from its own stream: resolving one never shifts another's choice.
    Rng rng = rng_.child("fault-" + std::to_string(number));
    applied.node_names = resolve_role(fault, rng);
    applied.role.clear();
    applied.topic_partition.clear();
    if (applied.node_names.empty()) {
      world.trace().record(world.now(), kWorldNode,
                           Note{"fault " + fault.type + " skipped: no " + fault.role +
                                (fault.topic_partition.empty() ? "" : " of " + fault.topic_partition) + " now"});
      return;
    }
  }
  applied_.push_back(applied);
  const FaultId id = world.start_fault(to_spec(applied));
  if (auto undo = applied.undo_after_ms()) {
    world.scheduler().after(Duration::millis(*undo), [&world, id] { world.end_fault(id); });
  }
}

std::vector<std::string> FaultInjector::resolve_role(const FaultEntry& fault, Rng& rng) {
  World& world = *cluster_.world;
  std::vector<std::pair<std::int32_t, broker::Broker*>> live;
  for (const auto& [id, node] : cluster_.brokers) {
    if (world.state(node) != NodeState::running) continue;
    if (auto* b = world.node_as<broker::Broker>(node)) live.emplace_back(id, b);
  }
  auto name = [](std::int32_t id) { return "broker-" + std::to_string(id); };
  if (fault.role == "any_broker") {
    if (live.empty()) return {};
    return {name(rng.pick(live).first)};
  }
  if (fault.role == "controller") {
    for (const auto& [id, b] : live) {
      if (b->controller() != nullptr && b->controller()->active()) return {name(id)};
    }
    return {};
  }
  const auto tp = parse_topic_partition(fault.topic_partition);
  if (!tp) return {};
  // The leader is the live broker leading in the highest leader epoch (a deposed leader may
  // not know yet).
  std::int32_t leader = -1;
  std::int32_t best_epoch = -1;
  for (const auto& [id, b] : live) {
    broker::ReplicaManager* rm = b->replica_manager();
    broker::Partition* p = rm ? rm->partition(*tp) : nullptr;
    if (p != nullptr && p->is_leader() && p->leader_epoch().value() > best_epoch) {
      best_epoch = p->leader_epoch().value();
      leader = id;
    }
  }
  if (leader < 0) return {};
  if (fault.role == "leader") return {name(leader)};
  std::vector<std::int32_t> followers;
  for (BrokerId r : cluster_.replicas.at(*tp)) {
    if (r.value() != leader) followers.push_back(r.value());
  }
  if (followers.empty()) return {};
  return {name(rng.pick(followers))};
}

std::vector<NodeId> FaultInjector::ids(const std::vector<std::string>& names) const {
  std::vector<NodeId> out;
  for (const auto& n : names) out.push_back(*cluster_.world->find(n));  // the loader checked every name
  return out;
}

FaultSpec FaultInjector::to_spec(const FaultEntry& f) const {
  const auto nodes = ids(f.node_names);
  if (f.type == "process_kill") return ProcessKill{nodes};
  if (f.type == "power_loss") return PowerLoss{nodes};
  if (f.type == "restart") return Restart{nodes};
  if (f.type == "process_stop") return ProcessStop{nodes};
  if (f.type == "isolate") return Isolate{nodes};
  if (f.type == "heal") return Heal{};
  if (f.type == "network_partition") {
    NetworkPartition p;
    for (const auto& group : f.partitions) p.groups.push_back(ids(group));
    return p;
  }
  if (f.type == "degraded_network") {
    DegradedNetwork d;
    d.nodes = nodes;
    d.peers = ids(f.peers);
    d.direction = f.direction == "to" ? Direction::to : f.direction == "from" ? Direction::from : Direction::both;
    d.degradation.extra_latency = Duration::millis(f.latency_ms.value_or(0));
    d.degradation.extra_jitter = Duration::millis(f.jitter_ms.value_or(0));
    d.degradation.loss_percent = f.loss_percent.value_or(0);
    d.degradation.rate_limit_kbit = f.rate_limit_kbit.value_or(0);
    return d;
  }
  if (f.type == "slow_disk") return SlowDisk{nodes, f.factor.value_or(1)};
  if (f.type == "disk_fault") {
    const DiskFaultMode mode = f.mode == "corrupt_tail" ? DiskFaultMode::corrupt_tail
                               : f.mode == "full"       ? DiskFaultMode::full
                                                        : DiskFaultMode::fsync_error;
    return DiskFault{nodes, mode};
  }
  return ClockSkew{nodes, Duration::millis(f.offset_ms.value_or(0))};  // the loader knows no other type
}

}  // namespace kafkasim::sim::scenario
