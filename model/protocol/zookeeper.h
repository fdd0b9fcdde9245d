// The requests of the coordination store (a ZooKeeper-like service, model/controller): znodes
// with versions, ephemeral znodes bound to client sessions, one-shot watches, and atomic
// multi-operations whose writes can be made conditional on a version (ZooKeeper's check op).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/protocol/types.h"

namespace kafkasim {

enum class ZkError : std::int8_t {
  ok,
  no_node,
  node_exists,
  bad_version,
  not_empty,
  session_expired,
  connection_loss,  // no answer: the client gave up waiting (never sent by the server)
};

std::string_view zk_error_name(ZkError e);

enum class ZkOpType : std::int8_t { create, set_data, delete_node, check };

struct ZkOp {
  ZkOpType type = ZkOpType::create;
  std::string path;
  std::string data;
  std::int32_t version = -1;  // set_data, delete_node, check: the expected version; -1 any
  bool ephemeral = false;     // create: bound to the session
};

struct ZkStat {
  std::int32_t version = 0;       // data version, +1 per set_data
  std::int64_t czxid = 0;         // the transaction that created it
  std::int64_t mzxid = 0;         // the last that changed it
  std::int64_t ephemeral_owner = 0;  // session id; 0 for a persistent znode
};

struct ZkConnectRequest {
  static constexpr const char* kName = "ZkConnect";
  std::int32_t correlation_id = 0;
  std::int32_t session_timeout_ms = 18000;
  std::size_t wire_bytes() const { return 32; }
  std::string describe() const { return {}; }
};

struct ZkConnectResponse {
  static constexpr const char* kName = "ZkConnectResponse";
  std::int32_t correlation_id = 0;
  std::int64_t session_id = 0;
  std::size_t wire_bytes() const { return 32; }
  std::string describe() const { return std::string("session=").append(std::to_string(session_id)); }
};

// A session's heartbeat. The answer says whether the session is still alive.
struct ZkPing {
  static constexpr const char* kName = "ZkPing";
  std::int64_t session_id = 0;
  std::uint64_t watch_events_seen = 0;  // every watch event up to this sequence was processed
  std::size_t wire_bytes() const { return 16; }
  std::string describe() const { return std::string("session=").append(std::to_string(session_id)); }
};

struct ZkPingResponse {
  static constexpr const char* kName = "ZkPingResponse";
  std::int64_t session_id = 0;
  bool expired = false;
  // Watch events numbered so far; fewer than the client saw means the server restarted (its
  // watches and their numbering start again).
  std::uint64_t watch_events_sent = 0;
  std::size_t wire_bytes() const { return 16; }
  std::string describe() const { return expired ? "expired" : "alive"; }
};

// Applies every op or none (ZooKeeper's multi).
struct ZkMultiRequest {
  static constexpr const char* kName = "ZkMulti";
  std::int32_t correlation_id = 0;
  std::int64_t session_id = 0;
  std::vector<ZkOp> ops;
  std::size_t wire_bytes() const;
  std::string describe() const;
};

struct ZkMultiResponse {
  static constexpr const char* kName = "ZkMultiResponse";
  std::int32_t correlation_id = 0;
  ZkError error = ZkError::ok;
  std::int32_t failed_op = -1;  // which op failed
  std::vector<ZkStat> stats;     // per op, on success
  std::size_t wire_bytes() const { return 32 + stats.size() * 24; }
  std::string describe() const;
};

// getData (children=false) or getChildren (children=true), optionally leaving a watch. A watch
// on a missing znode (exists) fires when it is created.
struct ZkReadRequest {
  static constexpr const char* kName = "ZkRead";
  std::int32_t correlation_id = 0;
  std::int64_t session_id = 0;
  std::string path;
  bool children = false;
  bool watch = false;
  std::size_t wire_bytes() const { return 32 + path.size(); }
  std::string describe() const { return std::string(children ? "children " : "data ").append(path); }
};

struct ZkReadResponse {
  static constexpr const char* kName = "ZkReadResponse";
  std::int32_t correlation_id = 0;
  ZkError error = ZkError::ok;
  std::string path;
  std::string data;
  ZkStat stat;
  std::vector<std::string> children;  // names, sorted
  std::size_t wire_bytes() const;
  std::string describe() const;
};

enum class ZkEventType : std::int8_t { created, deleted, data_changed, children_changed };

// Watch events of a session are numbered from 1. ZooKeeper delivers them over the session's
// TCP connection, so none is lost while the session lives: the server sends again every event
// a ping has not acknowledged yet, and the client processes them in sequence, once each.
struct ZkWatchEvent {
  static constexpr const char* kName = "ZkWatchEvent";
  static constexpr bool kSentOnClientConnection = true;  // on the session's connection
  std::string path;
  ZkEventType type = ZkEventType::data_changed;
  std::uint64_t sequence = 0;  // of the session's events
  std::int64_t session_id = 0;  // the session that set the watch
  std::size_t wire_bytes() const { return 16 + path.size(); }
  std::string describe() const;
};

}  // namespace kafkasim
