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
// a message that reaches a host whose process is gone, or is a new one, or on a connection its
// receiver closed (Env::disconnect, as a client whose request timed out), is refused the same
// way. A host without power answers nothing: its peers find out by timeouts. A cut link loses
// nothing on a connection: what meets the cut, messages and closes alike, is sent again by the
// sender's kernel and arrives, in order, once the link is back (HeldStreams), unless the
// sender's host loses power first.
//
// Every fault of SCENARIO_FORMAT.md goes through start_fault/end_fault, which the scenario
// runner and the tests call; both record fault_start/fault_end in the trace.
#pragma once

#include <array>
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
#include "sim/held_streams.h"
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
  std::uint64_t messages_retransmitted = 0;  // lost once or more, or held on a cut link
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
  // How many times the nodes took each rare path (model/probes.h), in Probe order.
  const std::array<std::uint64_t, kProbeCount>& probe_counts() const { return probe_counts_; }
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
  // A message's first send, or (`retransmission`) a held one's once its link is back.
  void transmit(InTransit message, SimTime at, bool retransmission = false);
  void disconnect(NodeId self, NodeId peer);
  void deliver(const InTransit& message);
  // What meets a cut link waits in its direction's stream (HeldStreams) and goes on at the
  // first retransmission after the link is back; a power loss of its sender drops it.
  bool waits_behind_cut(const InTransit& item) const;
  void hold(InTransit item);
  void drop_held(const InTransit& item);
  void release_held_when_up();
  void release_held(const HeldStreams::Due& due);
  void stop_process(NodeId node, std::string_view what, SimTime at);
  // The peer's kernel closes the holder's connection to it (FIN or RST), sent at `at`.
  void close_connection(NodeId peer, NodeId holder, std::uint64_t connection, std::string_view reason, SimTime at);
  void transmit_close(InTransit close, SimTime at);
  void arrive_close(const InTransit& close);
  void schedule_writeback(NodeId node);
  std::string describe(const FaultSpec& fault) const;
  std::string names(const std::vector<NodeId>& nodes) const;
  void record(NodeId node, TraceEvent event) { trace_.record(now(), node, std::move(event)); }
  void dropped(SimTime at, NodeId node, MessageDropped event) {
    ++stats_.messages_dropped;
    trace_.record(at, node, event);
  }

  // Connections have ids, as TCP's have port pairs: a pair of nodes talks on its latest one,
  // and a new one starts when the sender's end closed that (it timed a request out, heard the
  // peer's FIN or RST, or its process is a new one). What arrives on a connection its
  // receiver closed is dropped, as a kernel answers it with RST; a close tells of one
  // connection only. One end of the pair's connections: [holder][peer].
  struct ConnectionEnd {
    bool open = false;              // the holder sent on or heard from its latest connection
    // The holder has closed every connection up to this id (its process, after a restart,
    // never had them).
    std::uint64_t closed_upto = 0;
  };
  // The node closes every connection it has: its process, old or new, has none of them.
  void forget_connections(NodeId node);
  // The connection `from` sends to `to` on: the pair's latest, or a new one if `from` closed it.
  std::uint64_t connection_to_send_on(NodeId from, NodeId to);
  std::uint64_t& latest_connection(NodeId a, NodeId b) {
    return latest_connection_[std::min(a.value(), b.value())][std::max(a.value(), b.value())];
  }

  WorldConfig config_;
  Rng rng_;
  Scheduler scheduler_;
  SimNetwork network_;
  Trace trace_;
  std::vector<std::unique_ptr<NodeContext>> nodes_;
  std::vector<std::vector<ConnectionEnd>> connections_;
  std::vector<std::vector<std::uint64_t>> latest_connection_;  // [smaller id][larger id]
  struct Answering {
    NodeId node;  // handling a message
    NodeId peer;  // from this peer
    std::uint64_t connection;  // that came on this connection
  };
  std::optional<Answering> answering_;
  std::uint64_t next_connection_ = 1;
  HeldStreams held_;
  std::map<FaultId, ActiveFault> active_faults_;
  FaultId next_fault_ = 1;
  std::uint64_t next_message_id_ = 1;
  WorldStats stats_;
  std::array<std::uint64_t, kProbeCount> probe_counts_{};
};

}  // namespace kafkasim::sim
