// A session with the coordination store, as a broker holds one (Kafka's ZooKeeperClient).
//
// It connects, keeps the session alive with a ping every third of the session timeout, and
// reports expiry, which it learns when a ping or request is answered "expired" (as a ZooKeeper
// client learns it on reconnecting). A write without an answer within the session timeout
// completes with connection_loss (it may or may not have been applied); a read is sent again
// while its session lives. Requests made without a session complete with session_expired at
// once. Watch events and ping answers count only for the current session
// (a restarted broker's previous session may still be alive, with watches).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/env.h"
#include "model/message.h"
#include "model/protocol/zookeeper.h"

namespace kafkasim::controller {

class ZkClient {
 public:
  struct Handlers {
    std::function<void()> session_established;
    std::function<void()> session_expired;
    std::function<void(const ZkWatchEvent&)> watch;
  };
  using MultiCallback = std::function<void(const ZkMultiResponse&)>;
  using ReadCallback = std::function<void(const ZkReadResponse&)>;

  ZkClient(Env& env, NodeId server, std::int32_t session_timeout_ms, Handlers handlers)
      : env_(env), server_(server), session_timeout_ms_(session_timeout_ms), handlers_(std::move(handlers)) {}
  ~ZkClient();

  // Starts a new session (also after expiry).
  void connect();
  std::optional<std::int64_t> session() const { return session_; }
  NodeId server() const { return server_; }

  void multi(std::vector<ZkOp> ops, MultiCallback done);
  void read(const std::string& path, bool children, bool watch, ReadCallback done);
  bool handle(const Message& message);

 private:
  struct Pending {
    MultiCallback multi;
    ReadCallback read;
    ZkReadRequest read_request;  // for a read, to send it again (in the session it names)
    TimerHandle timeout;
  };
  void ping();
  void expire();
  std::int32_t track(Pending pending);
  void send_read(Pending pending);
  std::optional<Pending> take(std::int32_t correlation_id);

  Env& env_;
  NodeId server_;
  std::int32_t session_timeout_ms_;
  Handlers handlers_;
  std::optional<std::int64_t> session_;
  std::uint64_t watch_events_seen_ = 0;  // of the current session
  std::optional<std::int32_t> connecting_;  // correlation id of the connect in flight
  std::int32_t correlation_id_ = 0;
  std::map<std::int32_t, Pending> pending_;
  TimerHandle ping_timer_;
  TimerHandle connect_timer_;
};

}  // namespace kafkasim::controller
