#include "sim/scenario/nemesis.h"

#include <algorithm>
#include <string>

namespace kafkasim::sim::scenario {
namespace {

// Faults that take brokers away (down, paused or unreachable) and need maxDown >= 1. A disk
// fault halts a broker at its next write or fsync, as Kafka's log directory failure does.
bool takes_brokers_away(const std::string& type) {
  return type == "process_kill" || type == "power_loss" || type == "process_stop" || type == "network_partition" ||
         type == "isolate" || type == "disk_fault";
}

// A broker halted by a disk fault is started again this long after its disk is whole, as a
// supervisor (systemd, Kubernetes) restarts a process that exited.
constexpr std::int64_t kRestartAfterDiskFaultMs = 1000;

// One client paused, cut off or killed (and restarted) at a time: a consumer stalled past its
// session (a long GC pause), a producer whose requests time out, a process that starts over,
// while the brokers' own nemesis goes on.
void draw_client_faults(const ClientNemesisSpec& spec, std::vector<std::string> clients, std::int64_t run_ms, Rng rng,
                        std::vector<FaultEntry>& schedule) {
  if (spec.faults.empty() || clients.empty()) return;
  std::sort(clients.begin(), clients.end());
  for (std::int64_t t = 0;;) {
    t += rng.uniform_int(spec.interval_min_ms, spec.interval_max_ms);
    if (t >= run_ms) break;
    FaultEntry f;
    f.type = rng.pick(spec.faults);
    f.start_ms = t;
    const std::int64_t duration = rng.uniform_int(spec.duration_min_ms, spec.duration_max_ms);
    (f.type == "process_kill" ? f.restart_after_ms : f.duration_ms) = duration;
    f.node_names = {rng.pick(clients)};
    t += duration;
    schedule.push_back(std::move(f));
  }
}

}  // namespace

const std::vector<std::string>& client_nemesis_fault_types() {
  static const std::vector<std::string> types{"process_stop", "isolate", "process_kill"};
  return types;
}

std::vector<FaultEntry> draw_nemesis_schedule(const NemesisSpec& nemesis, const std::vector<BrokerSpec>& brokers,
                                              const std::vector<std::string>& clients, std::int64_t run_ms, Rng rng) {
  std::vector<FaultEntry> schedule;
  if (nemesis.clients) draw_client_faults(*nemesis.clients, clients, run_ms, rng.child("clients"), schedule);
  std::vector<std::string> types;
  for (const auto& t : nemesis.faults) {
    if (nemesis.max_down >= 1 || !takes_brokers_away(t)) types.push_back(t);
  }
  if (types.empty() || brokers.empty()) return schedule;
  const auto most = static_cast<std::int64_t>(
      std::min<std::size_t>(static_cast<std::size_t>(std::max(nemesis.max_down, 1)), brokers.size()));
  std::int64_t t = 0;
  while (true) {
    t += rng.uniform_int(nemesis.interval_min_ms, nemesis.interval_max_ms);
    if (t >= run_ms) break;
    FaultEntry f;
    f.type = rng.pick(types);
    f.start_ms = t;
    const std::int64_t duration = rng.uniform_int(nemesis.duration_min_ms, nemesis.duration_max_ms);
    std::vector<std::string> names;
    for (const auto& b : brokers) names.push_back("broker-" + std::to_string(b.id));
    rng.shuffle(names);
    names.resize(static_cast<std::size_t>(rng.uniform_int(1, most)));
    std::sort(names.begin(), names.end());
    if (f.type == "process_kill" || f.type == "power_loss") {
      f.restart_after_ms = duration;
    } else {
      f.duration_ms = duration;
    }
    if (f.type == "network_partition") {
      std::vector<std::string> rest;
      for (const auto& b : brokers) {
        const std::string n = "broker-" + std::to_string(b.id);
        if (std::find(names.begin(), names.end(), n) == names.end()) rest.push_back(n);
      }
      rest.emplace_back("zookeeper");
      f.partitions = {names, rest};
    } else {
      f.node_names = names;
    }
    if (f.type == "degraded_network") {
      f.latency_ms = rng.uniform_int(5, 200);
      f.loss_percent = static_cast<double>(rng.uniform_int(0, 20));
    } else if (f.type == "slow_disk") {
      f.factor = static_cast<double>(rng.uniform_int(2, 50));
    } else if (f.type == "clock_skew") {
      f.offset_ms = rng.uniform_int(-5000, 5000);
    }
    if (f.type == "disk_fault") {
      // The failures Kafka survives by halting the broker. A corrupt tail is not drawn: a
      // leader serving a corrupt batch stops its followers and consumers at it until an
      // operator acts (Kafka's fetchers retry it forever), so every run would fail liveness.
      const std::vector<std::string> modes{"fsync_error", "full"};
      f.mode = rng.pick(modes);
      FaultEntry restart;
      restart.type = "restart";
      restart.start_ms = t + duration + kRestartAfterDiskFaultMs;
      restart.node_names = f.node_names;
      schedule.push_back(std::move(f));
      // At or past the run's end the liveness phase's heal restarts the brokers; a restart drawn
      // there could not be written back as a plain fault (the loader refuses one that starts
      // after the end), and the report's faults must replay the run as a plain file.
      if (restart.start_ms < run_ms) schedule.push_back(std::move(restart));
      t += kRestartAfterDiskFaultMs;
    } else {
      schedule.push_back(std::move(f));
    }
    t += duration;
  }
  return schedule;
}

}  // namespace kafkasim::sim::scenario
