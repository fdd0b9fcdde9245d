// A broker's settings, with Kafka's names and defaults.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/controller/controller.h"
#include "model/group/group_config.h"
#include "model/group/offsets_records.h"
#include "model/protocol/types.h"
#include "model/storage/log_manager.h"

namespace kafkasim::broker {

// How a replica that becomes a follower finds where its log parts from the leader's
// (replica.truncation, this simulator's own key: see SCENARIO_FORMAT.md).
enum class ReplicaTruncation {
  leader_epoch,       // Kafka since 2.1: OffsetsForLeaderEpoch (KIP-101, KIP-279, KAFKA-7415)
  leader_epoch_0_11,  // Kafka 0.11 to 1.1: KIP-101 as first shipped, without KIP-279 or KAFKA-7415
  high_watermark,     // before 0.11: truncate to the (checkpointed) high watermark
};

// A topic's own settings, over the broker's (Kafka keeps them in /config/topics/<topic>).
struct TopicConfig {
  std::int32_t min_insync_replicas = 1;  // min.insync.replicas
  storage::LogConfig log;                // segment.bytes, retention.ms, cleanup.policy, ...
};

struct BrokerConfig {
  group::GroupCoordinatorConfig group;      // offsets.* and group.*
  BrokerId broker_id{1};
  std::string data_dir = "data";             // log.dirs
  storage::LogConfig log;                    // log.* and topic defaults
  std::int32_t min_insync_replicas = 1;      // min.insync.replicas
  std::map<std::string, TopicConfig> topic_configs;  // topics with settings of their own
  std::int32_t replica_fetch_wait_max_ms = 500;
  std::int32_t replica_fetch_min_bytes = 1;
  std::int32_t replica_fetch_max_bytes = 1048576;
  std::int64_t replica_fetch_backoff_ms = 1000;
  std::int32_t request_timeout_ms = 30000;   // for the follower's fetches and AlterIsr
  std::int64_t replica_lag_time_max_ms = 30000;
  std::int64_t alter_isr_retry_backoff_ms = 50;  // after a retriable AlterIsr error
  std::int64_t replica_high_watermark_checkpoint_interval_ms = 5000;
  // The log manager's scheduled tasks.
  std::int64_t log_retention_check_interval_ms = 300000;
  std::int64_t log_flush_scheduler_interval_ms = INT64_MAX;  // checks log.flush.interval.ms
  std::int64_t log_flush_offset_checkpoint_interval_ms = 60000;
  std::int64_t log_flush_start_offset_checkpoint_interval_ms = 60000;
  ReplicaTruncation replica_truncation = ReplicaTruncation::leader_epoch;
  // ZooKeeper mode: the store to register with; without one, a harness plays the controller.
  std::optional<NodeId> zookeeper;
  std::string rack;                                   // broker.rack
  std::int32_t zookeeper_session_timeout_ms = 18000;  // zookeeper.session.timeout.ms
  std::int64_t registration_retry_ms = 500;  // while the previous incarnation's znode lingers
  std::int32_t controlled_shutdown_max_retries = 3;
  std::int64_t controlled_shutdown_retry_backoff_ms = 5000;
  controller::ControllerConfig controller;   // unclean.leader.election.enable, ...
  // Only for proving the invariant checkers: a deliberately broken broker that takes a
  // LeaderAndIsr of its current leader epoch as new (Kafka requires a newer one).
  bool test_only_accept_equal_leader_epoch = false;
  // Only for proving the invariant checkers: serves consumers up to the log end, as no Kafka does.
  bool test_only_serve_consumers_above_high_watermark = false;
  // Only for proving the invariant checkers: purgatory timers fire this much early.
  std::int64_t test_only_timer_fire_early_ms = 0;

  std::int32_t min_insync_replicas_of(const std::string& topic) const {
    auto it = topic_configs.find(topic);
    return it == topic_configs.end() ? min_insync_replicas : it->second.min_insync_replicas;
  }
  storage::TopicLogConfigs log_configs() const {
    storage::TopicLogConfigs configs(log);
    for (const auto& [topic, c] : topic_configs) configs.topics.emplace(topic, c.log);
    // Kafka creates __consumer_offsets compacted, with segments of its own size: log.retention.*
    // never deletes a group's metadata or offsets (GroupMetadataManager.offsetsTopicConfigs).
    storage::LogConfig offsets = log;
    offsets.compact = true;
    offsets.segment_bytes = group.offsets_topic_segment_bytes;
    configs.topics.emplace(std::string(group::kOffsetsTopic), offsets);
    return configs;
  }
};

}  // namespace kafkasim::broker
