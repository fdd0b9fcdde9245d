// A broker's settings, with Kafka's names and defaults.
#pragma once

#include <cstdint>
#include <string>

#include "model/protocol/types.h"
#include "model/storage/log.h"

namespace kafkasim::broker {

struct BrokerConfig {
  BrokerId broker_id{1};
  std::string data_dir = "data";             // log.dirs
  storage::LogConfig log;                    // log.* and topic defaults
  std::int32_t min_insync_replicas = 1;      // min.insync.replicas
  std::int32_t replica_fetch_wait_max_ms = 500;
  std::int32_t replica_fetch_min_bytes = 1;
  std::int32_t replica_fetch_max_bytes = 1048576;
  std::int64_t replica_fetch_backoff_ms = 1000;
  std::int32_t request_timeout_ms = 30000;   // for the follower's fetches
};

}  // namespace kafkasim::broker
