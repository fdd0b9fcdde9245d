// The demo world: echo nodes under network partitions, crashes and power losses.
//
// It is what `kafkasim demo` runs, and the workload of the determinism tests: the same
// options give the same trace hash, bit for bit.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/demo/echo_node.h"
#include "sim/world.h"

namespace kafkasim::sim {

struct EchoDemoOptions {
  std::uint64_t seed = 1;
  int nodes = 3;
  Duration duration = Duration::seconds(10);
  Duration ping_interval = Duration::millis(100);
  // Off: a fixed script (a partition, a kill, a power loss). On: faults drawn from the seed.
  bool random_faults = false;
  LinkConfig network;
  DiskConfig disk;
  // Optional outputs of the trace; not owned.
  std::ostream* text_log = nullptr;
  std::ostream* jsonl = nullptr;
};

struct EchoDemoResult {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::uint64_t scheduler_events = 0;
  SimTime end;
  WorldStats world;
  EchoStats echo;
  // Each fault as it was started: "1.500000 network_partition [node-1] | [node-2,node-3]".
  std::vector<std::string> faults;
};

EchoDemoResult run_echo_demo(const EchoDemoOptions& options);

}  // namespace kafkasim::sim
