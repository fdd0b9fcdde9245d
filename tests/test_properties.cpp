// RapidCheck properties of the world: the network keeps partitions and order, the disk keeps
// what POSIX promises across kills and power losses.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <map>
#include <string>

#include "sim/world.h"
#include "test_support.h"

using namespace kafkasim;
using namespace kafkasim::sim;
using kafkasim::testing::Delivery;
using kafkasim::testing::Numbered;
using kafkasim::testing::Recorder;

namespace {

struct Send {
  std::uint32_t from, to;
  std::int64_t at_us;
};

struct PartitionWindow {
  std::vector<std::uint32_t> side;  // one group; every other node is the other group
  std::int64_t start_ms, length_ms;
};

// Checks every delivery against the schedule, without asking the network.
struct PartitionOracle final : TraceSink {
  const std::vector<PartitionWindow>& windows;
  std::uint32_t nodes;
  std::vector<std::string> violations;
  PartitionOracle(const std::vector<PartitionWindow>& w, std::uint32_t n) : windows(w), nodes(n) {}

  static bool on_side(const PartitionWindow& w, std::uint32_t node) {
    return std::find(w.side.begin(), w.side.end(), node) != w.side.end();
  }
  void on_event(const TraceRecord& r) override {
    const auto* d = std::get_if<MessageDelivered>(&r.event);
    if (d == nullptr) return;
    const std::int64_t t = r.time.as_micros();
    for (const auto& w : windows) {
      const std::int64_t start = w.start_ms * 1000, end = (w.start_ms + w.length_ms) * 1000;
      if (t == start || t == end) continue;  // the fault and the delivery are simultaneous
      if (t > start && t < end && on_side(w, d->from.value()) != on_side(w, r.node.value())) {
        violations.push_back("delivered " + std::to_string(d->from.value()) + "->" +
                             std::to_string(r.node.value()) + " at " + std::to_string(t) + "us");
      }
    }
  }
};

void schedule(kafkasim::testing::RecorderCluster& cluster, const std::vector<Send>& sends) {
  for (std::size_t i = 0; i < sends.size(); ++i) {
    const Send s = sends[i];
    cluster.world.scheduler().at(SimTime::from_micros(s.at_us),
                                 [&cluster, s, i] { cluster.send(NodeId{s.from}, NodeId{s.to}, i); });
  }
}

rc::Gen<std::vector<Send>> gen_sends(std::uint32_t nodes, std::int64_t horizon_us) {
  return rc::gen::container<std::vector<Send>>(rc::gen::apply(
      [](std::uint32_t from, std::uint32_t to_offset, std::int64_t at) { return Send{from, to_offset, at}; },
      rc::gen::inRange<std::uint32_t>(0, nodes), rc::gen::inRange<std::uint32_t>(1, nodes),
      rc::gen::inRange<std::int64_t>(0, horizon_us)));
}

// Sends between distinct nodes, sorted by time.
std::vector<Send> normalise(std::vector<Send> sends, std::uint32_t nodes) {
  for (auto& s : sends) s.to = (s.from + s.to) % nodes;  // `to` was drawn as an offset >= 1
  std::stable_sort(sends.begin(), sends.end(), [](const Send& a, const Send& b) { return a.at_us < b.at_us; });
  return sends;
}

}  // namespace

TEST_CASE("Property: nothing is delivered between partitioned nodes", "[property][network]") {
  rc::prop("deliveries respect every partition window", [] {
    const auto nodes = *rc::gen::inRange<std::uint32_t>(2, 6);
    const auto sends = normalise(*gen_sends(nodes, 2'000'000), nodes);
    const auto windows = *rc::gen::container<std::vector<PartitionWindow>>(rc::gen::apply(
        [nodes](std::vector<bool> mask, std::int64_t start, std::int64_t length) {
          PartitionWindow w{{}, start, length};
          for (std::uint32_t i = 0; i < nodes && i < mask.size(); ++i) {
            if (mask[i]) w.side.push_back(i);
          }
          return w;
        },
        rc::gen::container<std::vector<bool>>(nodes, rc::gen::arbitrary<bool>()),
        rc::gen::inRange<std::int64_t>(0, 2000), rc::gen::inRange<std::int64_t>(1, 1000)));
    WorldConfig config;
    config.seed = *rc::gen::arbitrary<std::uint64_t>();
    config.network.latency = Duration::millis(*rc::gen::inRange<std::int64_t>(0, 20));
    config.network.jitter = Duration::millis(*rc::gen::inRange<std::int64_t>(0, 20));
    kafkasim::testing::RecorderCluster cluster(config, nodes);
    PartitionOracle oracle(windows, nodes);
    cluster.world.trace().add_sink(&oracle);
    for (const auto& w : windows) {
      std::vector<NodeId> side, other;
      for (std::uint32_t i = 0; i < nodes; ++i) {
        (PartitionOracle::on_side(w, i) ? side : other).push_back(NodeId{i});
      }
      cluster.world.schedule_fault(SimTime::from_millis(w.start_ms), NetworkPartition{{side, other}},
                                   Duration::millis(w.length_ms));
    }
    schedule(cluster, sends);
    cluster.world.run_until(SimTime::from_millis(3100));
    if (!oracle.violations.empty()) RC_FAIL(oracle.violations.front());
  });
}

TEST_CASE("Property: a connection delivers everything, in order, without loss", "[property][network]") {
  rc::prop("per-connection FIFO under jitter and rate limits", [] {
    const auto nodes = *rc::gen::inRange<std::uint32_t>(2, 5);
    const auto sends = normalise(*gen_sends(nodes, 1'000'000), nodes);
    WorldConfig config;
    config.seed = *rc::gen::arbitrary<std::uint64_t>();
    config.network.latency = Duration::micros(*rc::gen::inRange<std::int64_t>(0, 5000));
    config.network.jitter = Duration::micros(*rc::gen::inRange<std::int64_t>(0, 50000));
    config.network.rate_limit_kbit = *rc::gen::element<std::int64_t>(0, 100, 10000);
    kafkasim::testing::RecorderCluster cluster(config, nodes);
    schedule(cluster, sends);
    cluster.world.run_until(SimTime::from_millis(60'000));
    RC_ASSERT(cluster.log.size() == sends.size());
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> last;
    for (const auto& d : cluster.log) {
      auto key = std::make_pair(d.from.value(), d.to.value());
      auto it = last.find(key);
      const bool in_order = it == last.end() || it->second < d.number;
      RC_ASSERT(in_order);
      last[key] = d.number;
    }
  });
}

TEST_CASE("Property: after a power loss a file is a prefix of what was written, with all synced",
          "[property][disk]") {
  rc::prop("power loss keeps a prefix that covers the synced bytes", [] {
    SimTime now;
    DiskConfig config;
    config.dirty_expire = Duration::millis(*rc::gen::inRange<std::int64_t>(0, 100));
    SimDisk disk(config, Rng(*rc::gen::arbitrary<std::uint64_t>()),
                 SimDisk::Hooks{[&] { return now; }, {}, {}});
    auto opened = disk.open("log", storage::OpenMode::create_if_missing);
    RC_ASSERT(opened.ok());
    RC_ASSERT(disk.sync_dir("").ok());
    auto& file = *opened.value();
    std::string written;
    std::uint64_t synced = 0;
    const auto ops = *rc::gen::container<std::vector<std::pair<int, std::string>>>(rc::gen::pair(
        rc::gen::inRange(0, 3), rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::character<char>()))));
    for (const auto& [op, data] : ops) {
      now = now + Duration::millis(10);
      if (op == 0) {
        RC_ASSERT(file.sync().ok());
        synced = written.size();
      } else if (op == 1) {
        disk.writeback();
      } else {
        RC_ASSERT(file.append(ByteView::copy_of(std::string_view(data))).ok());
        written += data;
      }
    }
    disk.power_loss();
    const ByteView after = disk.contents("log");
    const std::string kept(after.data(), after.data() + after.size());
    RC_ASSERT(kept.size() >= synced);
    RC_ASSERT(kept.size() <= written.size());
    RC_ASSERT(written.compare(0, kept.size(), kept) == 0);
  });
}

TEST_CASE("Property: after a process kill a file holds everything written", "[property][disk]") {
  rc::prop("the page cache survives the process", [] {
    const auto chunks = *rc::gen::container<std::vector<std::string>>(
        rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::character<char>())));
    WorldConfig config;
    config.seed = *rc::gen::arbitrary<std::uint64_t>();
    World world(config);
    std::vector<Delivery> log;
    std::string written;
    bool first_start = true;
    const NodeId a = world.add_node("a", [&](Env& env) {
      return std::make_unique<Recorder>(env, log, [&](Env& e) {
        if (!first_start) return;
        first_start = false;
        auto file = e.disk().open("data", storage::OpenMode::create_if_missing);
        RC_ASSERT(file.ok());
        for (const auto& c : chunks) {
          RC_ASSERT(file.value()->append(ByteView::copy_of(std::string_view(c))).ok());
          written += c;
        }
      });
    });
    world.start_all();
    world.kill(a);
    world.restart(a);
    const ByteView after = world.disk(a).contents("data");
    RC_ASSERT(std::string(after.data(), after.data() + after.size()) == written);
  });
}
