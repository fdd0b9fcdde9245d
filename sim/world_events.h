// Events the world itself records: messages, disk operations, faults, node lifecycle.
// Same shape as model/trace_events.h: a name and a `fields` visitor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/message.h"
#include "model/protocol/types.h"

namespace kafkasim::sim {

struct MessageSent {
  static constexpr std::string_view kName = "message_sent";
  NodeId to;
  std::uint64_t message_id;
  MessagePtr message;
  SimTime arrives;
  template <class V>
  void fields(V& v) const {
    v("to", to);
    v("id", message_id);
    v("message", message);
    v("arrives", arrives);
  }
};

struct MessageDelivered {
  static constexpr std::string_view kName = "message_delivered";
  NodeId from;
  std::uint64_t message_id;
  template <class V>
  void fields(V& v) const {
    v("from", from);
    v("id", message_id);
  }
};

// The message met a cut link: the sender's kernel sends it again until the link is back,
// then it goes on (message_retransmitted) in its connection's order.
struct MessageHeld {
  static constexpr std::string_view kName = "message_held";
  NodeId to;
  std::uint64_t message_id;
  template <class V>
  void fields(V& v) const {
    v("to", to);
    v("id", message_id);
  }
};

// A held message's retransmission that gets through, the link being back.
struct MessageRetransmitted {
  static constexpr std::string_view kName = "message_retransmitted";
  NodeId to;
  std::uint64_t message_id;
  SimTime arrives;
  template <class V>
  void fields(V& v) const {
    v("to", to);
    v("id", message_id);
    v("arrives", arrives);
  }
};

struct MessageDropped {
  static constexpr std::string_view kName = "message_dropped";
  NodeId from;
  NodeId to;
  std::uint64_t message_id;
  // "loss" or "retransmissions_gave_up" (TCP gave up), "sender_power_loss" (held, and its
  // sender's kernel died), "node_down", "connection_reset"
  std::string_view reason;
  template <class V>
  void fields(V& v) const {
    v("from", from);
    v("to", to);
    v("id", message_id);
    v("reason", reason);
  }
};

// The node's end of a connection to `peer` closed because the peer's end went away: its
// process exited (the kernel closed its sockets: FIN) or a message reached a host whose
// process is gone or is another one (RST). Kafka's NetworkClient sees this as a disconnect and
// fails the requests in flight on the connection at once, instead of at request.timeout.ms.
struct ConnectionClosed {
  static constexpr std::string_view kName = "connection_closed";
  NodeId peer;
  std::string_view reason;  // "peer_exited", "refused"
  template <class V>
  void fields(V& v) const {
    v("peer", peer);
    v("reason", reason);
  }
};

struct DiskOp {
  static constexpr std::string_view kName = "disk";
  std::string_view op;  // "append", "write", "truncate", "sync", "rename", "remove", ...
  std::string_view path;  // valid while the event is recorded, as every view in an event
  std::uint64_t offset;
  std::uint64_t bytes;
  std::string_view error;  // empty when the operation succeeded
  template <class V>
  void fields(V& v) const {
    v("op", op);
    v("path", path);
    v("offset", offset);
    v("bytes", bytes);
    v("error", error);
  }
};

// What a power loss did to one file: bytes kept, bytes lost, and whether the last kept write
// was torn.
struct DiskLoss {
  static constexpr std::string_view kName = "disk_loss";
  std::string path;
  std::uint64_t kept_bytes;
  std::uint64_t lost_bytes;
  bool torn;
  template <class V>
  void fields(V& v) const {
    v("path", path);
    v("kept", kept_bytes);
    v("lost", lost_bytes);
    v("torn", torn);
  }
};

struct FaultStarted {
  static constexpr std::string_view kName = "fault_start";
  std::uint64_t fault_id;
  std::string_view type;  // the fault type of SCENARIO_FORMAT.md
  std::string detail;
  template <class V>
  void fields(V& v) const {
    v("fault", fault_id);
    v("type", type);
    v("detail", detail);
  }
};

struct FaultEnded {
  static constexpr std::string_view kName = "fault_end";
  std::uint64_t fault_id;
  std::string_view type;
  template <class V>
  void fields(V& v) const {
    v("fault", fault_id);
    v("type", type);
  }
};

struct NodeLifecycle {
  static constexpr std::string_view kName = "node";
  // "start", "kill", "power_loss", "halt" (the process exited by itself), "restart", "pause",
  // "resume", "clock_skew"
  std::string_view what;
  std::uint32_t incarnation;
  template <class V>
  void fields(V& v) const {
    v("what", what);
    v("incarnation", incarnation);
  }
  // The process ended: its volatile state and timers are gone.
  bool ends_process() const { return what == "kill" || what == "power_loss" || what == "halt"; }
};

}  // namespace kafkasim::sim
