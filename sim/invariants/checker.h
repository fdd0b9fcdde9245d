// An invariant checker: a small class fed every trace event, keeping its own ground truth from
// the trace (never asking the model), reporting each violation it finds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "sim/trace.h"

namespace kafkasim::sim::invariants {

struct Violation {
  std::string invariant;  // a name from SCENARIO_FORMAT.md
  SimTime time;
  NodeId node;
  std::string tp;  // "" when not about one partition
  std::int64_t offset = -1;
  std::string detail;                  // one paragraph, in Kafka's terms
  std::vector<std::uint64_t> evidence;  // indices of the trace events that prove it
};

// The kinds of trace event a checker reads, as indices into TraceEvent.
using EventKinds = std::vector<std::size_t>;

template <class Event, std::size_t I = 0>
constexpr std::size_t event_kind() {
  static_assert(I < std::variant_size_v<TraceEvent>, "not a trace event");
  if constexpr (std::is_same_v<std::variant_alternative_t<I, TraceEvent>, Event>) {
    return I;
  } else {
    return event_kind<Event, I + 1>();
  }
}

template <class... Events>
EventKinds kinds_of() {
  return {event_kind<Events>()...};
}

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string_view name() const = 0;
  // The events on_event reads: the suite hands it only those (most of a trace is messages and
  // disk operations no checker needs).
  virtual EventKinds events() const = 0;
  virtual void on_event(const TraceRecord& record) = 0;
  // After the last event: for invariants about the end state.
  virtual void finish(SimTime /*end*/) {}

  const std::vector<Violation>& violations() const { return violations_; }

 protected:
  void report(SimTime time, NodeId node, std::string tp, std::int64_t offset, std::string detail,
              std::vector<std::uint64_t> evidence) {
    violations_.push_back(Violation{std::string(name()), time, node, std::move(tp), offset, std::move(detail),
                                    std::move(evidence)});
  }

 private:
  std::vector<Violation> violations_;
};

// "10.512 s": trace times in details.
std::string seconds_text(SimTime t);

}  // namespace kafkasim::sim::invariants
