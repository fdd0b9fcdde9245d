// When a client may try a broker again after its connection closed (Kafka's
// ClusterConnectionStates). The first wait is reconnect.backoff.ms; each further failure in a
// row doubles it, up to reconnect.backoff.max.ms; each wait is drawn within 20% of that from
// the client's own stream, so that clients do not come back in step. An answer from the
// broker starts the count again.
#pragma once

#include <cstdint>
#include <map>

#include "model/env.h"

namespace kafkasim::client {

struct ReconnectConfig {
  std::int64_t reconnect_backoff_ms = 50;        // reconnect.backoff.ms
  std::int64_t reconnect_backoff_max_ms = 1000;  // reconnect.backoff.max.ms
};

class ConnectionStates {
 public:
  ConnectionStates(Env& env, ReconnectConfig config) : env_(env), config_(config) {}

  void disconnected(NodeId node);
  void answered(NodeId node) { nodes_.erase(node); }
  // Milliseconds until the client may send to `node` again; 0 when it may now.
  std::int64_t delay_ms(NodeId node) const;

 private:
  struct State {
    std::int32_t failures = 0;
    std::int64_t ready_at_ms = 0;
  };
  std::int64_t now_ms() const { return env_.now().as_micros() / 1000; }

  Env& env_;
  ReconnectConfig config_;
  std::map<NodeId, State> nodes_;
};

}  // namespace kafkasim::client
