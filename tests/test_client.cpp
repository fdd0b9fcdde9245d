// The producer client against three simulated brokers whose leadership and metadata a harness
// sets (the controller comes later).
#include <catch2/catch.hpp>

#include <set>

#include "broker_support.h"
#include "model/client/connection_states.h"
#include "model/client/consumer_node.h"
#include "model/client/partitioner.h"
#include "model/client/producer_node.h"
#include "model/protocol/record_id.h"
#include "test_support.h"

using namespace kafkasim;
using namespace kafkasim::testing;

namespace {

std::vector<std::string> expected_ids(const std::string& client, std::int64_t n) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(record_id(client, i));
  return out;
}

// A cluster with topic "orders" of `partitions` partitions, partition i led by broker i%3+1
// with all three in the ISR, and metadata on every broker.
struct ProducerCluster : BrokerCluster {
  explicit ProducerCluster(int partitions) : BrokerCluster(3) {
    for (int i = 0; i < partitions; ++i) lead(TopicPartition{"orders", i}, BrokerId{i % 3 + 1}, LeaderEpoch{1}, kAll, kAll);
    update_metadata();
    run_for(Duration::millis(10));
  }
  client::ProducerNode& add_producer(client::ProducerConfig config, client::ProducerWorkload workload) {
    config.bootstrap = brokers;
    const NodeId id = world.add_node(config.client_id, [config, workload](Env& env) {
      return std::make_unique<client::ProducerNode>(env, config, workload);
    });
    world.start(id);
    producer_node = id;
    return *world.node_as<client::ProducerNode>(id);
  }
  client::Producer& producer() { return world.node_as<client::ProducerNode>(producer_node)->producer(); }
  NodeId producer_node;
};

client::ProducerWorkload orders(double per_sec, std::int64_t count, std::optional<std::int64_t> key_space = 64) {
  client::ProducerWorkload w;
  w.topic = "orders";
  w.messages_per_sec = per_sec;
  w.max_messages = count;
  w.key_space = key_space;
  return w;
}

}  // namespace

TEST_CASE("Partitioner: murmur2 matches Kafka's Utils.murmur2", "[client]") {
  CHECK(client::murmur2("21") == -973932308);
  CHECK(client::murmur2("foobar") == -790332482);
  CHECK(client::murmur2("a-little-bit-long-string") == -985981536);
  CHECK(client::murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(client::murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(client::murmur2("abc") == 479470107);
  CHECK(client::partition_for_key("foobar", 7) == ((-790332482 & 0x7fffffff) % 7));
}

TEST_CASE("Producer: keyed records reach the partition of their key's hash, all acknowledged", "[client]") {
  ProducerCluster c(3);
  client::ProducerConfig config;
  config.client_id = "p1";
  config.linger_ms = 5;
  c.add_producer(config, orders(3000, 600));
  c.run_for(Duration::seconds(3));
  const client::ProducerStats& stats = c.producer().stats();
  CHECK(stats.records_sent == 600);
  CHECK(stats.records_acked == 600);
  CHECK(stats.records_failed == 0);
  std::int64_t total = 0;
  std::size_t batches = 0;
  for (int i = 0; i < 3; ++i) {
    const TopicPartition tp{"orders", i};
    storage::Log& leader_log = c.log(BrokerId{i % 3 + 1}, tp);
    auto read = leader_log.read(Offset{0}, 1 << 26, leader_log.log_end_offset(), true);
    for (const ByteView& b : read.value().records.batches()) {
      ++batches;
      for (const auto& r : records_of(b)) CHECK(client::partition_for_key(text(*r.key), 3) == i);
    }
    // Ids count per partition, each record once, in order, on every replica.
    const auto ids = record_ids(leader_log);
    CHECK(ids == expected_ids("p1", static_cast<std::int64_t>(ids.size())));
    for (BrokerId b : kAll) CHECK(record_ids(c.log(b, tp)) == ids);
    total += static_cast<std::int64_t>(ids.size());
  }
  CHECK(total == 600);
  CHECK(batches * 3 < 600);  // linger.ms gathers records: more than three per batch on average
}

TEST_CASE("Producer: keyless records stick to a partition until a batch fills", "[client]") {
  ProducerCluster c(3);
  client::ProducerConfig config;
  config.client_id = "p1";
  config.linger_ms = 1000;   // batches leave when full
  config.batch_size = 1400;  // about ten 100-byte records
  c.add_producer(config, orders(1000, 300, std::nullopt));
  c.run_for(Duration::seconds(3));
  CHECK(c.producer().stats().records_acked == 300);
  std::set<int> used;
  for (int i = 0; i < 3; ++i) {
    storage::Log& log = c.log(BrokerId{i % 3 + 1}, TopicPartition{"orders", i});
    auto read = log.read(Offset{0}, 1 << 26, log.log_end_offset(), true);
    for (const ByteView& b : read.value().records.batches()) {
      CHECK(records_of(b).size() >= 9);  // whole batches, not one record each
      used.insert(i);
    }
  }
  CHECK(used.size() == 3);  // and the partitions take turns
}

namespace {

// One partition led by broker-1; its responses to the producer are lost half the time, so the
// producer times out and resends batches the log already holds.
std::vector<std::string> produce_with_lost_responses(bool idempotence, client::ProducerStats* stats) {
  ProducerCluster c(1);
  client::ProducerConfig config;
  config.client_id = "p1";
  config.enable_idempotence = idempotence;
  config.request_timeout_ms = 200;
  config.retry_backoff_ms = 20;
  config.linger_ms = 2;
  c.add_producer(config, orders(200, 400));
  c.world.start_fault(sim::DegradedNetwork{{c.node(BrokerId{1})}, {c.producer_node}, sim::Direction::from,
                                           sim::LinkDegradation{Duration::zero(), Duration::zero(), 50.0}});
  c.run_for(Duration::seconds(30));
  *stats = c.producer().stats();
  return record_ids(c.log(BrokerId{1}, TopicPartition{"orders", 0}));
}

}  // namespace

TEST_CASE("Producer: idempotent retries after lost responses write every record exactly once, in order",
          "[client][idempotence]") {
  client::ProducerStats stats;
  const auto ids = produce_with_lost_responses(true, &stats);
  CHECK(stats.records_acked == 400);
  CHECK(ids == expected_ids("p1", 400));
  // The same faults without idempotence: retries duplicate records (the test can tell).
  client::ProducerStats plain_stats;
  const auto plain = produce_with_lost_responses(false, &plain_stats);
  CHECK(plain_stats.records_acked == 400);
  CHECK(plain.size() > 400);
  CHECK(std::set<std::string>(plain.begin(), plain.end()).size() == 400);
}

TEST_CASE("Producer: a batch timed out on one partition leaves another partition's retries as numbered, never written twice",
          "[client][idempotence]") {
  // orders-0 (broker-1) is cut off from the producer past delivery.timeout.ms: its batches time
  // out, a gap in its sequence. orders-1 (broker-2) answers late half the time: its retries
  // resend batches its log already holds, and must keep their sequences to be recognised.
  ProducerCluster c(2);
  client::ProducerConfig config;
  config.client_id = "p1";
  config.request_timeout_ms = 200;
  config.delivery_timeout_ms = 1000;
  config.retry_backoff_ms = 20;
  config.linger_ms = 2;
  c.add_producer(config, orders(200, 2000, std::nullopt));
  c.world.start_fault(sim::DegradedNetwork{{c.node(BrokerId{2})}, {c.producer_node}, sim::Direction::from,
                                           sim::LinkDegradation{Duration::zero(), Duration::zero(), 50.0}});
  c.world.schedule_fault(SimTime::from_millis(2000), sim::NetworkPartition{{{c.node(BrokerId{1})}, {c.producer_node}}},
                         Duration::seconds(3));
  c.run_for(Duration::seconds(30));
  const client::ProducerStats& stats = c.producer().stats();
  REQUIRE(stats.records_failed > 0);  // orders-0's batches timed out
  CHECK(stats.records_acked + stats.records_failed == 2000);
  for (int partition : {0, 1}) {
    const auto ids = record_ids(c.log(BrokerId{partition + 1}, TopicPartition{"orders", partition}));
    CAPTURE(partition);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  }
}

TEST_CASE("Producer: a leader change answered NOT_LEADER_OR_FOLLOWER sends the producer to the new leader",
          "[client]") {
  ProducerCluster c(1);
  client::ProducerConfig config;
  config.client_id = "p1";
  c.add_producer(config, orders(500, 1000));
  c.run_for(Duration::millis(800));
  // broker-2 takes over in epoch 2; the metadata follows a little later.
  c.lead(TopicPartition{"orders", 0}, BrokerId{2}, LeaderEpoch{2}, kAll, kAll);
  c.run_for(Duration::millis(50));
  c.update_metadata();
  c.run_for(Duration::seconds(3));
  CHECK(c.producer().stats().records_acked == 1000);
  CHECK(c.producer().stats().records_failed == 0);
  CHECK(record_ids(c.log(BrokerId{2}, TopicPartition{"orders", 0})) == expected_ids("p1", 1000));
}

namespace {

NodeId add_consumer(BrokerCluster& c, const std::string& id, client::OffsetReset reset,
                    client::ReconnectConfig reconnect = {}, std::int32_t request_timeout_ms = 30000) {
  client::ConsumerConfig config;
  config.client_id = id;
  config.bootstrap = c.brokers;
  config.auto_offset_reset = reset;
  config.fetch_max_wait_ms = 100;
  config.reconnect = reconnect;
  config.request_timeout_ms = request_timeout_ms;
  client::ConsumerWorkload workload;
  workload.topics = {"orders"};
  workload.keep_records = true;
  const NodeId node = c.world.add_node(id, [config, workload](Env& env) {
    return std::make_unique<client::ConsumerNode>(env, config, workload);
  });
  c.world.start(node);
  return node;
}

}  // namespace

TEST_CASE("Consumer: in assign mode it reads every acknowledged record once, in offset order", "[client][consumer]") {
  ProducerCluster c(3);
  client::ProducerConfig config;
  config.client_id = "p1";
  config.linger_ms = 5;
  c.add_producer(config, orders(1000, 600));
  const NodeId consumer = add_consumer(c, "c1", client::OffsetReset::earliest);
  c.run_for(Duration::seconds(3));
  const auto& received = c.world.node_as<client::ConsumerNode>(consumer)->received();
  CHECK(received.size() == 600);
  for (int i = 0; i < 3; ++i) {
    const TopicPartition tp{"orders", i};
    std::vector<std::string> ids;
    std::int64_t next_offset = 0;
    for (const auto& r : received) {
      if (r.tp != tp) continue;
      CHECK(r.offset.value() == next_offset++);
      ids.push_back(r.id);
    }
    CHECK(ids == record_ids(c.log(BrokerId{i % 3 + 1}, tp)));
  }
}

TEST_CASE("Producer and consumer: requests in flight to a killed leader fail at once, not at request.timeout.ms",
          "[client][connections]") {
  ProducerCluster c(1);
  client::ProducerConfig config;
  config.client_id = "p1";
  REQUIRE(config.request_timeout_ms == 30000);
  c.add_producer(config, orders(500, 1000));
  const NodeId consumer = add_consumer(c, "c1", client::OffsetReset::earliest);
  c.run_for(Duration::millis(800));
  c.world.kill(c.node(BrokerId{1}));  // its kernel closes the producer's connection
  c.run_for(Duration::millis(300));
  const std::vector<BrokerId> survivors{BrokerId{2}, BrokerId{3}};
  c.lead(TopicPartition{"orders", 0}, BrokerId{2}, LeaderEpoch{2}, survivors, kAll, survivors);
  c.run_for(Duration::millis(50));
  c.update_metadata(survivors);
  c.run_for(Duration::seconds(3));  // far below the 30 s a silent broker would cost
  CHECK(c.producer().stats().records_acked == 1000);
  CHECK(c.producer().stats().records_failed == 0);
  CHECK(record_ids(c.log(BrokerId{2}, TopicPartition{"orders", 0})) == expected_ids("p1", 1000));
  std::vector<std::string> consumed;
  for (const auto& r : c.world.node_as<client::ConsumerNode>(consumer)->received()) consumed.push_back(r.id);
  CHECK(consumed == expected_ids("p1", 1000));
}

namespace {

// When each message from one node to another was sent.
struct SendTimes final : sim::TraceSink {
  SendTimes(NodeId sender, NodeId receiver) : from(sender), to(receiver) {}
  NodeId from, to;
  std::vector<SimTime> times;
  void on_event(const sim::TraceRecord& r) override {
    if (const auto* m = std::get_if<sim::MessageSent>(&r.event); m && r.node == from && m->to == to) times.push_back(r.time);
  }
  std::optional<SimTime> first_after(SimTime t) const {
    for (SimTime s : times) {
      if (s > t) return s;
    }
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("Consumer: a broker whose connection closed is tried again after its own wait, not a longer one's",
          "[client][connections]") {
  ProducerCluster c(2);  // orders-0 led by broker-1, orders-1 by broker-2
  const NodeId consumer = add_consumer(c, "c1", client::OffsetReset::earliest, client::ReconnectConfig{200, 10000});
  SendTimes to_broker_2(consumer, c.node(BrokerId{2}));
  c.world.trace().add_sink(&to_broker_2);
  c.run_for(Duration::millis(500));
  // broker-1 stays down: each fetch to it is refused, and the consumer's wait for it doubles
  // (200, 400, 800 ms) to past two seconds.
  c.world.kill(c.node(BrokerId{1}));
  c.run_for(Duration::millis(800));
  const SimTime killed = c.world.now();
  c.world.kill(c.node(BrokerId{2}));
  c.run_for(Duration::millis(1500));
  // broker-2's first wait is 200 ms within 20%: the consumer tries it again then, although the
  // wake-up for broker-1 was set first and falls later.
  const auto retried = to_broker_2.first_after(killed);
  REQUIRE(retried.has_value());
  CHECK(*retried - killed <= Duration::millis(250));
}

namespace {

// After 500 ms of work, cuts `client` off from broker-1 (the leader of orders-0) for 700 ms,
// then runs 5 s more: how long after the cut the client sent to broker-1 again (`to_leader`
// records its sends), once the request it sent into the cut had timed out.
std::optional<Duration> resent_after_cut(ProducerCluster& c, NodeId client, const SendTimes& to_leader) {
  c.run_for(Duration::millis(500));
  const SimTime cut = c.world.now();
  const auto partition = c.world.start_fault(sim::NetworkPartition{{{client}, {c.node(BrokerId{1})}}});
  c.run_for(Duration::millis(700));
  c.world.end_fault(partition);
  c.run_for(Duration::seconds(5));
  const auto next = to_leader.first_after(cut + Duration::millis(600));
  if (!next) return std::nullopt;
  return *next - cut;
}

}  // namespace

// Kafka's NetworkClient closes a connection whose request timed out and waits
// reconnect.backoff.ms (here 2 s, within 20%) before it connects again: with a 500 ms request
// timeout, nothing goes to broker-1 until 2.1 s after the cut, though the cut healed at 0.7 s.
TEST_CASE("Producer: a request unanswered in time closes its connection, and the broker is tried again only after the reconnect wait",
          "[client][connections]") {
  ProducerCluster c(1);  // orders-0 led by broker-1
  client::ProducerConfig config;
  config.client_id = "p1";
  config.request_timeout_ms = 500;
  config.reconnect = client::ReconnectConfig{2000, 10000};
  c.add_producer(config, orders(200, 600));
  SendTimes to_leader(c.producer_node, c.node(BrokerId{1}));
  c.world.trace().add_sink(&to_leader);
  const auto resent = resent_after_cut(c, c.producer_node, to_leader);
  REQUIRE(resent.has_value());
  CHECK(*resent >= Duration::millis(500 + 1600));
  CHECK(*resent <= Duration::millis(700 + 2400));
  CHECK(c.producer().stats().records_acked == 600);
  CHECK(record_ids(c.log(BrokerId{1}, TopicPartition{"orders", 0})) == expected_ids("p1", 600));
}

TEST_CASE("Consumer: a fetch unanswered in time closes its connection, and the broker is fetched from again only after the reconnect wait",
          "[client][connections]") {
  ProducerCluster c(1);  // orders-0 led by broker-1
  const NodeId consumer = add_consumer(c, "c1", client::OffsetReset::earliest, client::ReconnectConfig{2000, 10000}, 500);
  SendTimes to_leader(consumer, c.node(BrokerId{1}));
  c.world.trace().add_sink(&to_leader);
  const auto resent = resent_after_cut(c, consumer, to_leader);
  REQUIRE(resent.has_value());
  CHECK(*resent >= Duration::millis(500 + 1600));
  CHECK(*resent <= Duration::millis(700 + 2400));
}

TEST_CASE("ConnectionStates: the wait before a broker is tried again doubles to reconnect.backoff.max.ms, within 20%",
          "[client][connections]") {
  RecorderCluster c(sim::WorldConfig{}, 1);
  client::ConnectionStates states(c.world.node_as<Recorder>(c.ids[0])->env(), client::ReconnectConfig{50, 1000});
  const NodeId broker{7};
  CHECK(states.delay_ms(broker) == 0);
  for (const std::int64_t nominal : {50, 100, 200, 400, 800, 1000, 1000}) {
    states.disconnected(broker);
    const std::int64_t wait = states.delay_ms(broker);
    INFO("nominal " << nominal << ", drawn " << wait);
    CHECK(wait >= nominal * 8 / 10);
    CHECK(wait <= std::min<std::int64_t>(nominal * 12 / 10, 1000));
  }
  states.answered(broker);  // connected again: the count starts over
  CHECK(states.delay_ms(broker) == 0);
  states.disconnected(broker);
  CHECK(states.delay_ms(broker) <= 60);
  CHECK(states.delay_ms(NodeId{8}) == 0);
}

namespace {

struct TruncationSeen final : sim::TraceSink {
  std::vector<ConsumerTruncationDetected> events;
  void on_event(const sim::TraceRecord& r) override {
    if (const auto* t = std::get_if<ConsumerTruncationDetected>(&r.event)) events.push_back(*t);
  }
};

}  // namespace

TEST_CASE("Consumer: after an unclean leader change it detects the truncated log (KIP-320) and moves back",
          "[client][consumer]") {
  broker::BrokerConfig broker_config;
  broker_config.replica_lag_time_max_ms = 500;
  BrokerCluster c(2, broker_config);
  TruncationSeen seen;
  c.world.trace().add_sink(&seen);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.update_metadata({a, b});
  c.run_for(Duration::millis(10));
  const NodeId consumer = add_consumer(c, "c1", client::OffsetReset::earliest);
  for (int i = 0; i < 5; ++i) c.produce(a, i, -1, make_batch(i, 1, 1000 + i));  // offsets 0-4, on both
  c.run_for(Duration::millis(200));
  // broker-2 falls out of the ISR; broker-1 alone commits offsets 5-9, and the consumer reads them.
  c.world.start_fault(sim::Isolate{{c.node(b)}});
  c.run_for(Duration::seconds(2));
  REQUIRE(c.partition(a).isr() == std::vector<BrokerId>{a});
  for (int i = 5; i < 10; ++i) c.produce(a, i, 1, make_batch(i, 1, 1000 + i));
  c.run_for(Duration::millis(500));
  client::Consumer& cons = c.world.node_as<client::ConsumerNode>(consumer)->consumer();
  REQUIRE(cons.position(kOrders) == Offset{10});
  // broker-1 dies; the controller elects broker-2 although it was not in the ISR (unclean).
  c.world.kill(c.node(a));
  c.world.heal_all();
  c.lead(b, LeaderEpoch{2}, {b}, {a, b}, {b});
  c.update_metadata({b});
  for (int i = 0; i < 3; ++i) c.produce(b, 100 + i, -1, make_batch(50 + i, 1, 2000 + i));  // offsets 5-7 anew
  c.run_for(Duration::seconds(35));  // the consumer's fetch to the dead broker times out first
  REQUIRE(seen.events.size() == 1);
  CHECK(seen.events[0].position == 10);
  CHECK(seen.events[0].end_offset == 5);
  CHECK(seen.events[0].reset_to == 5);
  // It then reads the new leader's records at 5-7.
  const auto& received = c.world.node_as<client::ConsumerNode>(consumer)->received();
  REQUIRE(received.size() == 13);
  CHECK(received[10].offset == Offset{5});
  CHECK(received[10].leader_epoch == LeaderEpoch{2});
  CHECK(cons.position(kOrders) == Offset{8});
}
