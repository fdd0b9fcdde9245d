// Which traced partition states are news. The controller traces every state it writes and
// every state it reads from the store (so that a write whose answer was lost is known), and a
// read answered before a later write can be traced after it: a deposed controller, paused,
// takes an old answer when it resumes. Versions in the store only grow, so a state is news
// only when its version is above the last one seen for its partition; anything else is an
// old view, not a change.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "model/trace_events.h"

namespace kafkasim::sim::invariants {

class StateVersions {
 public:
  bool is_new(const PartitionStateRecorded& s) {
    auto [it, first] = last_.try_emplace(s.tp, s.version);
    if (first) return true;
    if (s.version <= it->second) return false;
    it->second = s.version;
    return true;
  }

 private:
  std::unordered_map<std::string, std::int32_t> last_;
};

}  // namespace kafkasim::sim::invariants
