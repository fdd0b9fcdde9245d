#include "model/client/connection_states.h"

#include <algorithm>

namespace kafkasim::client {

void ConnectionStates::disconnected(NodeId node) {
  State& s = nodes_[node];
  // Kafka's ExponentialBackoff(reconnect.backoff.ms, 2, reconnect.backoff.max.ms, 0.2).
  double wait = static_cast<double>(config_.reconnect_backoff_ms);
  for (std::int32_t i = 0; i < s.failures && wait < static_cast<double>(config_.reconnect_backoff_max_ms); ++i) wait *= 2;
  wait = std::min(wait, static_cast<double>(config_.reconnect_backoff_max_ms));
  const auto jittered = static_cast<std::int64_t>(wait * env_.rng().uniform_real(0.8, 1.2));
  s.ready_at_ms = now_ms() + std::min(jittered, config_.reconnect_backoff_max_ms);
  ++s.failures;
}

std::int64_t ConnectionStates::delay_ms(NodeId node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? 0 : std::max<std::int64_t>(0, it->second.ready_at_ms - now_ms());
}

}  // namespace kafkasim::client
