// A producer's settings, with Kafka's names and (3.x) defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/client/connection_states.h"
#include "model/protocol/types.h"

namespace kafkasim::client {

struct ProducerConfig {
  std::string client_id = "producer";         // client.id; also prefixes record ids
  std::vector<NodeId> bootstrap;              // bootstrap.servers
  std::int16_t acks = -1;                     // acks: 0, 1, -1 ("all")
  std::int64_t linger_ms = 0;                 // linger.ms
  std::size_t batch_size = 16384;             // batch.size
  std::int32_t max_in_flight_requests_per_connection = 5;
  std::int32_t retries = 2147483647;          // retries
  std::int64_t retry_backoff_ms = 100;        // retry.backoff.ms
  std::int64_t delivery_timeout_ms = 120000;  // delivery.timeout.ms
  std::int32_t request_timeout_ms = 30000;    // request.timeout.ms
  std::int64_t metadata_max_age_ms = 300000;  // metadata.max.age.ms
  bool enable_idempotence = true;             // enable.idempotence
  ReconnectConfig reconnect;                  // reconnect.backoff.ms, reconnect.backoff.max.ms
  // Record ids start with this instead of client.id when set: a restarted producer process
  // ("p1~1") sends new records, which must not share ids with its first life's.
  std::string record_id_client;
};

}  // namespace kafkasim::client
