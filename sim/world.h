// The world a simulated Kafka lives in: nodes, their disks, the network, the clock, faults.
//
// A node's lifecycle follows a real process:
//   start      the node object is built and its start() runs
//   kill       process_kill: the object is destroyed, its timers die, messages to it are
//              dropped; its disk keeps every byte written (the OS page cache survives)
//   power_loss the same, and the disk keeps only what was durable (see SimDisk)
//   restart    a new object is built on the same disk and recovers from it
//   pause      process_stop: nothing of the node runs; its timers and incoming messages wait
//   resume     they run, in the order they were due
// A node is also busy while its disk works: events for it wait until it is free.
//
// Connections follow TCP. A node's end of a connection to a peer opens when it sends to or
// hears from the peer. When a process exits (kill, halt) its host's kernel closes its sockets,
// and each peer with a connection to it learns it one link latency later (Node::on_disconnect);
// a message that reaches a host whose process is gone, or is a new one, is refused the same
// way. A host without power, or cut off, answers nothing: its peers find out by timeouts.
//
// Every fault of SCENARIO_FORMAT.md goes through start_fault/end_fault, which the scenario
// runner and the tests call; both record fault_start/fault_end in the trace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/env.h"
#include "model/node.h"
#include "sim/faults.h"
#include "sim/network.h"
#include "sim/scheduler.h"
#include "sim/sim_disk.h"
#include "sim/trace.h"

namespace kafkasim::sim {

struct WorldConfig {
  std::uint64_t seed = 1;
  LinkConfig network;
  DiskConfig disk;
  std::uint64_t event_budget = UINT64_MAX;
};

using NodeFactory = std::function<std::unique_ptr<Node>(Env&)>;

enum class NodeState { not_started, running, paused, down };
std::string_view to_string(NodeState state);

using FaultId = std::uint64_t;

struct WorldStats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t faults_started = 0;
  std::uint64_t restarts = 0;
};

class World final : private EventGate {
 public:
  explicit World(WorldConfig config);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  NodeId add_node(std::string name, NodeFactory factory);
  void start(NodeId node);
  void start_all();

  void kill(NodeId node);
  void power_loss(NodeId node);
  void restart(NodeId node);
  void pause(NodeId node);
  void resume(NodeId node);
  void set_clock_skew(NodeId node, Duration offset);

  // Applies a fault now. Restart, heal and corrupt_tail act at once; the others stay active
  // until end_fault or heal_all.
  FaultId start_fault(const FaultSpec& fault);
  // Undoes a fault: a killed node restarts, a paused one resumes, a network rule goes away,
  // a disk is healthy again, a clock is right again. Does nothing for an ended fault.
  void end_fault(FaultId fault);
  // Starts the fault at `at` and, given a duration, ends it that much later.
  void schedule_fault(SimTime at, FaultSpec fault, std::optional<Duration> duration);
  // The start of a liveness phase: every fault ends, every node runs, the network is whole.
  void heal_all();
  std::size_t active_fault_count() const { return active_faults_.size(); }

  void run_until(SimTime end) { scheduler_.run_until(end); }
  bool run_until(const std::function<bool()>& done, SimTime limit) {
    return scheduler_.run_until(done, limit);
  }
  SimTime now() const { return scheduler_.now(); }

  Scheduler& scheduler() { return scheduler_; }
  SimNetwork& network() { return network_; }
  Trace& trace() { return trace_; }
  SimDisk& disk(NodeId node);
  const WorldStats& stats() const { return stats_; }
  std::uint64_t seed() const { return config_.seed; }

  std::size_t node_count() const { return nodes_.size(); }
  const std::string& name(NodeId node) const;
  std::optional<NodeId> find(std::string_view name) const;
  NodeNamer namer() const;
  NodeState state(NodeId node) const;
  std::uint32_t incarnation(NodeId node) const;
  // The live node object, or nullptr when the node is down.
  Node* node(NodeId node);
  template <class T>
  T* node_as(NodeId id) {
    return dynamic_cast<T*>(node(id));
  }

 private:
  class NodeContext;
  struct ActiveFault {
    FaultSpec spec;
    RuleId rule = 0;  // for network faults
  };

  Decision admit(OwnerId owner) override;
  NodeContext& ctx(NodeId node) const;
  void send(NodeId from, NodeId to, MessagePtr message, SimTime at);
  void deliver(NodeId from, NodeId to, std::uint64_t id, std::uint32_t incarnation,
               std::uint32_t generation, const MessagePtr& message);
  void stop_process(NodeId node, std::string_view what, SimTime at);
  // The peer's kernel closes the holder's connection to it (FIN or RST), sent at `at`.
  void close_connection(NodeId peer, NodeId holder, std::uint32_t generation, std::string_view reason, SimTime at);
  void schedule_writeback(NodeId node);
  std::string describe(const FaultSpec& fault) const;
  std::string names(const std::vector<NodeId>& nodes) const;
  void record(NodeId node, TraceEvent event) { trace_.record(now(), node, std::move(event)); }

  // One end of a connection: [holder][peer]. The generation counts the closes the holder has
  // learnt of, so that a close telling of an older connection does nothing.
  struct ConnectionEnd {
    bool open = false;
    std::uint32_t generation = 0;
  };

  WorldConfig config_;
  Rng rng_;
  Scheduler scheduler_;
  SimNetwork network_;
  Trace trace_;
  std::vector<std::unique_ptr<NodeContext>> nodes_;
  std::vector<std::vector<ConnectionEnd>> connections_;
  std::map<FaultId, ActiveFault> active_faults_;
  FaultId next_fault_ = 1;
  std::uint64_t next_message_id_ = 1;
  WorldStats stats_;
};

}  // namespace kafkasim::sim
