// The trace: every event of a run, in order, with a running 64-bit hash.
//
// The hash is the witness of determinism: the same scenario and seed give the same hash on
// every run, build type and machine. It covers each event's time, node, name and fields.
// Sinks (the invariant checkers, the log writers) see every event as it is recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/trace_events.h"
#include "sim/world_events.h"

namespace kafkasim::sim {

namespace detail {
template <class A, class B>
struct ConcatVariant;
template <class... As, class... Bs>
struct ConcatVariant<std::variant<As...>, std::variant<Bs...>> {
  using type = std::variant<As..., Bs...>;
};
}  // namespace detail

using WorldEvent = std::variant<MessageSent, MessageDelivered, MessageHeld, MessageRetransmitted, MessageDropped, ConnectionClosed, DiskOp,
                                DiskLoss, FaultStarted, FaultEnded, NodeLifecycle>;
using TraceEvent = detail::ConcatVariant<WorldEvent, ModelEvent>::type;

// Events of the world as a whole (faults, the network) carry this node.
inline constexpr NodeId kWorldNode{UINT32_MAX};

struct TraceRecord {
  std::uint64_t index;
  SimTime time;
  NodeId node;
  const TraceEvent& event;
};

std::string_view event_name(const TraceEvent& event);

class TraceSink {
 public:
  virtual void on_event(const TraceRecord& record) = 0;

 protected:
  ~TraceSink() = default;
};

class Trace {
 public:
  void record(SimTime time, NodeId node, TraceEvent event);
  // Sinks are not owned and must outlive the run.
  void add_sink(TraceSink* sink) { sinks_.push_back(sink); }
  std::uint64_t hash() const { return hash_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<TraceSink*> sinks_;
  std::uint64_t hash_ = 0x6b61666b6173696dULL;  // "kafkasim"
  std::uint64_t count_ = 0;
};

// The hash as 16 lowercase hex digits, as run reports print it.
std::string format_hash(std::uint64_t hash);

using NodeNamer = std::function<std::string(NodeId)>;

// One line per event: "   1.204518 node-2       message_sent to=node-1 id=7 message=Pong(seq=3) ...".
class TextTraceWriter final : public TraceSink {
 public:
  TextTraceWriter(std::ostream& out, NodeNamer names) : out_(out), names_(std::move(names)) {}
  void on_event(const TraceRecord& record) override;

 private:
  std::ostream& out_;
  NodeNamer names_;
};

// One JSON object per line: {"i":12,"timeUs":1204518,"node":"node-2","event":"message_sent",...}.
class JsonlTraceWriter final : public TraceSink {
 public:
  JsonlTraceWriter(std::ostream& out, NodeNamer names) : out_(out), names_(std::move(names)) {}
  void on_event(const TraceRecord& record) override;

 private:
  std::ostream& out_;
  NodeNamer names_;
};

}  // namespace kafkasim::sim
