#include "sim/demo/echo_demo.h"

#include <memory>
#include <stdexcept>

namespace kafkasim::sim {
namespace {

// Collects the faults as the trace records them.
class FaultLog final : public TraceSink {
 public:
  explicit FaultLog(std::vector<std::string>& out) : out_(out) {}
  void on_event(const TraceRecord& record) override {
    if (const auto* f = std::get_if<FaultStarted>(&record.event)) {
      const std::int64_t ms = record.time.as_millis();
      out_.push_back(std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1) +
                     "s " + std::string(f->type) + (f->detail.empty() ? "" : " " + f->detail));
    }
  }

 private:
  std::vector<std::string>& out_;
};

void script_faults(World& world, const std::vector<NodeId>& nodes, Duration duration) {
  const SimTime t0 = SimTime::zero();
  const std::vector<NodeId> rest(nodes.begin() + 1, nodes.end());
  world.schedule_fault(t0 + duration / 5, NetworkPartition{{{nodes.front()}, rest}}, duration / 4);
  world.schedule_fault(t0 + duration * 6 / 10, ProcessKill{{nodes.back()}}, duration / 10);
  world.schedule_fault(t0 + duration * 8 / 10, PowerLoss{{nodes[nodes.size() / 2]}}, duration / 20);
}

// At most one fault at a time, each ended before the next starts.
void draw_faults(World& world, const std::vector<NodeId>& nodes, Duration duration, Rng rng) {
  SimTime t = SimTime::from_millis(rng.uniform_int(200, 1000));
  const SimTime last_start = SimTime::zero() + duration - Duration::seconds(1);
  while (t < last_start) {
    const NodeId target = rng.pick(nodes);
    const Duration length = Duration::millis(rng.uniform_int(100, 1500));
    FaultSpec fault;
    switch (rng.below(6)) {
      case 0: fault = ProcessKill{{target}}; break;
      case 1: fault = PowerLoss{{target}}; break;
      case 2: {
        std::vector<NodeId> others;
        for (NodeId n : nodes) {
          if (n != target) others.push_back(n);
        }
        fault = NetworkPartition{{{target}, others}};
        break;
      }
      case 3: fault = ProcessStop{{target}}; break;
      case 4: {
        LinkDegradation d;
        d.extra_latency = Duration::millis(rng.uniform_int(5, 50));
        d.extra_jitter = Duration::millis(rng.uniform_int(0, 20));
        d.loss_percent = static_cast<double>(rng.uniform_int(0, 30));
        fault = DegradedNetwork{{target}, {}, Direction::both, d};
        break;
      }
      default: fault = SlowDisk{{target}, static_cast<double>(rng.uniform_int(2, 20))}; break;
    }
    world.schedule_fault(t, fault, length);
    t = t + length + Duration::millis(rng.uniform_int(100, 1000));
  }
}

}  // namespace

EchoDemoResult run_echo_demo(const EchoDemoOptions& options) {
  if (options.nodes < 2) throw std::invalid_argument("the echo demo needs at least 2 nodes");
  WorldConfig config;
  config.seed = options.seed;
  config.network = options.network;
  config.disk = options.disk;
  World world(config);

  EchoDemoResult result;
  result.seed = options.seed;
  FaultLog fault_log(result.faults);
  world.trace().add_sink(&fault_log);
  std::unique_ptr<TextTraceWriter> text;
  std::unique_ptr<JsonlTraceWriter> jsonl;
  if (options.text_log) {
    text = std::make_unique<TextTraceWriter>(*options.text_log, world.namer());
    world.trace().add_sink(text.get());
  }
  if (options.jsonl) {
    jsonl = std::make_unique<JsonlTraceWriter>(*options.jsonl, world.namer());
    world.trace().add_sink(jsonl.get());
  }

  std::vector<NodeId> ids;
  for (int i = 0; i < options.nodes; ++i) ids.push_back(NodeId{static_cast<std::uint32_t>(i)});
  for (int i = 0; i < options.nodes; ++i) {
    std::vector<NodeId> peers;
    for (NodeId id : ids) {
      if (id.value() != static_cast<std::uint32_t>(i)) peers.push_back(id);
    }
    world.add_node("node-" + std::to_string(i + 1), [peers, &options, &result](Env& env) {
      return std::make_unique<EchoNode>(env, peers, options.ping_interval, result.echo);
    });
  }
  if (options.random_faults) {
    draw_faults(world, ids, options.duration, Rng(options.seed).child("nemesis"));
  } else {
    script_faults(world, ids, options.duration);
  }

  world.start_all();
  world.run_until(SimTime::zero() + options.duration);
  // Liveness phase: everything heals, and the nodes talk again for a while.
  world.heal_all();
  world.run_until(world.now() + Duration::seconds(1));

  result.trace_hash = world.trace().hash();
  result.trace_events = world.trace().count();
  result.scheduler_events = world.scheduler().events_run();
  result.end = world.now();
  result.world = world.stats();
  return result;
}

}  // namespace kafkasim::sim
