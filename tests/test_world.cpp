// Tests of the world: node lifecycle, faults, busy nodes, clock skew and the trace.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/storage/disk.h"
#include "sim/world.h"
#include "test_support.h"

using namespace kafkasim;
using namespace kafkasim::sim;
using kafkasim::testing::Delivery;
using kafkasim::testing::Numbered;
using kafkasim::testing::Recorder;

namespace {

WorldConfig quiet_config(std::uint64_t seed = 1) {
  WorldConfig c;
  c.seed = seed;
  c.network.latency = Duration::millis(1);
  c.network.jitter = Duration::zero();
  return c;
}

WorldConfig ten_ms_links() {
  WorldConfig c = quiet_config();
  c.network.latency = Duration::millis(10);
  return c;
}

// Collects the names of the trace events, with their node and a few fields.
struct EventLog final : TraceSink {
  std::vector<std::string> lines;
  const World* world = nullptr;
  void on_event(const TraceRecord& r) override {
    std::string line(event_name(r.event));
    if (const auto* d = std::get_if<MessageDropped>(&r.event)) line.append(":").append(d->reason);
    if (const auto* n = std::get_if<NodeLifecycle>(&r.event)) line.append(":").append(n->what);
    lines.push_back(line);
  }
  bool has(const std::string& s) const { return std::find(lines.begin(), lines.end(), s) != lines.end(); }
};

// Two Recorder nodes, a and b, on 10 ms links without jitter.
struct TwoNodes {
  kafkasim::testing::RecorderCluster c{ten_ms_links(), 2};
  World& world = c.world;
  NodeId a = c.ids[0];
  NodeId b = c.ids[1];
};

}  // namespace

TEST_CASE("World: a killed node's timers die with it and a restart builds a new node", "[world]") {
  World world(quiet_config());
  std::vector<Delivery> log;
  int fired = 0, starts = 0;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      ++starts;
      e.after(Duration::millis(10), [&] { ++fired; });
    });
  });
  world.start_all();
  world.run_until(SimTime::from_millis(5));
  world.kill(a);
  CHECK(world.state(a) == NodeState::down);
  CHECK(world.node(a) == nullptr);
  world.run_until(SimTime::from_millis(20));
  CHECK(fired == 0);
  world.restart(a);
  CHECK(starts == 2);
  CHECK(world.incarnation(a) == 1);
  world.run_until(SimTime::from_millis(40));
  CHECK(fired == 1);
}

TEST_CASE("World: a node that halts sends nothing more and is down once its handler returns", "[world]") {
  World world(quiet_config());
  EventLog events;
  world.trace().add_sink(&events);
  std::vector<Delivery> log;
  int fired = 0, starts = 0;
  bool halted_node_ran_on = false;
  const NodeId b = world.add_node("b", [&](Env& env) { return std::make_unique<Recorder>(env, log); });
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      if (++starts > 1) return;
      e.after(Duration::millis(10), [&] { ++fired; });
      e.after(Duration::millis(5), [&] {
        e.send(b, std::make_shared<Numbered>(1));
        e.halt();
        e.send(b, std::make_shared<Numbered>(2));  // after the halt: never leaves
        e.trace(Note{"after the halt"});
        halted_node_ran_on = true;
      });
    });
  });
  world.start_all();
  world.run_until(SimTime::from_millis(20));
  CHECK(halted_node_ran_on);  // its code ran to the end of the handler...
  CHECK(world.state(a) == NodeState::down);  // ...and then it was gone
  CHECK(events.has("node:halt"));
  CHECK_FALSE(events.has("note"));
  CHECK(fired == 0);  // its timers died with it
  REQUIRE(log.size() == 1);
  CHECK(log[0].number == 1);
  world.restart(a);
  CHECK(world.state(a) == NodeState::running);
  CHECK(starts == 2);
}

TEST_CASE("World: a timer handle cancels, even while its node is paused", "[world]") {
  World world(quiet_config());
  std::vector<Delivery> log;
  int fired = 0;
  TimerHandle handle;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      handle = e.after(Duration::millis(10), [&] { ++fired; });
    });
  });
  world.start_all();
  world.pause(a);
  world.run_until(SimTime::from_millis(20));
  CHECK(handle.pending());  // due, but held
  handle.cancel();
  CHECK_FALSE(handle.pending());
  world.resume(a);
  world.run_until(SimTime::from_millis(40));
  CHECK(fired == 0);
}

TEST_CASE("World: a paused node gets its messages and timers on resume, in order", "[world]") {
  World world(quiet_config());
  std::vector<Delivery> log;
  std::vector<std::uint64_t> timer_log;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      for (std::uint64_t i = 1; i <= 3; ++i) e.send(NodeId{1}, std::make_shared<Numbered>(i));
    });
  });
  const NodeId b = world.add_node("b", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      e.after(Duration::millis(2), [&] { timer_log.push_back(e.now().as_millis()); });
    });
  });
  world.start(b);
  world.pause(b);
  world.start(a);
  world.run_until(SimTime::from_millis(50));
  CHECK(log.empty());
  CHECK(timer_log.empty());
  world.resume(b);
  world.run_until(SimTime::from_millis(60));
  REQUIRE(log.size() == 3);
  CHECK(log[0].number == 1);
  CHECK(log[2].number == 3);
  CHECK(log[0].time == SimTime::from_millis(50));
  CHECK(timer_log == std::vector<std::uint64_t>{50});
  (void)a;
}

TEST_CASE("World: messages to a down or restarted node are dropped, with the reason", "[world]") {
  WorldConfig config = quiet_config();
  config.network.latency = Duration::millis(10);
  kafkasim::testing::RecorderCluster c(config, 2);
  World& world = c.world;
  EventLog events;
  world.trace().add_sink(&events);
  const NodeId a = c.ids[0], b = c.ids[1];
  world.kill(b);
  c.send(a, b, 1);
  world.run_until(SimTime::from_millis(20));
  CHECK(events.has("message_dropped:node_down"));
  world.restart(b);
  c.send(a, b, 2);  // in flight across b's next restart
  world.kill(b);
  world.restart(b);
  world.run_until(SimTime::from_millis(40));
  CHECK(events.has("message_dropped:connection_reset"));
  c.send(a, b, 3);
  world.run_until(SimTime::from_millis(60));
  REQUIRE(c.log.size() == 1);
  CHECK(c.log[0].number == 3);
  CHECK(c.log[0].from == a);
}

TEST_CASE("World: a killed process's peers learn of it one latency later, a silent one's never do", "[world][connections]") {
  WorldConfig config = quiet_config();
  config.network.latency = Duration::millis(10);
  kafkasim::testing::RecorderCluster c(config, 4);
  World& world = c.world;
  using kafkasim::testing::Disconnect;
  const NodeId a = c.ids[0], b = c.ids[1], quiet = c.ids[2], d = c.ids[3];
  c.send(a, b, 1);  // a has a connection to b; `quiet` has none
  c.send(b, d, 2);  // d has one from b's side: d heard from b
  world.run_until(SimTime::from_millis(20));
  world.kill(b);
  world.run_until(SimTime::from_millis(40));
  CHECK(c.disconnects == std::vector<Disconnect>{{SimTime::from_millis(30), a, b}, {SimTime::from_millis(30), d, b}});

  // b is back and a talks to it again; the closes seen so far are forgotten.
  const auto restart_b_and_reconnect = [&] {
    world.restart(b);
    c.send(a, b, 3);
    world.run_until(SimTime::from_millis(60));
    c.disconnects.clear();
  };

  SECTION("a message to the host of a dead process is refused, once per connection") {
    c.disconnects.clear();
    c.send(a, b, 3);
    c.send(a, b, 4);  // the second refusal tells of the connection the first one closed
    world.run_until(SimTime::from_millis(80));
    CHECK(c.disconnects == std::vector<Disconnect>{{SimTime::from_millis(60), a, b}});
  }
  SECTION("a message sent to a process that restarts before it arrives is refused") {
    world.restart(b);
    c.disconnects.clear();
    c.send(a, b, 3);
    world.run_until(SimTime::from_millis(45));
    world.power_loss(b);  // gone without a word (a kill would close a's connection itself)
    world.restart(b);     // a's connection was to the process before
    world.run_until(SimTime::from_millis(80));
    CHECK(c.disconnects == std::vector<Disconnect>{{SimTime::from_millis(60), a, b}});
    CHECK(c.log.size() == 2);  // 1 and 2 only
  }
  SECTION("a host without power answers nothing, before or after") {
    restart_b_and_reconnect();
    world.power_loss(b);
    c.send(a, b, 4);
    world.run_until(SimTime::from_millis(100));
    CHECK(c.disconnects.empty());
  }
  SECTION("a cut link or a paused process closes nothing") {
    restart_b_and_reconnect();
    world.pause(b);
    world.run_until(SimTime::from_millis(100));
    world.resume(b);
    world.start_fault(NetworkPartition{{{a}, {b}}});
    world.kill(b);
    world.run_until(SimTime::from_millis(140));
    CHECK(c.disconnects.empty());
  }
  (void)quiet;
}

TEST_CASE("World: what meets a cut link is sent again and arrives in order at the first retransmission after the heal",
          "[world][connections]") {
  TwoNodes nodes;
  auto& [c, world, a, b] = nodes;
  SECTION("a short cut: the first retransmission, 200 ms after the first send") {
    c.send(a, b, 1);  // on its way when the link is cut at 5 ms
    world.schedule_fault(SimTime::from_millis(5), NetworkPartition{{{a}, {b}}}, Duration::millis(20));
    world.run_until(SimTime::from_millis(20));
    c.send(a, b, 2);  // sent into the cut
    world.run_until(SimTime::from_millis(30));
    c.send(a, b, 3);  // after the heal at 25 ms, but behind 1 and 2 on the connection
    world.run_until(SimTime::from_millis(500));
    CHECK(c.numbers() == std::vector<std::uint64_t>{1, 2, 3});
    for (const auto& d : c.log) CHECK(d.time == SimTime::from_millis(210));
    CHECK(world.stats().messages_dropped == 0);
    CHECK(world.stats().messages_retransmitted == 3);
  }
  SECTION("a long cut: retransmissions back off, a second apart at most") {
    world.start_fault(NetworkPartition{{{a}, {b}}});
    c.send(a, b, 1);
    world.schedule_fault(SimTime::from_millis(5000), Heal{}, std::nullopt);
    world.run_until(SimTime::from_millis(10000));
    // Sent again at 0.2, 0.6, 1.4, 2.4, 3.4, 4.4 and 5.4 s: the last gets through.
    REQUIRE(c.log.size() == 1);
    CHECK(c.log[0].time == SimTime::from_millis(5410));
  }
  SECTION("the link cut again before the retransmission: it waits for the next heal") {
    world.start_fault(NetworkPartition{{{a}, {b}}});
    c.send(a, b, 1);
    world.schedule_fault(SimTime::from_millis(100), Heal{}, std::nullopt);
    world.schedule_fault(SimTime::from_millis(150), NetworkPartition{{{a}, {b}}}, Duration::millis(1000));
    world.run_until(SimTime::from_millis(3000));
    // Not at 0.2 s (cut again at 0.15 s); at the first retransmission after 1.15 s: 1.4 s.
    REQUIRE(c.log.size() == 1);
    CHECK(c.log[0].time == SimTime::from_millis(1410));
  }
}

TEST_CASE("World: a host that loses power takes what it held with it, a killed process's kernel sends it on, then its FIN",
          "[world][connections]") {
  TwoNodes nodes;
  auto& [c, world, a, b] = nodes;
  c.send(b, a, 7);  // b's side has a connection: it will hear of a's end
  world.run_until(SimTime::from_millis(20));
  c.log.clear();
  const FaultId cut = world.start_fault(NetworkPartition{{{a}, {b}}});
  c.send(a, b, 1);
  SECTION("kill") {
    world.kill(a);
    world.run_until(SimTime::from_millis(100));
    world.end_fault(cut);
    world.run_until(SimTime::from_millis(1000));
    REQUIRE(c.log.size() == 1);
    CHECK(c.log[0].time == SimTime::from_millis(230));  // first sent at 20 ms
    CHECK(c.disconnects == std::vector<kafkasim::testing::Disconnect>{{SimTime::from_millis(230), b, a}});
  }
  SECTION("power loss") {
    world.power_loss(a);
    world.run_until(SimTime::from_millis(100));
    world.end_fault(cut);
    world.run_until(SimTime::from_millis(1000));
    CHECK(c.log.empty());
    CHECK(c.disconnects.empty());
    CHECK(world.stats().messages_dropped == 1);
  }
}

TEST_CASE("World: a connection its receiver closed takes nothing more, and answers go only where they were asked",
          "[world][connections]") {
  TwoNodes nodes;
  auto& [c, world, a, b] = nodes;
  c.send(a, b, 1);
  world.run_until(SimTime::from_millis(20));
  SECTION("data on its way when the receiver closed is reset: the sender hears of it") {
    c.send(b, a, 2);
    world.run_until(SimTime::from_millis(25));
    c.disconnect(a, b);  // a's request timed out
    world.run_until(SimTime::from_millis(100));
    CHECK(c.numbers() == std::vector<std::uint64_t>{1});
    CHECK(c.disconnects == std::vector<kafkasim::testing::Disconnect>{{SimTime::from_millis(40), b, a}});
  }
  SECTION("an answer on a connection its asker closed is reset; once its end is closed, none is sent") {
    c.disconnect(a, b);
    c.answer(b, a, 2);  // reset at a at 30 ms; b hears of it at 40 ms
    world.run_until(SimTime::from_millis(50));
    c.answer(b, a, 5);  // b's end is closed: no connection to answer on
    c.send(a, b, 3);    // a's new connection
    world.run_until(SimTime::from_millis(60));
    c.answer(b, a, 4);  // goes back on it
    world.run_until(SimTime::from_millis(100));
    CHECK(c.numbers() == std::vector<std::uint64_t>{1, 3, 4});
    CHECK(c.disconnects == std::vector<kafkasim::testing::Disconnect>{{SimTime::from_millis(40), b, a}});
  }
  SECTION("a new connection does not wait behind the old one's retransmissions") {
    const FaultId cut = world.start_fault(NetworkPartition{{{a}, {b}}});
    c.send(a, b, 2);  // held on the old connection
    world.run_until(SimTime::from_millis(50));
    c.disconnect(a, b);
    world.end_fault(cut);
    c.send(a, b, 3);  // on a new connection, through at once
    world.run_until(SimTime::from_millis(1000));
    // The old connection's data still arrives (a closed socket's kernel sends what it has),
    // at its retransmission 200 ms after it was first sent.
    REQUIRE(c.numbers() == std::vector<std::uint64_t>{1, 3, 2});
    CHECK(c.log[1].time == SimTime::from_millis(60));
    CHECK(c.log[2].time == SimTime::from_millis(230));
  }
}

TEST_CASE("World: a node is busy while its disk works, and its clock moves meanwhile", "[world]") {
  WorldConfig config = quiet_config();
  config.disk.fsync_latency = Duration::millis(30);
  World world(config);
  std::vector<Delivery> log;
  SimTime after_sync;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      e.send(NodeId{1}, std::make_shared<Numbered>(1));
    });
  });
  const NodeId b = world.add_node("b", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      auto file = e.disk().open("f", storage::OpenMode::create_if_missing);
      REQUIRE(file.ok());
      REQUIRE(file.value()->sync().ok());  // about 30 ms, during which b is busy
      after_sync = e.now();
    });
  });
  world.start(b);
  world.start(a);  // its message reaches b at 1 ms, while b still syncs
  world.run_until(SimTime::from_millis(100));
  CHECK(after_sync >= SimTime::from_millis(30));
  REQUIRE(log.size() == 1);
  CHECK(log[0].time >= after_sync);
}

TEST_CASE("World: clock skew shifts a node's clock and nothing else", "[world]") {
  World world(quiet_config());
  std::vector<Delivery> log;
  std::vector<std::int64_t> seen;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      e.after(Duration::millis(10), [&] { seen.push_back(e.now().as_millis()); });
    });
  });
  world.start_all();
  const FaultId skew = world.start_fault(ClockSkew{{a}, Duration::millis(-5000)});
  world.run_until(SimTime::from_millis(20));
  CHECK(seen == std::vector<std::int64_t>{10 - 5000});  // fired on time, read a skewed clock
  world.end_fault(skew);
}

TEST_CASE("World: kill and power loss differ in what the disk keeps", "[world]") {
  WorldConfig config = quiet_config();
  config.disk.writeback_interval = Duration::zero();
  World world(config);
  std::vector<Delivery> log;
  std::uint64_t size_at_start = 0;
  bool first = true;
  const NodeId a = world.add_node("a", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [&](Env& e) {
      auto file = e.disk().open("journal", storage::OpenMode::create_if_missing);
      REQUIRE(file.ok());
      size_at_start = file.value()->size();
      if (first) {
        first = false;
        REQUIRE(e.disk().sync_dir("").ok());
        REQUIRE(file.value()->append(ByteView::copy_of(std::string_view("synced"))).ok());
        REQUIRE(file.value()->sync().ok());
        REQUIRE(file.value()->append(ByteView::copy_of(std::string_view("+cached"))).ok());
      }
    });
  });
  world.start_all();
  world.kill(a);
  world.restart(a);
  CHECK(size_at_start == 13);  // the page cache survived the process
  world.power_loss(a);
  world.restart(a);
  CHECK(size_at_start >= 6);   // what was synced survived the machine
  CHECK(size_at_start <= 13);
}

TEST_CASE("World: every fault type starts and ends through one API", "[world][faults]") {
  World world(quiet_config());
  EventLog events;
  world.trace().add_sink(&events);
  std::vector<Delivery> log;
  std::vector<NodeId> ids;
  for (const char* name : {"broker-1", "broker-2", "broker-3"}) {
    ids.push_back(world.add_node(name, [&](Env& env) { return std::make_unique<Recorder>(env, log); }));
  }
  world.start_all();
  const NodeId b1 = ids[0], b2 = ids[1], b3 = ids[2];

  const FaultId kill = world.start_fault(ProcessKill{{b1}});
  CHECK(world.state(b1) == NodeState::down);
  world.end_fault(kill);
  CHECK(world.state(b1) == NodeState::running);

  world.start_fault(PowerLoss{{b2}});
  CHECK(world.state(b2) == NodeState::down);
  world.start_fault(Restart{{b2}});
  CHECK(world.state(b2) == NodeState::running);

  const FaultId stop = world.start_fault(ProcessStop{{b3}});
  CHECK(world.state(b3) == NodeState::paused);
  world.end_fault(stop);
  CHECK(world.state(b3) == NodeState::running);

  world.start_fault(NetworkPartition{{{b1}, {b2, b3}}});
  world.start_fault(Isolate{{b3}});
  LinkDegradation d;
  d.extra_latency = Duration::millis(100);
  const FaultId slow_net = world.start_fault(DegradedNetwork{{b2}, {b1}, Direction::both, d});
  CHECK_FALSE(world.network().reachable(b1, b2));
  CHECK_FALSE(world.network().reachable(b2, b3));
  CHECK(world.network().link(b2, b1).config.latency == Duration::millis(101));
  world.end_fault(slow_net);
  CHECK(world.network().link(b2, b1).config.latency == Duration::millis(1));
  world.start_fault(Heal{});
  CHECK(world.network().reachable(b1, b2));
  CHECK(world.network().reachable(b2, b3));

  world.start_fault(SlowDisk{{b1}, 5.0});
  world.start_fault(DiskFault{{b2}, DiskFaultMode::fsync_error});
  world.start_fault(DiskFault{{b3}, DiskFaultMode::full});
  world.start_fault(ClockSkew{{b1}, Duration::seconds(3)});
  world.start_fault(ProcessKill{{b3}});
  world.start_fault(ProcessStop{{b2}});
  CHECK(world.active_fault_count() == 7);  // these six and the power loss, never ended
  world.heal_all();
  CHECK(world.active_fault_count() == 0);
  for (NodeId n : ids) CHECK(world.state(n) == NodeState::running);
  CHECK(world.network().rule_count() == 0);

  const auto starts = std::count(events.lines.begin(), events.lines.end(), "fault_start");
  const auto ends = std::count(events.lines.begin(), events.lines.end(), "fault_end");
  CHECK(starts == 14);
  CHECK(ends == 12);  // restart and heal act at once and have no end
}

TEST_CASE("Trace: the text and JSONL writers print every event with its fields", "[trace]") {
  World world(quiet_config());
  std::ostringstream text, jsonl;
  TextTraceWriter text_writer(text, world.namer());
  JsonlTraceWriter json_writer(jsonl, world.namer());
  world.trace().add_sink(&text_writer);
  world.trace().add_sink(&json_writer);
  std::vector<Delivery> log;
  world.add_node("broker-1", [&](Env& env) {
    return std::make_unique<Recorder>(env, log, [](Env& e) {
      e.send(NodeId{1}, std::make_shared<Numbered>(7));
      e.trace(Note{"hello"});
    });
  });
  world.add_node("broker-2", [&](Env& env) { return std::make_unique<Recorder>(env, log); });
  world.start_all();
  world.run_until(SimTime::from_millis(10));
  CHECK(text.str().find("broker-1     message_sent to=broker-2 id=1 message=Numbered(n=7)") != std::string::npos);
  CHECK(text.str().find("note text=hello") != std::string::npos);
  std::istringstream lines(jsonl.str());
  std::string line;
  std::uint64_t count = 0;
  bool saw_delivery = false;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j["i"] == count++);
    if (j["event"] == "message_delivered") {
      saw_delivery = true;
      CHECK(j["node"] == "broker-2");
      CHECK(j["from"] == "broker-1");
      CHECK(j["timeUs"] == 1000);
    }
  }
  CHECK(count == world.trace().count());
  CHECK(saw_delivery);
}

TEST_CASE("Trace: the hash covers every event, its time and its fields", "[trace]") {
  auto hash_of = [](std::int64_t latency_us, std::uint64_t number) {
    WorldConfig config = quiet_config();
    config.network.latency = Duration::micros(latency_us);
    World world(config);
    std::vector<Delivery> log;
    world.add_node("a", [&](Env& env) {
      return std::make_unique<Recorder>(env, log, [number](Env& e) {
        e.trace(Note{"n=" + std::to_string(number)});
        e.send(NodeId{1}, std::make_shared<Numbered>(number));
      });
    });
    world.add_node("b", [&](Env& env) { return std::make_unique<Recorder>(env, log); });
    world.start_all();
    world.run_until(SimTime::from_millis(10));
    return world.trace().hash();
  };
  CHECK(hash_of(1000, 1) == hash_of(1000, 1));
  CHECK(hash_of(1000, 1) != hash_of(1001, 1));  // a time differs
  CHECK(hash_of(1000, 1) != hash_of(1000, 2));  // a field differs
}
