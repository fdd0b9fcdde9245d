// Unit tests of the simulated network, the rope and the simulated disk.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/network.h"
#include "sim/rope.h"
#include "sim/sim_disk.h"

using namespace kafkasim;
using namespace kafkasim::sim;
using storage::IoErrc;
using storage::OpenMode;

namespace {

SimNetwork make_network(int nodes, LinkConfig config = {}) {
  SimNetwork net(config, Rng(1));
  for (int i = 0; i < nodes; ++i) net.add_node(NodeId{static_cast<std::uint32_t>(i)});
  return net;
}

const NodeId n0{0}, n1{1}, n2{2}, n3{3};

std::string text(const ByteView& v) { return std::string(v.data(), v.data() + v.size()); }

}  // namespace

TEST_CASE("Network: a partition cuts links between groups, both ways, and nothing else", "[network]") {
  SimNetwork net = make_network(4);
  net.partition({{n0}, {n1, n2}});
  CHECK_FALSE(net.reachable(n0, n1));
  CHECK_FALSE(net.reachable(n2, n0));
  CHECK(net.reachable(n1, n2));
  CHECK(net.reachable(n3, n0));  // a node in no group reaches everyone
  CHECK(net.reachable(n0, n3));
  CHECK(net.reachable(n0, n0));  // loopback always works
}

TEST_CASE("Network: one-way isolation cuts only the named direction", "[network]") {
  SimNetwork net = make_network(3);
  const RuleId in = net.isolate({n0}, Direction::to);
  CHECK_FALSE(net.reachable(n1, n0));
  CHECK(net.reachable(n0, n1));
  net.remove_rule(in);
  net.isolate({n0}, Direction::from);
  CHECK(net.reachable(n1, n0));
  CHECK_FALSE(net.reachable(n0, n1));
}

TEST_CASE("Network: overlapping faults heal independently", "[network]") {
  SimNetwork net = make_network(3);
  const RuleId part = net.partition({{n0}, {n1, n2}});
  const RuleId iso = net.isolate({n0});
  net.remove_rule(part);
  CHECK_FALSE(net.reachable(n0, n1));  // still isolated
  net.remove_rule(iso);
  CHECK(net.reachable(n0, n1));
  net.partition({{n0}, {n1}});
  net.isolate({n2});
  CHECK(net.rule_count() == 2);
  net.heal();
  CHECK(net.rule_count() == 0);
  CHECK(net.reachable(n0, n1));
  CHECK(net.reachable(n2, n1));
}

TEST_CASE("Network: groups are the sets of nodes that reach each other", "[network]") {
  SimNetwork net = make_network(4);
  CHECK(net.groups() == std::vector<std::vector<NodeId>>{{n0, n1, n2, n3}});
  net.partition({{n0, n3}, {n1, n2}});
  CHECK(net.groups() == std::vector<std::vector<NodeId>>{{n0, n3}, {n1, n2}});
  net.heal();
  net.isolate({n2}, Direction::to);  // n2 can talk but not hear: not mutually reachable
  CHECK(net.groups() == std::vector<std::vector<NodeId>>{{n0, n1, n3}, {n2}});
}

TEST_CASE("Network: a connection keeps order despite jitter", "[network]") {
  LinkConfig config;
  config.latency = Duration::millis(1);
  config.jitter = Duration::millis(20);
  SimNetwork net = make_network(2, config);
  SimTime last;
  bool overtook_by_jitter_alone = false;
  for (int i = 0; i < 1000; ++i) {
    const SimTime sent = SimTime::from_micros(i * 100);
    const auto t = net.transmit(n0, n1, 10, sent);
    REQUIRE_FALSE(t.lost);
    CHECK(t.arrival >= last);
    CHECK(t.arrival >= sent + config.latency);
    if (t.arrival == last) overtook_by_jitter_alone = true;  // it had to wait its turn
    last = t.arrival;
  }
  CHECK(overtook_by_jitter_alone);
}

TEST_CASE("Network: degradation adds latency and a rate limit queues messages", "[network]") {
  LinkConfig config;
  config.latency = Duration::millis(2);
  config.jitter = Duration::zero();
  SimNetwork net = make_network(3, config);
  LinkDegradation slow;
  slow.extra_latency = Duration::millis(50);
  slow.rate_limit_kbit = 8;  // 1000 bytes per second: 1 ms per byte
  net.degrade({n0}, {n1}, Direction::from, slow);
  CHECK(net.link(n0, n1).config.latency == Duration::millis(52));
  CHECK(net.link(n1, n0).config.latency == Duration::millis(2));  // other direction untouched
  CHECK(net.link(n0, n2).config.latency == Duration::millis(2));  // not a peer
  const auto first = net.transmit(n0, n1, 100, SimTime::zero());
  const auto second = net.transmit(n0, n1, 100, SimTime::zero());
  CHECK(first.arrival == SimTime::from_millis(100 + 52));
  CHECK(second.arrival == SimTime::from_millis(200 + 52));
}

TEST_CASE("Network: a lost packet is sent again, backing off, in order, duplication repeats", "[network]") {
  CHECK(Retransmission::wait(1) == Duration::millis(200));
  CHECK(Retransmission::wait(3) == Duration::millis(800));
  CHECK(Retransmission::wait(4) == Duration::seconds(1));
  CHECK(Retransmission::wait(40) == Duration::seconds(1));
  CHECK(Retransmission::next_at_or_after(SimTime::zero(), SimTime::from_millis(700)) == SimTime::from_millis(1400));
  CHECK(Retransmission::next_at_or_after(SimTime::zero(), SimTime::zero()) == SimTime::zero());
  LinkConfig lossy;
  lossy.loss_percent = 50;
  lossy.jitter = Duration::zero();
  SimNetwork half = make_network(2, lossy);
  SimTime last;
  int late = 0;
  for (int i = 0; i < 200; ++i) {
    const SimTime sent = SimTime::from_millis(i);
    const auto t = half.transmit(n0, n1, 10, sent);
    REQUIRE_FALSE(t.lost);
    CHECK(t.arrival >= last);  // a later message waits behind a retransmitted one
    if (t.retransmissions > 0) {
      ++late;
      CHECK(t.arrival >= sent + Duration::millis(200) + lossy.latency);
    }
    last = t.arrival;
  }
  CHECK(late > 50);
  CHECK(late < 150);
  // Every retransmission lost: TCP gives the connection up, about 15 minutes on.
  LinkConfig dead;
  dead.loss_percent = 100;
  SimNetwork a = make_network(2, dead);
  CHECK(a.transmit(n0, n1, 10, SimTime::zero()).lost);
  LinkConfig dup;
  dup.duplicate_percent = 100;
  SimNetwork b = make_network(2, dup);
  const auto t = b.transmit(n0, n1, 10, SimTime::zero());
  REQUIRE(t.duplicate_arrival.has_value());
  CHECK(*t.duplicate_arrival >= t.arrival);
}

TEST_CASE("Rope: writes, overwrites, truncates and reads", "[disk]") {
  Rope r;
  r.append(ByteView::copy_of(std::string_view("hello ")));
  r.append(ByteView::copy_of(std::string_view("world")));
  CHECK(r.size() == 11);
  CHECK(text(r.read(0, 100)) == "hello world");
  r.write(4, ByteView::copy_of(std::string_view("O W")));
  CHECK(text(r.read(0, 11)) == "hellO World");
  r.write(13, ByteView::copy_of(std::string_view("!")));
  CHECK(r.size() == 14);
  CHECK(r.read(11, 2) == ByteView::from(Buffer{0, 0}));
  r.truncate(5);
  CHECK(text(r.read(0, 100)) == "hellO");
  r.truncate(0);
  CHECK(r.size() == 0);
  CHECK(r.read(0, 10).empty());
}

TEST_CASE("Rope: a read inside one write shares its buffer", "[disk]") {
  Rope r;
  const ByteView batch = ByteView::copy_of(std::string_view("0123456789"));
  r.append(ByteView::copy_of(std::string_view("head")));
  r.append(batch);
  const ByteView view = r.read(6, 3);
  CHECK(view.data() == batch.data() + 2);  // no copy
  CHECK(text(view) == "234");
  CHECK(text(r.read(2, 4)) == "ad01");  // spans two writes: copied
}

TEST_CASE("Rope: random writes, truncates and reads agree with a flat copy of the bytes", "[disk]") {
  // Reads in runs and at random, between edits that split, replace and drop pieces, so that
  // the rope's remembered piece goes stale in every way it can.
  Rope r;
  std::string flat;
  Rng rng(5);
  for (int step = 0; step < 3000; ++step) {
    const std::uint64_t choice = rng.below(10);
    if (choice < 4) {
      const std::string data(1 + rng.below(20), static_cast<char>('a' + rng.below(26)));
      const std::uint64_t at = rng.below(flat.size() + 5);
      if (at > flat.size()) flat.resize(at, '\0');
      if (flat.size() < at + data.size()) flat.resize(at + data.size(), '\0');
      flat.replace(at, data.size(), data);
      r.write(at, ByteView::copy_of(std::string_view(data)));
    } else if (choice == 4) {
      const std::uint64_t to = rng.below(flat.size() + 3);
      flat.resize(to, '\0');
      r.truncate(to);
    } else {
      std::uint64_t at = rng.below(flat.size() + 1);
      for (int run = 0; run < 5; ++run) {
        const std::size_t length = rng.below(12);
        const std::string expected = at < flat.size() ? flat.substr(at, length) : std::string();
        REQUIRE(text(r.read(at, length)) == expected);
        at += length;
      }
    }
    REQUIRE(r.size() == flat.size());
  }
}

namespace {

struct DiskFixture {
  SimTime now;
  Duration charged;
  std::string last_error;  // of the last operation traced
  DiskConfig config;
  SimDisk disk{config, Rng(11),
               SimDisk::Hooks{[this] { return now; }, [this](Duration d) { charged += d; },
                              [this](const DiskOp& op) { last_error = op.error; }}};
  std::unique_ptr<storage::File> create(const std::string& path) {
    auto f = disk.open(path, OpenMode::create_if_missing);
    REQUIRE(f.ok());
    return std::move(f.value());
  }
};

}  // namespace

TEST_CASE("SimDisk: names, folders and open modes behave like a file system", "[disk]") {
  DiskFixture fx;
  CHECK(fx.disk.open("a.log", OpenMode::open_existing).status().code() == IoErrc::not_found);
  CHECK(fx.disk.open("missing/a.log", OpenMode::create_if_missing).status().code() == IoErrc::not_found);
  REQUIRE(fx.disk.make_dir("data/orders-0").ok());
  CHECK(fx.disk.exists("data"));
  auto f = fx.create("data/orders-0/00000000000000000000.log");
  CHECK(fx.disk.open("data/orders-0/00000000000000000000.log", OpenMode::create_new).status().code() ==
        IoErrc::already_exists);
  fx.create("data/orders-0/00000000000000000000.index");
  CHECK(fx.disk.list("data/orders-0").value() ==
        std::vector<std::string>{"00000000000000000000.index", "00000000000000000000.log"});
  CHECK(fx.disk.list("data").value() == std::vector<std::string>{"orders-0"});
  CHECK(fx.disk.remove("data/orders-0").code() == IoErrc::invalid_argument);  // not empty
  REQUIRE(fx.disk.rename("data/orders-0/00000000000000000000.index", "data/x.tmp").ok());
  CHECK_FALSE(fx.disk.exists("data/orders-0/00000000000000000000.index"));
  REQUIRE(fx.disk.remove("data/x.tmp").ok());
  CHECK(fx.disk.remove("data/x.tmp").code() == IoErrc::not_found);
  CHECK(fx.charged > Duration::zero());
}

TEST_CASE("SimDisk: power loss keeps synced bytes and synced names only", "[disk]") {
  DiskFixture fx;
  auto f = fx.create("journal");
  REQUIRE(fx.disk.sync_dir("").ok());
  REQUIRE(f->append(ByteView::copy_of(std::string_view("durable|"))).ok());
  REQUIRE(f->sync().ok());
  fx.create("never-synced-name");
  REQUIRE(f->append(ByteView::copy_of(std::string_view("volatile"))).ok());
  CHECK(fx.disk.durable_size("journal") == 8);
  const auto losses = fx.disk.power_loss();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].path == "journal");
  const std::string after = text(fx.disk.contents("journal"));
  CHECK(after.size() >= 8);
  CHECK(std::string("durable|volatile").compare(0, after.size(), after) == 0);
  CHECK_FALSE(fx.disk.exists("never-synced-name"));
}

TEST_CASE("SimDisk: writeback makes old dirty bytes durable without fsync", "[disk]") {
  DiskFixture fx;
  auto f = fx.create("log");
  REQUIRE(f->append(ByteView::copy_of(std::string_view("old"))).ok());
  fx.now = SimTime::zero() + fx.config.dirty_expire;
  REQUIRE(f->append(ByteView::copy_of(std::string_view("new"))).ok());
  fx.disk.writeback();
  CHECK(fx.disk.durable_size("log") == 3);  // "new" is not old enough yet
  fx.now = fx.now + fx.config.dirty_expire;
  fx.disk.writeback();
  CHECK(fx.disk.durable_size("log") == 6);
}

TEST_CASE("SimDisk: fsync errors, a full disk and a corrupt tail", "[disk]") {
  DiskFixture fx;
  auto f = fx.create("log");
  REQUIRE(f->append(ByteView::copy_of(std::string_view("abcdef"))).ok());
  fx.disk.set_fsync_error(true);
  CHECK(f->sync().code() == IoErrc::io_error);
  CHECK(fx.disk.durable_size("log") == 0);
  CHECK(fx.last_error == "input/output error");
  fx.disk.set_fsync_error(false);
  fx.disk.set_full(true);
  CHECK(f->append(ByteView::copy_of(std::string_view("x"))).code() == IoErrc::no_space);
  CHECK(f->write_at(0, ByteView::copy_of(std::string_view("A"))).ok());  // no growth: fine
  CHECK(text(fx.disk.contents("log")) == "Abcdef");
  fx.disk.set_full(false);
  REQUIRE(f->sync().ok());
  CHECK_FALSE(fx.disk.corrupt_tail().has_value());  // everything is synced: nothing to garble
  REQUIRE(f->append(ByteView::copy_of(std::string_view("ghij"))).ok());
  const auto victim = fx.disk.corrupt_tail();
  REQUIRE(victim == std::optional<std::string>("log"));
  const std::string after = text(fx.disk.contents("log"));
  CHECK(after.size() == 10);
  CHECK(after.substr(0, 6) == "Abcdef");  // the synced bytes are intact
  CHECK(after.substr(6) != "ghij");
  REQUIRE(f->sync().ok());
  CHECK(text(fx.disk.contents("log")) == after);  // what a sync persists is what reads saw
}

TEST_CASE("SimDisk: a slow disk charges more time", "[disk]") {
  DiskFixture fx;
  auto f = fx.create("log");
  fx.charged = Duration::zero();
  REQUIRE(f->sync().ok());
  const Duration normal = fx.charged;
  CHECK(normal >= fx.config.fsync_latency);
  fx.disk.set_slow_factor(10);
  fx.charged = Duration::zero();
  REQUIRE(f->sync().ok());
  CHECK(fx.charged >= fx.config.fsync_latency * 10);
}
