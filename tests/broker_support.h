// A cluster of simulated brokers for tests, with a harness node that plays the controller
// (LeaderAndIsr, UpdateMetadata, judging AlterIsr) and a raw client (Produce, Fetch).
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "model/broker/broker.h"
#include "model/controller/isr_change.h"
#include "model/protocol/metadata.h"
#include "model/protocol/record_id.h"
#include "sim/world.h"
#include "storage_support.h"

namespace kafkasim::testing {

// Collects every message it receives, with its arrival time; as the controller it records
// each partition's state and judges the leaders' ISR changes.
struct Harness final : Node {
  explicit Harness(Env& e) : env(e) {}
  void start() override {}
  // LeaderAndIsr and UpdateMetadata go as the controller's do: one whose connection closed
  // before its answer is sent again (after the controller's 50 ms reconnect wait), so that a
  // request sent to a broker just restarted, on the connection to its process before, arrives.
  void send_control(NodeId to, MessagePtr m) {
    unanswered[to].push_back(m);
    env.send(to, std::move(m));
  }
  void on_disconnect(NodeId peer) override {
    env.after(Duration::millis(50), [this, peer] {
      for (const MessagePtr& m : unanswered[peer]) env.send(peer, m);
    });
  }
  void on_message(NodeId from, const MessagePtr& m) override {
    inbox.emplace_back(env.now(), m);
    if ((body_cast<LeaderAndIsrResponse>(*m) || body_cast<UpdateMetadataResponse>(*m)) && !unanswered[from].empty()) {
      unanswered[from].erase(unanswered[from].begin());
    }
    if (const auto* alter = body_cast<AlterIsrRequest>(*m)) {
      AlterIsrResponse response;
      for (const AlterIsrItem& item : alter->partitions) {
        PartitionState& state = states[item.tp];
        AlterIsrResult r = controller::judge_isr_change(state, alter->broker_id, item);
        if (r.error == Errors::NONE && r.isr != state.isr) {
          state.isr = r.isr;
          state.partition_epoch = r.partition_epoch;
          record(state);
        }
        response.partitions.push_back(r);
      }
      env.send(from, make_message(std::move(response)));
    }
  }
  void record(const PartitionState& state) {
    env.trace(PartitionStateRecorded{state.tp.str(), state.leader.value(), state.leader_epoch.value(),
                                     broker_list(state.isr), state.partition_epoch});
  }
  template <class Body>
  std::vector<std::pair<SimTime, Body>> received() const {
    std::vector<std::pair<SimTime, Body>> out;
    for (const auto& [t, m] : inbox) {
      if (const auto* b = body_cast<Body>(*m)) out.emplace_back(t, *b);
    }
    return out;
  }
  Env& env;
  std::vector<std::pair<SimTime, MessagePtr>> inbox;
  std::map<TopicPartition, PartitionState> states;  // the controller's record
  std::map<NodeId, std::vector<MessagePtr>> unanswered;
};

inline const TopicPartition kOrders{"orders", 0};
inline const std::vector<BrokerId> kAll{BrokerId{1}, BrokerId{2}, BrokerId{3}};

// A network of 1 ms links without jitter: round trips easy to count in tests.
inline sim::WorldConfig quiet_world() {
  sim::WorldConfig c;
  c.network.latency = Duration::millis(1);
  c.network.jitter = Duration::zero();
  return c;
}

struct BrokerCluster {
  sim::World world;
  std::vector<NodeId> brokers;  // broker-1.. has BrokerId 1..
  NodeId harness;
  ControllerEpoch controller_epoch{1};

  // `sink`, when given, sees the trace from the very start.
  explicit BrokerCluster(int n, broker::BrokerConfig base = {}, sim::WorldConfig wc = quiet_world(),
                         sim::TraceSink* sink = nullptr)
      : world(wc) {
    if (sink) world.trace().add_sink(sink);
    for (int i = 1; i <= n; ++i) {
      broker::BrokerConfig c = base;
      c.broker_id = BrokerId{i};
      brokers.push_back(world.add_node("broker-" + std::to_string(i),
                                       [c](Env& env) { return std::make_unique<broker::Broker>(env, c); }));
    }
    harness = world.add_node("harness", [](Env& env) { return std::make_unique<Harness>(env); });
    world.start_all();
  }
  Harness& h() { return *world.node_as<Harness>(harness); }
  // Restarts a broker and waits until the harness has heard that its process before is gone
  // (when the kill's FIN arrives), as a controller hears of the restart before it sends to it.
  void restart(BrokerId b) {
    world.restart(node(b));
    run_for(Duration::millis(5));
  }
  NodeId node(BrokerId b) const { return brokers.at(static_cast<std::size_t>(b.value() - 1)); }
  broker::Broker& broker(BrokerId b) { return *world.node_as<broker::Broker>(node(b)); }
  storage::Log& log(BrokerId b, const TopicPartition& tp = kOrders) { return *broker(b).log_manager()->get(tp); }
  broker::Partition& partition(BrokerId b, const TopicPartition& tp = kOrders) {
    return *broker(b).replica_manager()->partition(tp);
  }

  // Records a new state of `tp` and makes the LeaderAndIsr that tells it, with every broker's
  // endpoint.
  LeaderAndIsrRequest leader_and_isr(const TopicPartition& tp, BrokerId leader, LeaderEpoch epoch,
                                     std::vector<BrokerId> isr, std::vector<BrokerId> replicas) {
    LeaderAndIsrRequest r;
    r.controller_id = BrokerId{0};
    r.controller_epoch = controller_epoch;
    PartitionState& state = h().states[tp];
    state = PartitionState{tp, controller_epoch, leader, epoch, isr, replicas, state.partition_epoch + 1};
    h().record(state);
    r.partitions.push_back(state);
    for (std::size_t i = 0; i < brokers.size(); ++i) r.brokers.emplace_back(BrokerId{static_cast<std::int32_t>(i + 1)}, brokers[i]);
    return r;
  }
  // Records a new state of `tp` and sends it as LeaderAndIsr to `send_to` (default: every replica).
  void lead(const TopicPartition& tp, BrokerId leader, LeaderEpoch epoch, std::vector<BrokerId> isr,
            std::vector<BrokerId> replicas, std::vector<BrokerId> send_to = {}) {
    const LeaderAndIsrRequest r = leader_and_isr(tp, leader, epoch, std::move(isr), replicas);
    for (BrokerId b : send_to.empty() ? replicas : send_to) h().send_control(node(b), make_message(r));
  }
  void lead(BrokerId leader, LeaderEpoch epoch, std::vector<BrokerId> isr, std::vector<BrokerId> replicas,
            std::vector<BrokerId> send_to = {}) {
    lead(kOrders, leader, epoch, std::move(isr), std::move(replicas), std::move(send_to));
  }
  // Sends every recorded partition state and the given live brokers (default: all) as
  // UpdateMetadata to every broker.
  void update_metadata(std::vector<BrokerId> live = {}) {
    UpdateMetadataRequest r;
    r.controller_id = BrokerId{0};
    r.controller_epoch = controller_epoch;
    for (const auto& [tp, state] : h().states) r.partitions.push_back(state);
    if (live.empty()) {
      for (std::size_t i = 0; i < brokers.size(); ++i) live.push_back(BrokerId{static_cast<std::int32_t>(i + 1)});
    }
    for (BrokerId b : live) r.live_brokers.push_back(BrokerEndpoint{b, node(b), ""});
    for (NodeId b : brokers) h().send_control(b, make_message(r));
  }
  void produce(BrokerId to, std::int32_t corr, std::int16_t acks, ByteView batch, std::int32_t timeout_ms = 30000) {
    h().env.send(node(to), make_message(ProduceRequest{corr, acks, timeout_ms, {ProducePartition{kOrders, {std::move(batch)}}}}));
  }
  void consumer_fetch(BrokerId to, std::int32_t corr, Offset offset, LeaderEpoch epoch, std::int32_t max_wait_ms = 100) {
    FetchRequest f;
    f.correlation_id = corr;
    f.max_wait_ms = max_wait_ms;
    f.partitions.push_back(FetchPartition{kOrders, offset, epoch, 1 << 20});
    h().env.send(node(to), make_message(std::move(f)));
  }
  // The outcome for the one partition of the request.
  ProducePartitionResponse produce_response(std::int32_t corr) {
    for (const auto& [t, r] : h().received<ProduceResponse>()) {
      if (r.correlation_id == corr && r.partitions.size() == 1) return r.partitions.front();
    }
    FAIL("no ProduceResponse with correlation id " << corr);
    return {};
  }
  SimTime produce_answered_at(std::int32_t corr) {
    for (const auto& [t, r] : h().received<ProduceResponse>()) {
      if (r.correlation_id == corr) return t;
    }
    return SimTime::max();
  }
  void run_for(Duration d) { world.run_until(world.now() + d); }
};

// The record ids (model/protocol/record_id.h) in a log, in offset order.
inline std::vector<std::string> record_ids(storage::Log& log) {
  std::vector<std::string> out;
  auto read = log.read(log.log_start_offset(), 1 << 26, log.log_end_offset(), true);
  for (const ByteView& b : read.value().records.batches()) {
    for (const auto& r : records_of(b)) {
      if (const auto id = r.header(kRecordIdHeader)) out.push_back(text(*id));
    }
  }
  return out;
}

// (offset, value) of every record in a log.
inline std::vector<std::pair<std::int64_t, std::string>> contents(storage::Log& log) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto read = log.read(log.log_start_offset(), 1 << 24, log.log_end_offset(), true);
  for (const ByteView& b : read.value().records.batches()) {
    for (const auto& r : records_of(b)) out.emplace_back(r.offset.value(), text(*r.value));
  }
  return out;
}

inline void await_produce(BrokerCluster& c, std::int32_t corr) {
  REQUIRE(c.world.run_until([&] { return c.produce_answered_at(corr) != SimTime::max(); },
                            c.world.now() + Duration::seconds(5)));
}

// KIP-101's first example. A follower has a committed record but not yet the high watermark
// that covers it; it restarts, the leader dies, and it becomes leader.
inline std::vector<std::pair<std::int64_t, std::string>> kip101(broker::ReplicaTruncation mode, sim::TraceSink& sink) {
  broker::BrokerConfig config;
  config.replica_truncation = mode;
  config.replica_high_watermark_checkpoint_interval_ms = 1;
  sim::WorldConfig wc = quiet_world();
  wc.disk.fsync_latency = Duration::micros(20);
  BrokerCluster c(2, config, wc, &sink);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));  // m1: "v0"
  await_produce(c, 1);
  c.run_for(Duration::millis(600));  // the follower learns the high watermark 1 and checkpoints it
  c.produce(a, 2, -1, make_batch(1, 1, 1000));  // m2: "v1"
  await_produce(c, 2);
  REQUIRE(c.produce_response(2).error == Errors::NONE);  // committed and acknowledged
  REQUIRE(c.partition(b).log_end_offset() == Offset{2});
  REQUIRE(c.partition(b).high_watermark() == Offset{1});  // it learns of 2 only on its next fetch
  // The follower restarts, and cannot reach the leader before the leader dies.
  c.world.kill(c.node(b));
  c.restart(b);
  c.world.start_fault(sim::NetworkPartition{{{c.node(a)}, {c.node(b), c.harness}}});
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b}, {b});  // b follows a again
  c.run_for(Duration::millis(50));
  c.world.kill(c.node(a));
  c.lead(b, LeaderEpoch{2}, {b}, {a, b}, {b});  // a clean election: b was in the ISR
  c.run_for(Duration::millis(10));
  c.produce(b, 3, 1, make_batch(100, 1, 2000));  // a new write: "v100"
  await_produce(c, 3);
  return contents(c.log(b));
}

// The logs of both replicas after KIP-279's case: fast leader changes with unclean elections.
struct LeaderAndFollowerLogs {
  std::vector<std::pair<std::int64_t, std::string>> leader, follower;
};

// a (broker 1) leads epoch 1 with b (broker 2), both take "v0", and then a (with the harness)
// is cut off from b. Returns the cut.
inline sim::FaultId replicate_then_cut(BrokerCluster& c) {
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));
  await_produce(c, 1);
  return c.world.start_fault(sim::NetworkPartition{{{c.node(a), c.harness}, {c.node(b)}}});
}

// KIP-279's case. a leads epoch 1 and takes two writes b never fetched; a dies and b leads
// epoch 2, taking two writes of its own at the same offsets; b dies, and a comes back to lead
// epoch 3 (unclean), taking one more; b comes back and follows a. b's latest epoch, 2, is one a
// never had: a names where its next epoch starts (3), which is b's log end.
inline LeaderAndFollowerLogs kip279(broker::ReplicaTruncation mode, sim::TraceSink& sink) {
  broker::BrokerConfig config;
  config.replica_truncation = mode;
  BrokerCluster c(2, config, quiet_world(), &sink);
  const BrokerId a{1}, b{2};
  const auto cut = replicate_then_cut(c);
  c.produce(a, 2, 1, make_batch(1, 2, 1000));  // "v1", "v2" at offsets 1 and 2, on a alone
  await_produce(c, 2);
  c.world.kill(c.node(a));
  c.world.end_fault(cut);
  c.lead(b, LeaderEpoch{2}, {b}, {a, b}, {b});
  c.run_for(Duration::millis(10));
  c.produce(b, 3, 1, make_batch(50, 2, 2000));  // "v50", "v51" at offsets 1 and 2
  await_produce(c, 3);
  c.world.kill(c.node(b));
  c.restart(a);
  c.lead(a, LeaderEpoch{3}, {a}, {a, b}, {a});  // unclean: a was not in b's ISR
  c.run_for(Duration::millis(10));
  c.produce(a, 4, 1, make_batch(100, 1, 3000));  // "v100" at offset 3
  await_produce(c, 4);
  c.restart(b);
  c.lead(a, LeaderEpoch{3}, {a}, {a, b}, {b});  // b follows a
  c.run_for(Duration::seconds(1));
  return {contents(c.log(a)), contents(c.log(b))};
}

// KAFKA-7415's case: a new leader that has not yet written in its epoch. a leads epoch 1 with
// b; with b down, a leads epoch 2 alone (its ISR shrank) and takes two writes; b, back, is
// elected in epoch 3, and a follows it and asks where epoch 2 ends. A leader that recorded
// epoch 3's start when elected names the end of epoch 1 (offset 1); one that records an epoch
// at its first append knows no epoch after 1 and answers "undefined". b takes three writes
// between its answer and a's first fetch (1 ms links), so that a's log end is in its range.
inline LeaderAndFollowerLogs kafka7415(broker::ReplicaTruncation mode, sim::TraceSink& sink) {
  broker::BrokerConfig config;
  config.replica_truncation = mode;
  BrokerCluster c(2, config, quiet_world(), &sink);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));  // "v0", on both
  await_produce(c, 1);
  c.world.kill(c.node(b));
  c.lead(a, LeaderEpoch{2}, {a}, {a, b}, {a});
  c.run_for(Duration::millis(10));
  c.produce(a, 2, -1, make_batch(1, 2, 1000));  // "v1", "v2": committed by a alone
  await_produce(c, 2);
  c.restart(b);
  c.lead(b, LeaderEpoch{3}, {b}, {a, b}, {b});  // unclean: b was not in a's ISR
  c.run_for(Duration::millis(10));
  // a hears at 1 ms, asks b at 2 ms, hears b's answer and fetches at 3 ms; b has the writes at 2.5 ms.
  c.lead(b, LeaderEpoch{3}, {b}, {a, b}, {a});  // a, deposed, follows b
  c.run_for(Duration::micros(1500));
  for (int i = 0; i < 3; ++i) c.produce(b, 3 + i, 1, make_batch(50 + i, 1, 2000));  // "v50".."v52" at 1..3
  c.run_for(Duration::seconds(1));
  return {contents(c.log(b)), contents(c.log(a))};
}

}  // namespace kafkasim::testing
