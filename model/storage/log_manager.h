// LogManager: every partition log in one data folder, with the broker-wide checkpoints.
//
// On open it lists the partition folders ("orders-0"), reads recovery-point-offset-checkpoint
// and log-start-offset-checkpoint, and opens each log from its recovery point. A missing or
// malformed checkpoint is reported and its logs are recovered from the start, the safe
// choice Kafka makes too.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/storage/checkpoint.h"
#include "model/storage/log.h"

namespace kafkasim::storage {

inline constexpr const char* kRecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
inline constexpr const char* kHighWatermarkCheckpoint = "replication-offset-checkpoint";
inline constexpr const char* kLogStartOffsetCheckpoint = "log-start-offset-checkpoint";

// "orders-0" -> {orders, 0}; nothing for a name that is not a partition folder.
std::optional<TopicPartition> parse_log_dir_name(const std::string& name);

// The log settings of every topic: the broker's defaults and the topics that override them
// (Kafka keeps those in /config/topics/<topic>).
struct TopicLogConfigs {
  TopicLogConfigs(LogConfig broker_defaults = {}) : defaults(broker_defaults) {}  // NOLINT: implicit on purpose
  LogConfig defaults;
  std::map<std::string, LogConfig> topics;
  const LogConfig& of(const std::string& topic) const {
    auto it = topics.find(topic);
    return it == topics.end() ? defaults : it->second;
  }
};

class LogManager {
 public:
  static IoResult<std::unique_ptr<LogManager>> open(Disk& disk, std::string data_dir, TopicLogConfigs configs,
                                                    std::int64_t now_ms);

  const std::map<TopicPartition, std::unique_ptr<Log>>& logs() const { return logs_; }
  Log* get(const TopicPartition& tp) const;
  IoResult<Log*> get_or_create(const TopicPartition& tp, std::int64_t now_ms);
  IoStatus remove(const TopicPartition& tp);
  // What opening found and repaired: each log's recovery notes and any checkpoint problem.
  const std::vector<std::string>& notes() const { return notes_; }

  IoStatus checkpoint_recovery_points();
  IoStatus checkpoint_log_start_offsets();
  // The high watermarks belong to the replicas; the file format and its place belong here.
  IoStatus write_high_watermarks(const OffsetMap& high_watermarks);
  IoResult<OffsetMap> read_high_watermarks() const;

 private:
  LogManager(Disk& disk, std::string data_dir, TopicLogConfigs configs)
      : disk_(disk), data_dir_(std::move(data_dir)), configs_(std::move(configs)) {}
  std::string path(const std::string& name) const { return data_dir_ + "/" + name; }
  OffsetMap read_checkpoint_or_report(const char* name);

  Disk& disk_;
  std::string data_dir_;
  TopicLogConfigs configs_;
  std::map<TopicPartition, std::unique_ptr<Log>> logs_;
  std::vector<std::string> notes_;
};

}  // namespace kafkasim::storage
