#include "model/storage/log_manager.h"

#include <charconv>

namespace kafkasim::storage {

std::optional<TopicPartition> parse_log_dir_name(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  std::int32_t partition = 0;
  const char* begin = name.data() + dash + 1;
  const char* end = name.data() + name.size();
  const auto [ptr, ec] = std::from_chars(begin, end, partition);
  if (ec != std::errc() || ptr != end || partition < 0) return std::nullopt;
  return TopicPartition{name.substr(0, dash), partition};
}

OffsetMap LogManager::read_checkpoint_or_report(const char* name) {
  auto read = read_offset_checkpoint(disk_, path(name));
  if (read.ok()) return read.value();
  notes_.push_back("ignored " + read.status().detail() + "; its logs are recovered from their start");
  return {};
}

IoResult<std::unique_ptr<LogManager>> LogManager::open(Disk& disk, std::string data_dir, TopicLogConfigs configs,
                                                       std::int64_t now_ms) {
  std::unique_ptr<LogManager> m(new LogManager(disk, std::move(data_dir), std::move(configs)));
  KAFKASIM_RETURN_IF_ERROR(disk.make_dir(m->data_dir_));
  const OffsetMap recovery_points = m->read_checkpoint_or_report(kRecoveryPointCheckpoint);
  const OffsetMap log_starts = m->read_checkpoint_or_report(kLogStartOffsetCheckpoint);
  auto names = disk.list(m->data_dir_);
  if (!names.ok()) return names.status();
  for (const std::string& name : names.value()) {
    const auto tp = parse_log_dir_name(name);
    if (!tp) continue;  // the checkpoint files
    auto find_or_zero = [](const OffsetMap& map, const TopicPartition& key) {
      auto it = map.find(key);
      return it == map.end() ? Offset{0} : it->second;
    };
    auto log = Log::open(disk, m->path(name), m->configs_.of(tp->topic), find_or_zero(recovery_points, *tp),
                         find_or_zero(log_starts, *tp), now_ms);
    if (!log.ok()) return log.status();
    for (const auto& note : log.value()->recovery().notes) m->notes_.push_back(note);
    m->logs_[*tp] = std::move(log.value());
  }
  return m;
}

Log* LogManager::get(const TopicPartition& tp) const {
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second.get();
}

IoResult<Log*> LogManager::get_or_create(const TopicPartition& tp, std::int64_t now_ms) {
  if (Log* existing = get(tp)) return existing;
  auto log = Log::open(disk_, path(log_dir_name(tp)), configs_.of(tp.topic), Offset{0}, Offset{0}, now_ms);
  if (!log.ok()) return log.status();
  KAFKASIM_RETURN_IF_ERROR(disk_.sync_dir(data_dir_));  // the new folder survives a power loss
  Log* raw = log.value().get();
  logs_[tp] = std::move(log.value());
  return raw;
}

IoStatus LogManager::remove(const TopicPartition& tp) {
  Log* log = get(tp);
  if (log == nullptr) return {};
  KAFKASIM_RETURN_IF_ERROR(log->truncate_fully_and_start_at(Offset{0}));
  const std::string dir = log->dir();
  logs_.erase(tp);
  auto names = disk_.list(dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : names.value()) KAFKASIM_RETURN_IF_ERROR(disk_.remove(dir + "/" + name));
  KAFKASIM_RETURN_IF_ERROR(disk_.remove(dir));
  return disk_.sync_dir(data_dir_);
}

IoStatus LogManager::checkpoint_recovery_points() {
  OffsetMap offsets;
  for (const auto& [tp, log] : logs_) offsets[tp] = log->recovery_point();
  return write_offset_checkpoint(disk_, path(kRecoveryPointCheckpoint), offsets);
}

IoStatus LogManager::checkpoint_log_start_offsets() {
  OffsetMap offsets;
  for (const auto& [tp, log] : logs_) offsets[tp] = log->log_start_offset();
  return write_offset_checkpoint(disk_, path(kLogStartOffsetCheckpoint), offsets);
}

IoStatus LogManager::write_high_watermarks(const OffsetMap& high_watermarks) {
  return write_offset_checkpoint(disk_, path(kHighWatermarkCheckpoint), high_watermarks);
}

IoResult<OffsetMap> LogManager::read_high_watermarks() const {
  return read_offset_checkpoint(disk_, path(kHighWatermarkCheckpoint));
}

}  // namespace kafkasim::storage
