// The broker data path on three simulated brokers, with leadership set by a harness sending
// LeaderAndIsr (the controller comes later) and requests sent by a harness client.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <map>

#include "broker_support.h"
#include "model/broker/log_dir_failure_channel.h"
#include "sim/invariants/invariant_suite.h"
#include "storage_support.h"

using namespace kafkasim;
using namespace kafkasim::broker;
using namespace kafkasim::testing;


TEST_CASE("LogDirFailureChannel: the first I/O error takes the directory offline, nothing touches the disk after",
          "[broker][storage]") {
  SimDiskUnderTest d;
  std::vector<std::string> failures;
  LogDirFailureChannel channel(d.get(), [&](const storage::IoStatus& s) { failures.push_back(s.detail()); });
  REQUIRE(channel.make_dir("data").ok());
  auto file = channel.open("data/x.log", storage::OpenMode::create_if_missing);
  REQUIRE(file.ok());
  CHECK(file.value()->read(0, 10).ok());  // routine outcomes are not failures: an empty read,
  CHECK(channel.open("data/missing", storage::OpenMode::open_existing).status().code() ==
        storage::IoErrc::not_found);  // a name not found
  REQUIRE(file.value()->append(ByteView::copy_of(std::string_view("abc"))).ok());
  CHECK(failures.empty());
  d.disk.set_fsync_error(true);
  CHECK(file.value()->sync().code() == storage::IoErrc::io_error);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0] == "data/x.log: input/output error");
  CHECK(channel.offline());
  // Offline for good, even with the disk well again: the rest of the request writes nothing.
  d.disk.set_fsync_error(false);
  CHECK_FALSE(file.value()->append(ByteView::copy_of(std::string_view("def"))).ok());
  CHECK_FALSE(channel.make_dir("data/y").ok());
  CHECK(d.disk.size("data/x.log") == 3);
  CHECK_FALSE(d.disk.exists("data/y"));
  CHECK(failures.size() == 1);
}

TEST_CASE("Broker: acks=all is answered once every ISR replica has the batch", "[broker]") {
  BrokerCluster c(3);
  c.lead(BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  const SimTime sent = c.world.now();
  c.produce(BrokerId{1}, 1, -1, make_batch(0, 3, 1000));
  c.run_for(Duration::seconds(1));
  const ProducePartitionResponse r = c.produce_response(1);
  CHECK(r.error == Errors::NONE);
  CHECK(r.base_offset == Offset{0});
  // Produce, a follower's fetch returning the batch, its next fetch reporting its new end:
  // at least three one-way hops of 1 ms after the produce arrived.
  CHECK(c.produce_answered_at(1) >= sent + Duration::millis(4));
  for (int i = 2; i <= 20; ++i) {
    c.produce(BrokerId{1}, i, -1, make_batch(i * 10, 2, 1000 + i));
    c.run_for(Duration::millis(200));
    CHECK(c.produce_response(i).error == Errors::NONE);
  }
  CHECK(c.produce_response(20).base_offset == Offset{3 + 18 * 2});
  const auto leader_log = contents(c.log(BrokerId{1}));
  CHECK(leader_log.size() == 41);
  CHECK(contents(c.log(BrokerId{2})) == leader_log);
  CHECK(contents(c.log(BrokerId{3})) == leader_log);
  CHECK(c.partition(BrokerId{1}).high_watermark() == Offset{41});
  c.run_for(Duration::seconds(1));
  CHECK(c.partition(BrokerId{2}).high_watermark() == Offset{41});  // learnt from the leader's fetch responses
}

TEST_CASE("Broker: acks=1 does not wait for followers, acks=all times out without them", "[broker]") {
  BrokerCluster c(3);
  c.lead(BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  c.world.start_fault(sim::NetworkPartition{{{c.node(BrokerId{1}), c.harness}, {c.node(BrokerId{2}), c.node(BrokerId{3})}}});
  c.produce(BrokerId{1}, 1, 1, make_batch(0, 2, 1000));
  c.produce(BrokerId{1}, 2, -1, make_batch(2, 2, 1000), 500);
  c.produce(BrokerId{1}, 3, 0, make_batch(4, 2, 1000));
  c.run_for(Duration::millis(300));
  CHECK(c.produce_response(1).error == Errors::NONE);
  CHECK(c.h().received<ProduceResponse>().size() == 1);  // acks=0 is never answered; acks=all still waits
  c.run_for(Duration::millis(400));
  CHECK(c.produce_response(2).error == Errors::REQUEST_TIMED_OUT);
  CHECK(c.log(BrokerId{1}).log_end_offset() == Offset{6});  // all three were written...
  CHECK(c.partition(BrokerId{1}).high_watermark() == Offset{0});  // ...none is committed
  // A consumer sees nothing above the high watermark.
  c.consumer_fetch(BrokerId{1}, 9, Offset{0}, LeaderEpoch{1});
  c.run_for(Duration::millis(300));
  const auto fetched = c.h().received<FetchResponse>();
  REQUIRE(fetched.size() == 1);
  CHECK(fetched[0].second.partitions[0].error == Errors::NONE);
  CHECK(fetched[0].second.partitions[0].records.empty());
}

TEST_CASE("Broker: min.insync.replicas refuses acks=all when the ISR is too small", "[broker]") {
  BrokerConfig config;
  config.min_insync_replicas = 3;
  BrokerCluster c(3, config);
  c.world.start_fault(sim::Isolate{{c.node(BrokerId{3})}});  // out of the ISR, and cannot catch up to rejoin
  c.lead(BrokerId{1}, LeaderEpoch{1}, {BrokerId{1}, BrokerId{2}}, kAll, {BrokerId{1}, BrokerId{2}});
  c.run_for(Duration::millis(10));
  c.produce(BrokerId{1}, 1, -1, make_batch(0, 1, 1000));
  c.produce(BrokerId{1}, 2, 1, make_batch(1, 1, 1000));
  c.run_for(Duration::millis(100));
  CHECK(c.produce_response(1).error == Errors::NOT_ENOUGH_REPLICAS);
  CHECK(c.produce_response(2).error == Errors::NONE);
  CHECK(c.log(BrokerId{1}).log_end_offset() == Offset{1});  // the refused batch was not written
}

TEST_CASE("Broker: followers refuse produces, and stale or future epochs are fenced", "[broker]") {
  BrokerCluster c(3);
  c.lead(BrokerId{1}, LeaderEpoch{5}, kAll, kAll);
  c.run_for(Duration::millis(10));
  c.produce(BrokerId{2}, 1, 1, make_batch(0, 1, 1000));
  c.consumer_fetch(BrokerId{1}, 2, Offset{0}, LeaderEpoch{4});
  c.consumer_fetch(BrokerId{1}, 3, Offset{0}, LeaderEpoch{6});
  c.lead(BrokerId{2}, LeaderEpoch{3}, kAll, kAll);  // an older epoch: ignored
  c.run_for(Duration::millis(100));
  CHECK(c.produce_response(1).error == Errors::NOT_LEADER_OR_FOLLOWER);
  std::map<std::int32_t, Errors> fetch_errors;
  for (const auto& [t, r] : c.h().received<FetchResponse>()) fetch_errors[r.correlation_id] = r.partitions[0].error;
  CHECK(fetch_errors[2] == Errors::FENCED_LEADER_EPOCH);
  CHECK(fetch_errors[3] == Errors::UNKNOWN_LEADER_EPOCH);
  CHECK(c.partition(BrokerId{1}).is_leader());
  bool stale = false;
  for (const auto& [t, r] : c.h().received<LeaderAndIsrResponse>()) {
    stale = stale || r.partitions[0].second == Errors::STALE_CONTROLLER_EPOCH;
  }
  CHECK(stale);
}

TEST_CASE("Broker: a LeaderAndIsr naming a leader with no endpoint leaves the partition as it was", "[broker]") {
  BrokerCluster c(3);
  const BrokerId one{1}, two{2}, three{3};
  c.lead(one, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  c.produce(one, 1, -1, make_batch(0, 2, 1000));
  await_produce(c, 1);
  // Leader 2 in epoch 2, told to broker-3 by a request with no endpoint for broker 2 (its
  // controller does not count it alive): as Kafka, broker-3 changes nothing and keeps
  // following broker-1, and it answers without an error.
  LeaderAndIsrRequest r = c.leader_and_isr(kOrders, two, LeaderEpoch{2}, kAll, kAll);
  std::erase_if(r.brokers, [&](const auto& endpoint) { return endpoint.first == two; });
  c.h().env.send(c.node(three), make_message(r));
  c.run_for(Duration::millis(50));
  CHECK(c.partition(three).leader() == one);
  CHECK(c.partition(three).leader_epoch() == LeaderEpoch{1});
  REQUIRE(c.h().received<LeaderAndIsrResponse>().size() == 4);  // the first three, and this one
  CHECK(c.h().received<LeaderAndIsrResponse>().back().second.partitions[0].second == Errors::NONE);
  c.produce(one, 2, -1, make_batch(2, 1, 1000));  // broker-3 still fetches from broker-1
  await_produce(c, 2);
  CHECK(c.produce_response(2).error == Errors::NONE);
  // The same epoch with the endpoint is taken: the partition's epoch never moved.
  c.lead(two, LeaderEpoch{2}, kAll, kAll, {three});
  c.run_for(Duration::millis(50));
  CHECK(c.partition(three).leader() == two);
  CHECK(c.partition(three).leader_epoch() == LeaderEpoch{2});
}

TEST_CASE("Broker: a restarted broker traces its logs' batches above the checkpointed high watermark, then their ends",
          "[broker]") {
  struct Recovered final : sim::TraceSink {
    std::vector<std::string> seen;
    void on_event(const sim::TraceRecord& r) override {
      if (const auto* b = std::get_if<RecoveredBatch>(&r.event)) {
        seen.push_back("batch " + std::to_string(b->first_offset) + "-" + std::to_string(b->last_offset));
      }
      if (const auto* l = std::get_if<LogRecovered>(&r.event)) seen.push_back("end " + std::to_string(l->log_end_offset));
    }
  } recovered;
  broker::BrokerConfig config;
  config.replica_high_watermark_checkpoint_interval_ms = 100;
  BrokerCluster c(2, config, quiet_world(), &recovered);
  const BrokerId one{1}, two{2};
  c.lead(one, LeaderEpoch{1}, {one, two}, {one, two});
  c.run_for(Duration::millis(10));
  c.produce(one, 1, -1, make_batch(0, 2, 1000));  // committed: the high watermark moves to 2
  await_produce(c, 1);
  c.run_for(Duration::millis(300));  // and is checkpointed
  c.world.start_fault(sim::Isolate{{c.node(two)}});
  c.produce(one, 2, 1, make_batch(2, 3, 1000));  // acks=1: written above the high watermark
  c.produce(one, 3, 1, make_batch(5, 1, 1000));
  c.run_for(Duration::millis(50));
  REQUIRE(c.partition(one).log_end_offset() == Offset{6});
  REQUIRE(c.partition(one).high_watermark() == Offset{2});
  c.world.kill(c.node(one));
  c.world.restart(c.node(one));
  CHECK(recovered.seen == std::vector<std::string>{"batch 2-4", "batch 5-5", "end 6"});
}

TEST_CASE("Broker: a follower whose leader's process died fetches again after replica.fetch.backoff.ms, not the request timeout",
          "[broker][connections]") {
  BrokerCluster c(2);
  const BrokerId one{1}, two{2};
  REQUIRE(c.broker(two).replica_manager() != nullptr);
  c.lead(one, LeaderEpoch{1}, {one, two}, {one, two});
  c.run_for(Duration::millis(10));
  c.produce(one, 1, -1, make_batch(0, 2, 1000));
  c.run_for(Duration::millis(200));
  REQUIRE(c.partition(two).log_end_offset() == Offset{2});
  // The follower's fetch is waiting in the leader's purgatory when the leader's process dies;
  // a new one starts on the same disk at once and is told it still leads.
  c.world.kill(c.node(one));
  c.restart(one);
  c.lead(one, LeaderEpoch{1}, {one, two}, {one, two}, {one});
  c.run_for(Duration::millis(10));
  c.produce(one, 2, 1, make_batch(2, 3, 1000));
  c.run_for(Duration::seconds(2));  // replica.fetch.backoff.ms is 1 s; the request timeout 30 s
  CHECK(c.partition(two).log_end_offset() == Offset{5});
}

TEST_CASE("Broker: a deposed leader fails its waiting produces, the new leader takes writes", "[broker]") {
  BrokerCluster c(3);
  c.lead(BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  c.world.start_fault(sim::Isolate{{c.node(BrokerId{3})}});  // broker-3 never catches up
  c.produce(BrokerId{1}, 1, -1, make_batch(0, 2, 1000));
  c.run_for(Duration::millis(100));
  CHECK(c.h().received<ProduceResponse>().empty());  // waiting for broker-3
  c.lead(BrokerId{2}, LeaderEpoch{2}, {BrokerId{1}, BrokerId{2}}, kAll);
  c.run_for(Duration::millis(100));
  CHECK(c.produce_response(1).error == Errors::NOT_LEADER_OR_FOLLOWER);
  c.produce(BrokerId{2}, 2, -1, make_batch(2, 2, 1000));
  c.run_for(Duration::millis(200));
  CHECK(c.produce_response(2).error == Errors::NONE);
  CHECK(c.partition(BrokerId{2}).leader_epoch() == LeaderEpoch{2});
  CHECK(contents(c.log(BrokerId{1})) == contents(c.log(BrokerId{2})));  // broker-1 now follows broker-2
}

TEST_CASE("Broker: an idempotent retry is answered with the original offset, written once", "[broker]") {
  BrokerCluster c(1);
  c.lead(BrokerId{1}, LeaderEpoch{1}, {BrokerId{1}}, {BrokerId{1}});
  c.run_for(Duration::millis(10));
  storage::RecordBatchBuilder b(Offset{0}, 1000);
  b.producer(ProducerId{42}, 0, 0);
  b.append(1000, std::nullopt, ByteView::copy_of(std::string_view("once")));
  const ByteView batch = b.build();
  c.produce(BrokerId{1}, 1, -1, batch);
  c.produce(BrokerId{1}, 2, -1, make_batch(0, 3, 1000));
  c.produce(BrokerId{1}, 3, -1, batch);  // the retry of a produce whose response was lost
  c.run_for(Duration::millis(100));
  CHECK(c.produce_response(1).base_offset == Offset{0});
  CHECK(c.produce_response(3).error == Errors::NONE);
  CHECK(c.produce_response(3).base_offset == Offset{0});
  CHECK(c.log(BrokerId{1}).log_end_offset() == Offset{4});
}

namespace {

// Runs until the harness has the produce response, or fails.
struct TruncationLog final : sim::TraceSink {
  std::vector<std::string> lines;
  std::map<NodeId, std::string> log_starts;  // each node's last LogStartMoved, as "reason start"
  void on_event(const sim::TraceRecord& r) override {
    if (const auto* t = std::get_if<LogTruncated>(&r.event)) {
      lines.push_back(std::string(t->reason).append(" ").append(std::to_string(t->from_offset)).append("->").append(std::to_string(t->to_offset)));
    } else if (const auto* m = std::get_if<LogStartMoved>(&r.event)) {
      log_starts[r.node] = std::string(m->reason).append(" ").append(std::to_string(m->log_start));
    }
  }
};

}  // namespace

TEST_CASE("Broker: KIP-101: high-watermark truncation loses a committed record, leader epochs keep it",
          "[broker][truncation]") {
  TruncationLog hw_truncations, epoch_truncations;
  const auto old_protocol = kip101(ReplicaTruncation::high_watermark, hw_truncations);
  const auto modern = kip101(ReplicaTruncation::leader_epoch, epoch_truncations);
  using Log = std::vector<std::pair<std::int64_t, std::string>>;
  // Before 0.11: the follower cut its log to its checkpointed high watermark (1), losing m2,
  // and as leader wrote a different record at offset 1.
  CHECK(old_protocol == Log{{0, "v0"}, {1, "v100"}});
  CHECK(hw_truncations.lines == std::vector<std::string>{"high_watermark 2->1"});
  // With leader epochs it could not ask the leader, so it cut nothing; m2 survives.
  CHECK(modern == Log{{0, "v0"}, {1, "v1"}, {2, "v100"}});
  CHECK(epoch_truncations.lines.empty());
}

TEST_CASE("Broker: KIP-279: after fast leader changes Kafka 0.11's truncation leaves the follower diverged",
          "[broker][truncation]") {
  TruncationLog old_truncations, modern_truncations;
  const auto old_protocol = kip279(ReplicaTruncation::leader_epoch_0_11, old_truncations);
  const auto modern = kip279(ReplicaTruncation::leader_epoch, modern_truncations);
  using Log = std::vector<std::pair<std::int64_t, std::string>>;
  const Log leaders{{0, "v0"}, {1, "v1"}, {2, "v2"}, {3, "v100"}};
  CHECK(old_protocol.leader == leaders);
  CHECK(modern.leader == leaders);
  // 0.11: a named offset 3 for epoch 2, b's log end, so b cut nothing and kept its own epoch-2
  // records at offsets 1 and 2 under a's.
  CHECK(old_protocol.follower == Log{{0, "v0"}, {1, "v50"}, {2, "v51"}, {3, "v100"}});
  CHECK(old_truncations.lines.empty());
  // KIP-279: a answered that epoch 1 ends at 3; b's own epoch 1 ends at 1, so b cut to 1 and
  // fetched a's records.
  CHECK(modern.follower == leaders);
  CHECK(modern_truncations.lines == std::vector<std::string>{"leader_epoch 3->1"});
}

TEST_CASE("Broker: KAFKA-7415: a new leader records its epoch when elected, so a deposed leader cuts what it alone had",
          "[broker][truncation]") {
  TruncationLog old_truncations, modern_truncations;
  const auto old_protocol = kafka7415(ReplicaTruncation::leader_epoch_0_11, old_truncations);
  const auto modern = kafka7415(ReplicaTruncation::leader_epoch, modern_truncations);
  using Log = std::vector<std::pair<std::int64_t, std::string>>;
  const Log leaders{{0, "v0"}, {1, "v50"}, {2, "v51"}, {3, "v52"}};
  CHECK(old_protocol.leader == leaders);
  CHECK(modern.leader == leaders);
  // Before 2.1: b answered "undefined" for epoch 2; a fell back to its high watermark (3), its
  // own as the deposed leader, cut nothing, and fetched b's record at 3 after its own two.
  CHECK(old_protocol.follower == Log{{0, "v0"}, {1, "v1"}, {2, "v2"}, {3, "v52"}});
  CHECK(old_truncations.lines.empty());
  // Since 2.1: b answered that epoch 1 ends at 1; a cut there and fetched b's records.
  CHECK(modern.follower == leaders);
  CHECK(modern_truncations.lines == std::vector<std::string>{"leader_epoch 3->1"});
}

TEST_CASE("Broker: a follower away while retention passed its log end starts again at the leader's log start",
          "[broker][truncation]") {
  broker::BrokerConfig config;
  config.log.segment_bytes = 100;  // a segment per batch, so that retention can take them one by one
  config.log.retention_ms = 1000;
  config.log_retention_check_interval_ms = 100;
  TruncationLog truncations;
  BrokerCluster c(2, config, quiet_world(), &truncations);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 0));  // "v0", on both
  await_produce(c, 1);
  c.world.kill(c.node(b));
  c.lead(a, LeaderEpoch{2}, {a}, {a, b}, {a});  // the ISR shrinks to a
  c.run_for(Duration::millis(10));
  for (int i = 1; i <= 4; ++i) {
    c.produce(a, 1 + i, -1, make_batch(i, 1, 0));  // "v1".."v4", written at time 0: expired at 1 s
    await_produce(c, 1 + i);
  }
  c.run_for(Duration::seconds(2));
  c.produce(a, 6, -1, make_batch(5, 1, 100000));  // "v5", not expired in this test
  await_produce(c, 6);
  c.run_for(Duration::millis(200));
  const Offset leader_start = c.log(a).log_start_offset();
  REQUIRE(leader_start > Offset{1});  // past b's log end
  c.restart(b);
  c.lead(a, LeaderEpoch{2}, {a}, {a, b}, {b});  // b follows again
  c.run_for(Duration::seconds(1));
  // b's fetch at 1 was out of a's range: a's log end (6) is not below b's, a's log start is
  // above it, so b dropped its log and fetched from a's log start.
  CHECK(truncations.lines == std::vector<std::string>{"log_start 1->0"});
  CHECK(c.log(b).log_start_offset() == leader_start);
  // Both moves of a log start are traced, so that the checkers know what is gone by policy.
  const std::string start = std::to_string(leader_start.value());
  CHECK(truncations.log_starts == std::map<NodeId, std::string>{{c.node(a), "retention " + start},
                                                                {c.node(b), "leader_log_start " + start}});
  CHECK(contents(c.log(b)) == contents(c.log(a)));
  CHECK(c.log(b).log_end_offset() == Offset{6});
}

TEST_CASE("Broker: KIP-107: a follower's log starts where its leader's does, up to its own high watermark",
          "[broker][truncation]") {
  broker::BrokerConfig config;
  config.log.segment_bytes = 100;  // a segment per batch
  TruncationLog truncations;
  BrokerCluster c(2, config, quiet_world(), &truncations);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  for (int i = 0; i < 5; ++i) {
    c.produce(a, 1 + i, -1, make_batch(i, 1, 1000));
    await_produce(c, 1 + i);
  }
  c.run_for(Duration::millis(100));
  REQUIRE(c.log(b).log_end_offset() == Offset{5});
  // What DeleteRecords does on the leader: its log starts at 3.
  REQUIRE(c.log(a).increment_log_start_offset(Offset{3}, 0).ok());
  c.produce(a, 6, -1, make_batch(5, 1, 1000));  // a fetch answered, carrying the new log start
  await_produce(c, 6);
  c.run_for(Duration::millis(100));
  CHECK(c.log(b).log_start_offset() == Offset{3});
  CHECK(c.log(b).segment_count() == c.log(a).segment_count());
  CHECK(truncations.log_starts == std::map<NodeId, std::string>{{c.node(b), "leader_log_start 3"}});
  CHECK(contents(c.log(b)) == contents(c.log(a)));
}

TEST_CASE("Broker: a deposed leader cuts the suffix the new leader never had", "[broker][truncation]") {
  BrokerCluster c(2);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));
  await_produce(c, 1);
  // Cut off from its follower, the old leader still takes acks=1 writes no one else has.
  c.world.start_fault(sim::NetworkPartition{{{c.node(a)}, {c.node(b)}}});
  c.produce(a, 2, 1, make_batch(1, 2, 1000));
  c.run_for(Duration::millis(20));
  CHECK(c.log(a).log_end_offset() == Offset{3});
  c.lead(b, LeaderEpoch{2}, {b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(b, 3, 1, make_batch(50, 1, 2000));
  await_produce(c, 3);
  c.world.heal_all();
  c.lead(b, LeaderEpoch{3}, {b}, {a, b});  // a learns it follows b
  c.run_for(Duration::millis(200));
  // a asked b where epoch 1 ends (offset 1), cut its two extra records, and fetched b's.
  CHECK(contents(c.log(a)) == contents(c.log(b)));
  CHECK(contents(c.log(a)) == std::vector<std::pair<std::int64_t, std::string>>{{0, "v0"}, {1, "v50"}});
}

TEST_CASE("Property: under delays, loss and pauses, followers equal the leader below the high watermark",
          "[broker][property]") {
  rc::prop("replicas never diverge below the high watermark, and converge once healed", [] {
    sim::WorldConfig wc = quiet_world();
    wc.seed = *rc::gen::arbitrary<std::uint64_t>();
    wc.network.latency = Duration::micros(*rc::gen::inRange<std::int64_t>(100, 5000));
    wc.network.jitter = Duration::micros(*rc::gen::inRange<std::int64_t>(0, 5000));
    BrokerConfig config;
    config.replica_fetch_wait_max_ms = *rc::gen::inRange(10, 500);
    config.request_timeout_ms = 300;
    config.replica_fetch_backoff_ms = 50;
    sim::invariants::InvariantSuite checkers;
    BrokerCluster c(3, config, wc, &checkers);
    const BrokerId leader{1};
    c.lead(leader, LeaderEpoch{1}, kAll, kAll);
    // Faults on the followers only: the leader stays, so nothing may be truncated.
    const auto faults = *rc::gen::container<std::vector<std::tuple<int, int, std::int64_t, std::int64_t>>>(
        rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(2, 4), rc::gen::inRange<std::int64_t>(0, 1000),
                       rc::gen::inRange<std::int64_t>(1, 500)));
    for (const auto& [kind, broker, start, length] : faults) {
      const NodeId n = c.node(BrokerId{broker});
      sim::FaultSpec f = sim::ProcessStop{{n}};
      if (kind == 1) f = sim::Isolate{{n}};
      if (kind == 2) {
        sim::LinkDegradation d;
        d.extra_latency = Duration::millis(start % 20);
        d.loss_percent = 30;
        f = sim::DegradedNetwork{{n}, {}, sim::Direction::both, d};
      }
      c.world.schedule_fault(SimTime::from_millis(20 + start), f, Duration::millis(length));
    }
    // A producer writing every 5 ms. The checkers watch every event (replica_divergence,
    // hw_exceeds_isr_leo, ...); a check every 10 ms adds what they do not cover.
    std::vector<std::string> violations;
    for (int i = 0; i < 200; ++i) {
      c.world.scheduler().at(SimTime::from_millis(20 + 5 * i), [&c, i] {
        c.produce(BrokerId{1}, i, -1, make_batch(i * 10, 1 + i % 3, 1000 + i), 2000);
      });
    }
    for (int t = 20; t < 1600; t += 10) {
      c.world.scheduler().at(SimTime::from_millis(t), [&c, &violations, leader] {
        const Partition& l = c.partition(leader);
        for (BrokerId f : {BrokerId{2}, BrokerId{3}}) {
          if (c.world.state(c.node(f)) != sim::NodeState::running) continue;
          if (c.partition(f).high_watermark() > l.high_watermark()) violations.push_back("a follower's high watermark is ahead");
        }
      });
    }
    c.world.run_until(SimTime::from_millis(1600));
    c.world.heal_all();
    // The leader answers the harness's requests one at a time, one replication round each (a
    // muted connection, as Kafka's): the 200 of them drain for seconds after the heal.
    c.run_for(Duration::seconds(30));
    RC_ASSERT(violations.empty());
    const auto leader_records = contents(c.log(leader));
    RC_ASSERT(contents(c.log(BrokerId{2})) == leader_records);
    RC_ASSERT(contents(c.log(BrokerId{3})) == leader_records);
    RC_ASSERT(c.partition(leader).high_watermark() == c.partition(leader).log_end_offset());
    checkers.finish(c.world.now());
    RC_ASSERT(checkers.violations().empty());  // the checkers agree: nothing to report
  });
}

TEST_CASE("Broker: scheduled tasks apply retention and checkpoint recovery points", "[broker]") {
  BrokerConfig config;
  config.log.segment_bytes = 600;
  config.log.retention_ms = 1000;
  config.log.flush_interval_messages = 1;  // every append is flushed: the recovery point follows
  config.log_retention_check_interval_ms = 500;
  config.log_flush_offset_checkpoint_interval_ms = 200;
  BrokerCluster c(1, config);
  const BrokerId b{1};
  c.lead(b, LeaderEpoch{1}, {b}, {b});
  c.run_for(Duration::millis(10));
  for (int i = 0; i < 20; ++i) c.produce(b, i, 1, make_batch(i * 3, 3, 100 + i));  // timestamps ~0.1 s
  c.run_for(Duration::millis(300));
  storage::Log& log = c.log(b);
  REQUIRE(log.segment_count() > 3);
  CHECK(log.log_start_offset() == Offset{0});
  auto checkpoint = storage::read_offset_checkpoint(c.world.disk(c.node(b)), "data/recovery-point-offset-checkpoint");
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint.value().at(kOrders) == Offset{60});
  c.run_for(Duration::seconds(2));  // past retention.ms, and a retention check has run
  CHECK(log.log_start_offset() == Offset{60});  // everything expired; the log goes on at its end
  CHECK(log.log_end_offset() == Offset{60});
  c.produce(b, 99, 1, make_batch(500, 1, 5000));
  c.run_for(Duration::millis(50));
  CHECK(c.produce_response(99).base_offset == Offset{60});
}

TEST_CASE("Broker: acks=1 loses an acknowledged record when the leader dies before replicating it",
          "[broker][truncation]") {
  BrokerCluster c(2);
  TruncationLog truncations;
  c.world.trace().add_sink(&truncations);
  const BrokerId a{1}, b{2};
  c.lead(a, LeaderEpoch{1}, {a, b}, {a, b});
  c.run_for(Duration::millis(10));
  c.produce(a, 1, -1, make_batch(0, 1, 1000));
  await_produce(c, 1);
  // The follower falls behind; the leader acknowledges a write only it has, then dies.
  c.world.start_fault(sim::Isolate{{c.node(b)}});
  c.produce(a, 2, 1, make_batch(1, 1, 1000));
  await_produce(c, 2);
  REQUIRE(c.produce_response(2).error == Errors::NONE);  // acknowledged, at offset 1
  c.world.kill(c.node(a));
  c.world.heal_all();  // the network heals; broker-1 comes back, with its log
  c.lead(b, LeaderEpoch{2}, {b}, {a, b});  // b was in the ISR: a clean election
  c.run_for(Duration::millis(10));
  c.produce(b, 3, 1, make_batch(7, 1, 2000));
  await_produce(c, 3);
  c.run_for(Duration::millis(200));
  // broker-1 follows broker-2 and cuts the acknowledged record; the trace shows it.
  using Log = std::vector<std::pair<std::int64_t, std::string>>;
  CHECK(contents(c.log(b)) == Log{{0, "v0"}, {1, "v7"}});
  CHECK(contents(c.log(a)) == contents(c.log(b)));
  CHECK(truncations.lines == std::vector<std::string>{"leader_epoch 2->1"});
}

namespace {

// The ISR changes the controller recorded, as "version:isr".
struct IsrRecord final : sim::TraceSink {
  std::vector<std::string> states;
  void on_event(const sim::TraceRecord& r) override {
    if (const auto* s = std::get_if<PartitionStateRecorded>(&r.event)) {
      states.push_back(std::to_string(s->version).append(":").append(s->isr));
    }
  }
};

}  // namespace

TEST_CASE("Broker: a slow follower holds acks=all back until it leaves the ISR, and rejoins after catching up",
          "[broker][isr]") {
  BrokerConfig config;
  config.replica_lag_time_max_ms = 2000;
  BrokerCluster c(3, config);
  IsrRecord isr;
  c.world.trace().add_sink(&isr);
  c.lead(BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  // acks=all every 50 ms for 12 s; broker-3's links take 3 s per message from 1 s to 6 s.
  std::map<std::int32_t, SimTime> sent;
  const SimTime start = c.world.now();
  c.world.schedule_fault(start + Duration::seconds(1),
                         sim::DegradedNetwork{{c.node(BrokerId{3})}, {}, sim::Direction::both,
                                              sim::LinkDegradation{Duration::seconds(3), Duration::zero()}},
                         Duration::seconds(5));
  for (std::int32_t corr = 1; corr <= 240; ++corr) {
    sent[corr] = c.world.now();
    c.produce(BrokerId{1}, corr, -1, make_batch(corr, 1, 1000 + corr));
    c.run_for(Duration::millis(50));
  }
  c.run_for(Duration::seconds(1));
  auto latency_ms = [&](std::int32_t corr) {
    REQUIRE(c.produce_response(corr).error == Errors::NONE);
    return (c.produce_answered_at(corr) - sent[corr]).as_micros() / 1000;
  };
  auto slowest = [&](std::int32_t from, std::int32_t to) {
    std::int64_t worst = 0;
    for (std::int32_t corr = from; corr <= to; ++corr) worst = std::max(worst, latency_ms(corr));
    return worst;
  };
  CHECK(slowest(1, 18) < 20);       // all three in sync: a few round trips
  CHECK(slowest(21, 40) > 1000);    // the HW waits for broker-3 ...
  CHECK(slowest(100, 110) < 20);    // ... until the ISR shrinks to {1,2}, then acks are fast again
  CHECK(slowest(200, 240) < 20);    // and stay fast once broker-3 is back in the ISR
  // The controller recorded the shrink and then the expansion, each one version later.
  REQUIRE(isr.states.size() == 3);
  CHECK(isr.states[0] == "1:1,2,3");
  CHECK(isr.states[1] == "2:1,2");
  CHECK(isr.states[2] == "3:1,2,3");
  CHECK(c.partition(BrokerId{1}).isr() == kAll);
  CHECK(contents(c.log(BrokerId{3})) == contents(c.log(BrokerId{1})));
}

TEST_CASE("Broker: a deposed leader's ISR shrink is refused, so it cannot acknowledge acks=all alone",
          "[broker][isr]") {
  BrokerConfig config;
  config.replica_lag_time_max_ms = 1000;
  BrokerCluster c(3, config);
  c.lead(BrokerId{1}, LeaderEpoch{1}, kAll, kAll);
  c.run_for(Duration::millis(10));
  // broker-1 is cut off from its followers; the controller moves leadership to broker-2, and
  // broker-1 never hears of it.
  c.world.start_fault(sim::NetworkPartition{{{c.node(BrokerId{1}), c.harness}, {c.node(BrokerId{2}), c.node(BrokerId{3})}}});
  c.lead(BrokerId{2}, LeaderEpoch{2}, {BrokerId{2}, BrokerId{3}}, kAll, {BrokerId{2}, BrokerId{3}});
  c.produce(BrokerId{1}, 1, -1, make_batch(0, 1, 1000), 5000);
  c.run_for(Duration::seconds(6));
  // Its proposal to drop the followers is fenced; the proposal stays pending and the high
  // watermark keeps waiting for them, so the write times out instead of being acknowledged.
  Partition& old_leader = c.partition(BrokerId{1});
  REQUIRE(old_leader.pending_isr_change().has_value());
  CHECK(old_leader.pending_isr_change()->new_isr == std::vector<BrokerId>{BrokerId{1}});
  CHECK(old_leader.isr() == kAll);
  CHECK(old_leader.high_watermark() == Offset{0});
  CHECK(c.produce_response(1).error == Errors::REQUEST_TIMED_OUT);
  bool proposed = false;
  for (const auto& [t, r] : c.h().received<AlterIsrRequest>()) proposed = proposed || r.broker_id == BrokerId{1};
  CHECK(proposed);
}
