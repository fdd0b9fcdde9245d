#include "sim/world.h"

#include <cassert>
#include <cstdio>
#include <stdexcept>

namespace kafkasim::sim {

std::string_view to_string(NodeState state) {
  switch (state) {
    case NodeState::not_started: return "not_started";
    case NodeState::running: return "running";
    case NodeState::paused: return "paused";
    case NodeState::down: return "down";
  }
  return "unknown";
}

// One node's Env. It outlives the node objects built on it: a restart builds a new node on
// the same context, with the same disk and random stream.
//
// While one of the node's handlers runs, `clock_` is the node's own time: it starts at the
// event's time and moves on by the cost of each disk operation, so a message sent after an
// fsync leaves when the fsync is done. When the handler returns, the node is busy until then.
class World::NodeContext final : public Env {
 public:
  NodeContext(World& world, NodeId id, std::string name, NodeFactory factory)
      : world_(world),
        id_(id),
        name_(std::move(name)),
        factory_(std::move(factory)),
        rng_(world.rng_.child("node/" + name_)) {
    SimDisk::Hooks hooks;
    hooks.now = [this] { return current_time(); };
    hooks.charge = [this](Duration d) { charge(d); };
    hooks.trace = [this](const DiskOp& op) { world_.trace_.record(current_time(), id_, op); };
    disk_ = std::make_unique<SimDisk>(world.config_.disk, world.rng_.child("disk/" + name_),
                                      std::move(hooks));
  }

  // Env
  NodeId self() const override { return id_; }
  SimTime now() const override { return current_time() + skew_; }
  SimTime steady_now() const override { return current_time(); }
  TimerHandle after(Duration delay, std::function<void()> fn) override {
    const EventId event = world_.scheduler_.at(
        current_time() + delay,
        [this, inc = incarnation_, fn = std::move(fn)] {
          if (inc == incarnation_ && node_) run_handler(fn);
        },
        id_.value());
    return TimerHandle(this, event);
  }
  void send(NodeId to, MessagePtr message) override {
    if (!halted_) world_.send(id_, to, std::move(message), current_time());
  }
  void disconnect(NodeId peer) override {
    if (!halted_) world_.disconnect(id_, peer);
  }
  storage::Disk& disk() override { return *disk_; }
  Rng& rng() override { return rng_; }
  void trace(ModelEvent event) override {
    if (halted_) return;
    std::visit([this](auto&& e) { world_.trace_.record(current_time(), id_, std::move(e)); },
               std::move(event));
  }
  void probe(Probe probe) override {
    if (!halted_) ++world_.probe_counts_[static_cast<std::size_t>(probe)];
  }
  void halt() override { halted_ = true; }

  template <class F>
  void run_handler(F&& handler) {
    in_handler_ = true;
    clock_ = world_.now();
    handler();
    in_handler_ = false;
    busy_until_ = clock_;
    if (halted_) {
      // The node's code has returned: it can go now.
      halted_ = false;
      world_.stop_process(id_, "halt", clock_);  // when its handler's work was done
    }
  }

  void build_node() {
    run_handler([this] {
      node_ = factory_(*this);
      node_->start();
    });
  }
  void destroy_node() {
    node_.reset();
    ++incarnation_;  // the old incarnation's timers now do nothing when they come due
    busy_until_ = world_.now();
  }

  SimTime current_time() const { return in_handler_ ? clock_ : world_.now(); }
  // Disk time outside a handler (the OS writing back) costs the node nothing.
  void charge(Duration d) {
    if (in_handler_) clock_ += d;
  }

  const std::string& name() const { return name_; }
  SimDisk& sim_disk() { return *disk_; }
  Node* node() { return node_.get(); }
  NodeState state = NodeState::not_started;
  bool powered_off = false;  // its host is down too: nothing answers for it
  std::uint32_t incarnation() const { return incarnation_; }
  SimTime busy_until() const { return busy_until_; }
  void set_skew(Duration skew) { skew_ = skew; }

 private:
  bool cancel_timer(std::uint64_t id) override { return world_.scheduler_.cancel(id); }
  bool timer_pending(std::uint64_t id) const override { return world_.scheduler_.pending(id); }

  World& world_;
  NodeId id_;
  std::string name_;
  NodeFactory factory_;
  Rng rng_;
  std::unique_ptr<SimDisk> disk_;
  std::unique_ptr<Node> node_;
  std::uint32_t incarnation_ = 0;
  Duration skew_;
  bool in_handler_ = false;
  bool halted_ = false;  // halt() was called in the running handler
  SimTime clock_;
  SimTime busy_until_;
};

World::World(WorldConfig config)
    : config_(config), rng_(config.seed), network_(config.network, rng_.child("network")) {
  scheduler_.set_gate(this);
  scheduler_.set_event_budget(config.event_budget);
  // However a link comes back (a fault's end, a heal, a rule removed by hand), what it held goes on.
  network_.set_links_changed([this] { release_held_when_up(); });
}

World::~World() {
  // Node objects first: their destructors may still hold files of their disks.
  for (auto& n : nodes_) n->destroy_node();
}

World::NodeContext& World::ctx(NodeId node) const {
  if (node.value() >= nodes_.size()) {
    throw std::out_of_range("no node with id " + std::to_string(node.value()));
  }
  return *nodes_[node.value()];
}

NodeId World::add_node(std::string name, NodeFactory factory) {
  if (find(name)) throw std::invalid_argument("two nodes are named \"" + name + "\"");
  const NodeId id{static_cast<std::uint32_t>(nodes_.size())};
  nodes_.push_back(std::make_unique<NodeContext>(*this, id, std::move(name), std::move(factory)));
  network_.add_node(id);
  for (auto& row : connections_) row.emplace_back();
  connections_.emplace_back(nodes_.size());
  for (auto& row : latest_connection_) row.emplace_back(0);
  latest_connection_.emplace_back(nodes_.size(), 0);
  schedule_writeback(id);
  return id;
}

void World::schedule_writeback(NodeId node) {
  const Duration interval = config_.disk.writeback_interval;
  if (interval <= Duration::zero()) return;
  scheduler_.after(interval, [this, node] {
    ctx(node).sim_disk().writeback();
    schedule_writeback(node);
  });
}

void World::start(NodeId node) {
  NodeContext& c = ctx(node);
  if (c.state != NodeState::not_started) return;
  c.state = NodeState::running;
  record(node, NodeLifecycle{"start", c.incarnation()});
  c.build_node();
}

void World::start_all() {
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) start(NodeId{i});
}

void World::stop_process(NodeId node, std::string_view what, SimTime at) {
  NodeContext& c = ctx(node);
  trace_.record(at, node, NodeLifecycle{what, c.incarnation()});
  c.state = NodeState::down;
  c.destroy_node();
  if (!c.powered_off) {
    for (std::uint32_t p = 0; p < nodes_.size(); ++p) {
      const ConnectionEnd& end = connections_[p][node.value()];
      // A process's messages to itself need no socket to close.
      if (end.open && p != node.value()) {
        close_connection(node, NodeId{p}, latest_connection(node, NodeId{p}), "peer_exited", at);
      }
    }
  }
  forget_connections(node);
  // Whatever waited for the paused process now finds it gone.
  scheduler_.release(node.value());
}

void World::close_connection(NodeId peer, NodeId holder, std::uint64_t connection,
                             std::string_view reason, SimTime at) {
  InTransit close{peer, holder, connection, next_message_id_++, at, nullptr, reason};
  if (waits_behind_cut(close)) {
    hold(std::move(close));
    return;
  }
  transmit_close(std::move(close), at);
}

void World::transmit_close(InTransit close, SimTime at) {
  const SimTime arrival = network_.close_arrival(close.from, close.to, at);
  const NodeId holder = close.to;
  scheduler_.at(arrival, [this, close = std::move(close)] { arrive_close(close); }, holder.value());
}

void World::arrive_close(const InTransit& close) {
  const NodeId peer = close.from, holder = close.to;
  if (waits_behind_cut(close)) {
    hold(close);
    return;
  }
  NodeContext& c = ctx(holder);
  ConnectionEnd& end = connections_[holder.value()][peer.value()];
  // A connection the holder closed already, or one its process does not have.
  if (close.connection <= end.closed_upto || c.state != NodeState::running) return;
  end.open = false;
  end.closed_upto = close.connection;
  record(holder, ConnectionClosed{peer, close.close_reason});
  c.run_handler([&] { c.node()->on_disconnect(peer); });
}

void World::kill(NodeId node) {
  const NodeState s = ctx(node).state;
  if (s == NodeState::running || s == NodeState::paused) stop_process(node, "kill", now());
}

void World::power_loss(NodeId node) {
  NodeContext& c = ctx(node);
  c.powered_off = true;
  if (c.state == NodeState::running || c.state == NodeState::paused) stop_process(node, "power_loss", now());
  for (const InTransit& lost : held_.take_from(node)) drop_held(lost);
  for (DiskLoss& loss : c.sim_disk().power_loss()) record(node, std::move(loss));
}

void World::restart(NodeId node) {
  NodeContext& c = ctx(node);
  if (c.state != NodeState::down) return;
  c.state = NodeState::running;
  c.powered_off = false;
  ++stats_.restarts;
  forget_connections(node);  // the new process has none, not even those tried while it was down
  record(node, NodeLifecycle{"restart", c.incarnation()});
  c.build_node();
}

void World::pause(NodeId node) {
  NodeContext& c = ctx(node);
  if (c.state != NodeState::running) return;
  c.state = NodeState::paused;
  record(node, NodeLifecycle{"pause", c.incarnation()});
}

void World::resume(NodeId node) {
  NodeContext& c = ctx(node);
  if (c.state != NodeState::paused) return;
  c.state = NodeState::running;
  record(node, NodeLifecycle{"resume", c.incarnation()});
  scheduler_.release(node.value());
}

void World::set_clock_skew(NodeId node, Duration offset) { ctx(node).set_skew(offset); }

EventGate::Decision World::admit(OwnerId owner) {
  const NodeContext& c = *nodes_[owner];
  if (c.state == NodeState::paused) return {Admit::hold, {}};
  if (c.busy_until() > now()) return {Admit::defer, c.busy_until()};
  return {Admit::run, {}};
}

void World::send(NodeId from, NodeId to, MessagePtr message, SimTime at) {
  ctx(to);  // a message to a node that does not exist is a bug in the model
  ++stats_.messages_sent;
  // What a node sends to a peer while handling its message goes back on that message's
  // connection; an answer sent later goes on the pair's latest; a request may open a new one.
  const std::uint64_t closed_upto = connections_[from.value()][to.value()].closed_upto;
  const bool replying = answering_ && answering_->node == from && answering_->peer == to;
  std::uint64_t connection = 0;
  if (replying && answering_->connection > closed_upto) {
    connection = answering_->connection;
  } else if (message->answers_peer()) {
    connection = replying ? answering_->connection : latest_connection(from, to);
    if (connection <= closed_upto) {  // the connection the peer asked on is closed
      dropped(at, from, MessageDropped{from, to, next_message_id_++, "connection_closed"});
      return;
    }
  } else {
    connection = connection_to_send_on(from, to);
  }
  InTransit m{from, to, connection, next_message_id_++, at, std::move(message), {}};
  connections_[from.value()][to.value()].open = true;
  if (waits_behind_cut(m)) {
    hold(std::move(m));
    return;
  }
  transmit(std::move(m), at);
}

void World::transmit(InTransit m, SimTime at, bool retransmission) {
  const SimNetwork::Transmission t = network_.transmit(m.from, m.to, m.message->wire_bytes(), at);
  if (t.retransmissions > 0) ++stats_.messages_retransmitted;
  if (t.lost) {
    dropped(at, m.from, MessageDropped{m.from, m.to, m.id, "loss"});
    return;
  }
  if (retransmission) {
    trace_.record(at, m.from, MessageRetransmitted{m.to, m.id, t.arrival});
  } else {
    trace_.record(at, m.from, MessageSent{m.to, m.id, m.message, t.arrival});
  }
  const NodeId to = m.to;
  if (t.duplicate_arrival) scheduler_.at(*t.duplicate_arrival, [this, m] { deliver(m); }, to.value());
  scheduler_.at(t.arrival, [this, m = std::move(m)] { deliver(m); }, to.value());
}

void World::deliver(const InTransit& m) {
  const NodeId from = m.from, to = m.to;
  if (waits_behind_cut(m)) {
    hold(m);
    return;
  }
  NodeContext& c = ctx(to);
  if (c.state != NodeState::running) {  // a paused node never gets here: the gate holds its events
    dropped(now(), to, MessageDropped{from, to, m.id, "node_down"});
    if (!c.powered_off) close_connection(to, from, m.connection, "refused", now());
    return;
  }
  ConnectionEnd& end = connections_[to.value()][from.value()];
  // A connection the receiver closed, or one to its process before: its kernel resets it.
  if (m.connection <= end.closed_upto) {
    dropped(now(), to, MessageDropped{from, to, m.id, "connection_reset"});
    close_connection(to, from, m.connection, "refused", now());
    return;
  }
  ++stats_.messages_delivered;
  end.open = true;
  record(to, MessageDelivered{from, m.id});
  answering_ = Answering{to, from, m.connection};
  c.run_handler([&] { c.node()->on_message(from, m.message); });
  answering_.reset();
}

void World::disconnect(NodeId self, NodeId peer) {
  ConnectionEnd& end = connections_[self.value()][peer.value()];
  end.open = false;
  end.closed_upto = latest_connection(self, peer);
}

void World::forget_connections(NodeId node) {
  for (std::uint32_t p = 0; p < nodes_.size(); ++p) disconnect(node, NodeId{p});
}

std::uint64_t World::connection_to_send_on(NodeId from, NodeId to) {
  std::uint64_t& latest = latest_connection(from, to);
  if (latest > connections_[from.value()][to.value()].closed_upto) return latest;
  latest = next_connection_++;
  // Neither direction of the new connection waits behind the old one's messages.
  network_.forget_order(from, to);
  network_.forget_order(to, from);
  return latest;
}

bool World::waits_behind_cut(const InTransit& item) const {
  // Lost on the cut link, or behind what was: the sender's kernel sends it again.
  return !network_.reachable(item.from, item.to) || held_.holds(item.from, item.to, item.connection);
}

void World::hold(InTransit item) {
  if (ctx(item.from).powered_off) {  // no kernel is left to send it again
    drop_held(item);
    return;
  }
  if (!item.is_close()) {
    ++stats_.messages_retransmitted;
    record(item.from, MessageHeld{item.to, item.id});
  }
  // Its link is cut, or its stream's release is already waiting: only a heal makes one due.
  held_.hold(std::move(item));
}

void World::drop_held(const InTransit& item) {
  if (item.is_close()) return;
  dropped(now(), item.from, MessageDropped{item.from, item.to, item.id, "sender_power_loss"});
}

void World::release_held_when_up() {
  if (held_.empty()) return;
  const auto up = [this](NodeId from, NodeId to) { return network_.reachable(from, to); };
  for (const HeldStreams::Due& due : held_.take_due(up)) {
    scheduler_.at(Retransmission::next_at_or_after(due.oldest_sent, now()), [this, due] { release_held(due); });
  }
}

void World::release_held(const HeldStreams::Due& due) {
  if (!held_.holds_stream(due)) return;  // its sender lost power meanwhile
  if (!network_.reachable(due.from, due.to)) {
    held_.release_failed(due);
    return;
  }
  for (InTransit& item : held_.take(due)) {
    if (now() - item.sent > Retransmission::gives_up_after) {
      if (!item.is_close()) {
        dropped(now(), item.from, MessageDropped{item.from, item.to, item.id, "retransmissions_gave_up"});
      }
    } else if (item.is_close()) {
      transmit_close(std::move(item), now());
    } else {
      transmit(std::move(item), now(), /*retransmission=*/true);
    }
  }
}

FaultId World::start_fault(const FaultSpec& fault) {
  const FaultId id = next_fault_++;
  ++stats_.faults_started;
  record(kWorldNode, FaultStarted{id, fault_type(fault), describe(fault)});
  ActiveFault active{fault, 0};
  std::visit(
      [&](const auto& f) {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, ProcessKill>) {
          for (NodeId n : f.nodes) kill(n);
        } else if constexpr (std::is_same_v<F, PowerLoss>) {
          for (NodeId n : f.nodes) power_loss(n);
        } else if constexpr (std::is_same_v<F, Restart>) {
          for (NodeId n : f.nodes) restart(n);
        } else if constexpr (std::is_same_v<F, ProcessStop>) {
          for (NodeId n : f.nodes) pause(n);
        } else if constexpr (std::is_same_v<F, NetworkPartition>) {
          active.rule = network_.partition(f.groups);
        } else if constexpr (std::is_same_v<F, Isolate>) {
          active.rule = network_.isolate(f.nodes);
        } else if constexpr (std::is_same_v<F, DegradedNetwork>) {
          active.rule = network_.degrade(f.nodes, f.peers, f.direction, f.degradation);
        } else if constexpr (std::is_same_v<F, SlowDisk>) {
          for (NodeId n : f.nodes) disk(n).set_slow_factor(f.factor);
        } else if constexpr (std::is_same_v<F, DiskFault>) {
          for (NodeId n : f.nodes) {
            SimDisk& d = disk(n);
            if (f.mode == DiskFaultMode::fsync_error) d.set_fsync_error(true);
            if (f.mode == DiskFaultMode::full) d.set_full(true);
            if (f.mode == DiskFaultMode::corrupt_tail) {
              if (auto path = d.corrupt_tail()) record(n, DiskOp{"corrupt", *path, 0, 0, ""});
            }
          }
        } else if constexpr (std::is_same_v<F, ClockSkew>) {
          for (NodeId n : f.nodes) set_clock_skew(n, f.offset);
        } else if constexpr (std::is_same_v<F, Heal>) {
          std::vector<FaultId> network_faults;
          for (const auto& [fid, a] : active_faults_) {
            if (a.rule != 0) network_faults.push_back(fid);
          }
          for (FaultId fid : network_faults) end_fault(fid);
        }
      },
      fault);
  // A restart, a heal or a corruption happens at once: nothing stays to be undone.
  const bool instant = std::holds_alternative<Restart>(fault) || std::holds_alternative<Heal>(fault) ||
                       (std::holds_alternative<DiskFault>(fault) &&
                        std::get<DiskFault>(fault).mode == DiskFaultMode::corrupt_tail);
  if (!instant) active_faults_.emplace(id, std::move(active));
  return id;
}

void World::end_fault(FaultId fault) {
  auto it = active_faults_.find(fault);
  if (it == active_faults_.end()) return;
  const ActiveFault active = std::move(it->second);
  active_faults_.erase(it);
  std::visit(
      [&](const auto& f) {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, ProcessKill> || std::is_same_v<F, PowerLoss>) {
          for (NodeId n : f.nodes) restart(n);
        } else if constexpr (std::is_same_v<F, ProcessStop>) {
          for (NodeId n : f.nodes) resume(n);
        } else if constexpr (std::is_same_v<F, SlowDisk>) {
          for (NodeId n : f.nodes) disk(n).set_slow_factor(1.0);
        } else if constexpr (std::is_same_v<F, DiskFault>) {
          for (NodeId n : f.nodes) {
            disk(n).set_fsync_error(false);
            disk(n).set_full(false);
          }
        } else if constexpr (std::is_same_v<F, ClockSkew>) {
          for (NodeId n : f.nodes) set_clock_skew(n, Duration::zero());
        }
      },
      active.spec);
  if (active.rule != 0) network_.remove_rule(active.rule);
  record(kWorldNode, FaultEnded{fault, fault_type(active.spec)});
}

void World::schedule_fault(SimTime at, FaultSpec fault, std::optional<Duration> duration) {
  scheduler_.at(at, [this, fault = std::move(fault), duration] {
    const FaultId id = start_fault(fault);
    if (duration) scheduler_.after(*duration, [this, id] { end_fault(id); });
  });
}

void World::heal_all() {
  while (!active_faults_.empty()) end_fault(active_faults_.begin()->first);
  network_.heal();
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    const NodeId n{i};
    resume(n);
    restart(n);
    set_clock_skew(n, Duration::zero());
    disk(n).set_slow_factor(1.0);
    disk(n).set_fsync_error(false);
    disk(n).set_full(false);
  }
}

SimDisk& World::disk(NodeId node) { return ctx(node).sim_disk(); }
const std::string& World::name(NodeId node) const { return ctx(node).name(); }
NodeState World::state(NodeId node) const { return ctx(node).state; }
std::uint32_t World::incarnation(NodeId node) const { return ctx(node).incarnation(); }
Node* World::node(NodeId node) { return ctx(node).node(); }

std::optional<NodeId> World::find(std::string_view name) const {
  for (const auto& n : nodes_) {
    if (n->name() == name) return n->self();
  }
  return std::nullopt;
}

NodeNamer World::namer() const {
  return [this](NodeId id) {
    return id == kWorldNode ? std::string("world") : name(id);
  };
}

namespace {
std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}
}  // namespace

std::string World::names(const std::vector<NodeId>& nodes) const {
  std::string out;
  for (NodeId n : nodes) {
    if (!out.empty()) out += ",";
    out += name(n);
  }
  return out;
}

std::string World::describe(const FaultSpec& fault) const {
  return std::visit(
      [this](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, NetworkPartition>) {
          std::string out;
          for (const auto& group : f.groups) out += (out.empty() ? "[" : " | [") + names(group) + "]";
          return out;
        } else if constexpr (std::is_same_v<F, DegradedNetwork>) {
          const LinkDegradation& d = f.degradation;
          return names(f.nodes) + (f.peers.empty() ? "" : " peers=" + names(f.peers)) +
                 " latency+=" + std::to_string(d.extra_latency.as_micros()) + "us jitter+=" +
                 std::to_string(d.extra_jitter.as_micros()) + "us loss=" +
                 format_number(d.loss_percent) + "% rate=" + std::to_string(d.rate_limit_kbit) +
                 "kbit";
        } else if constexpr (std::is_same_v<F, SlowDisk>) {
          return names(f.nodes) + " factor=" + format_number(f.factor);
        } else if constexpr (std::is_same_v<F, DiskFault>) {
          return names(f.nodes) + " mode=" + std::string(disk_fault_mode_name(f.mode));
        } else if constexpr (std::is_same_v<F, ClockSkew>) {
          return names(f.nodes) + " offset=" + std::to_string(f.offset.as_micros()) + "us";
        } else if constexpr (std::is_same_v<F, Heal>) {
          return "";
        } else {
          return names(f.nodes);
        }
      },
      fault);
}

}  // namespace kafkasim::sim
