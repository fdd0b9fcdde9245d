// The broker's consumer group settings (offsets.* and group.*), with Kafka's defaults.
#pragma once

#include <cstdint>

namespace kafkasim::group {

struct GroupCoordinatorConfig {
  std::int32_t offsets_topic_partitions = 50;
  std::int16_t offsets_topic_replication_factor = 3;  // used where the topic is created
  std::int32_t offsets_topic_segment_bytes = 104857600;
  std::int16_t offsets_commit_required_acks = -1;
  std::int32_t offsets_commit_timeout_ms = 5000;
  std::int32_t group_initial_rebalance_delay_ms = 3000;
  std::int32_t group_min_session_timeout_ms = 6000;
  std::int32_t group_max_session_timeout_ms = 1800000;
};

}  // namespace kafkasim::group
