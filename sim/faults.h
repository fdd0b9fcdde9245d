// The faults of SCENARIO_FORMAT.md as values, applied through World::start_fault.
// Targets are resolved node ids here: the scenario loader turns names and roles into ids.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/protocol/types.h"
#include "sim/network.h"

namespace kafkasim::sim {

struct ProcessKill {
  std::vector<NodeId> nodes;
};
struct PowerLoss {
  std::vector<NodeId> nodes;
};
struct Restart {
  std::vector<NodeId> nodes;
};
struct ProcessStop {
  std::vector<NodeId> nodes;
};
struct NetworkPartition {
  std::vector<std::vector<NodeId>> groups;
};
struct Isolate {
  std::vector<NodeId> nodes;
};
struct DegradedNetwork {
  std::vector<NodeId> nodes;
  std::vector<NodeId> peers;  // empty: every other node
  Direction direction = Direction::both;
  LinkDegradation degradation;
};
struct SlowDisk {
  std::vector<NodeId> nodes;
  double factor = 1.0;
};
enum class DiskFaultMode { fsync_error, corrupt_tail, full };
struct DiskFault {
  std::vector<NodeId> nodes;
  DiskFaultMode mode = DiskFaultMode::fsync_error;
};
struct ClockSkew {
  std::vector<NodeId> nodes;
  Duration offset;
};
struct Heal {};

using FaultSpec = std::variant<ProcessKill, PowerLoss, Restart, ProcessStop, NetworkPartition,
                               Isolate, DegradedNetwork, SlowDisk, DiskFault, ClockSkew, Heal>;

// The contract's name of the fault type: "process_kill", "network_partition", ...
std::string_view fault_type(const FaultSpec& fault);
std::string_view disk_fault_mode_name(DiskFaultMode mode);

}  // namespace kafkasim::sim
