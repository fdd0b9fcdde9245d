#include "sim/faults.h"

namespace kafkasim::sim {
namespace {

struct TypeName {
  std::string_view operator()(const ProcessKill&) const { return "process_kill"; }
  std::string_view operator()(const PowerLoss&) const { return "power_loss"; }
  std::string_view operator()(const Restart&) const { return "restart"; }
  std::string_view operator()(const ProcessStop&) const { return "process_stop"; }
  std::string_view operator()(const NetworkPartition&) const { return "network_partition"; }
  std::string_view operator()(const Isolate&) const { return "isolate"; }
  std::string_view operator()(const DegradedNetwork&) const { return "degraded_network"; }
  std::string_view operator()(const SlowDisk&) const { return "slow_disk"; }
  std::string_view operator()(const DiskFault&) const { return "disk_fault"; }
  std::string_view operator()(const ClockSkew&) const { return "clock_skew"; }
  std::string_view operator()(const Heal&) const { return "heal"; }
};

}  // namespace

std::string_view fault_type(const FaultSpec& fault) { return std::visit(TypeName{}, fault); }

std::string_view disk_fault_mode_name(DiskFaultMode mode) {
  switch (mode) {
    case DiskFaultMode::fsync_error: return "fsync_error";
    case DiskFaultMode::corrupt_tail: return "corrupt_tail";
    case DiskFaultMode::full: return "full";
  }
  return "unknown";
}

}  // namespace kafkasim::sim
