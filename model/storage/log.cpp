#include "model/storage/log.h"

#include <algorithm>
#include <functional>
#include <map>

namespace kafkasim::storage {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "00000000000000000042.log" -> 42; nothing for other names.
std::optional<Offset> segment_base_of(const std::string& name) {
  if (!ends_with(name, ".log") || name.size() != 24) return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + (name[i] - '0');
  }
  return Offset{v};
}

IoStatus invalid(const std::string& why) { return IoStatus(IoErrc::invalid_argument, why); }

std::string key_of(const Record& r) {
  return r.key ? std::string(r.key->data(), r.key->data() + r.key->size()) : std::string();
}

}  // namespace

std::string log_dir_name(const TopicPartition& tp) { return tp.str(); }

Log::Log(Disk& disk, std::string dir, LogConfig config)
    : disk_(disk),
      dir_(std::move(dir)),
      config_(config),
      segment_config_{config.index_interval_bytes, config.test_only_recovery_skips_checksums},
      epoch_cache_(disk, dir_ + "/leader-epoch-checkpoint") {}

IoStatus Log::new_segment(Offset base_offset, std::int64_t now_ms) {
  auto segment = LogSegment::open(disk_, dir_, base_offset, segment_config_, now_ms);
  if (!segment.ok()) return segment.status();
  segments_[base_offset] = std::move(segment.value());
  dir_dirty_ = true;
  return {};
}

IoStatus Log::delete_segment(Offset base_offset) {
  auto it = segments_.find(base_offset);
  KAFKASIM_RETURN_IF_ERROR(it->second->remove_files());
  segments_.erase(it);
  dir_dirty_ = true;
  return {};
}

IoResult<std::unique_ptr<Log>> Log::open(Disk& disk, std::string dir, LogConfig config, Offset recovery_point,
                                         Offset log_start_offset, std::int64_t now_ms) {
  std::unique_ptr<Log> log(new Log(disk, std::move(dir), config));
  KAFKASIM_RETURN_IF_ERROR(disk.make_dir(log->dir_));
  auto names = disk.list(log->dir_);
  if (!names.ok()) return names.status();
  LogRecovery& report = log->recovery_;

  std::vector<Offset> bases;
  for (const std::string& name : names.value()) {
    const std::string path = log->dir_ + "/" + name;
    if (ends_with(name, ".cleaned") || ends_with(name, ".tmp") || ends_with(name, ".swap")) {
      KAFKASIM_RETURN_IF_ERROR(disk.remove(path));
      report.notes.push_back("removed " + path + ", left by an interrupted write");
    } else if (auto base = segment_base_of(name)) {
      bases.push_back(*base);
    }
  }
  for (const std::string& name : names.value()) {  // indexes whose segment is gone
    for (const std::string suffix : {".index", ".timeindex"}) {
      if (!ends_with(name, suffix)) continue;
      const std::string log_name = name.substr(0, name.size() - suffix.size()) + ".log";
      if (!std::binary_search(names.value().begin(), names.value().end(), log_name)) {
        KAFKASIM_RETURN_IF_ERROR(disk.remove(log->dir_ + "/" + name));
        report.notes.push_back("removed " + log->dir_ + "/" + name + ", whose segment is gone");
      }
    }
  }

  for (std::size_t i = 0; i < bases.size(); ++i) {
    auto segment = LogSegment::open(disk, log->dir_, bases[i], log->segment_config_, now_ms);
    if (!segment.ok()) return segment.status();
    LogSegment& s = *segment.value();
    log->segments_[bases[i]] = std::move(segment.value());
    const bool below_recovery_point = i + 1 < bases.size() && bases[i + 1] <= recovery_point;
    if (below_recovery_point) {
      auto loaded = s.load();
      if (!loaded.ok()) return loaded.status();
      if (loaded.value()) {
        ++report.indexes_rebuilt;
        report.notes.push_back("rebuilt the indexes of " + s.log_path());
      }
      continue;
    }
    auto recovered = s.recover();
    if (!recovered.ok()) return recovered.status();
    ++report.segments_recovered;
    if (recovered.value().truncated_bytes > 0) {
      report.bytes_truncated += recovered.value().truncated_bytes;
      report.notes.push_back("cut " + std::to_string(recovered.value().truncated_bytes) + " bytes from " +
                             s.log_path() + ": " + recovered.value().reason);
      // Nothing after a corrupt batch can be trusted: later segments go too.
      for (std::size_t j = i + 1; j < bases.size(); ++j) {
        KAFKASIM_RETURN_IF_ERROR(disk.remove(log->dir_ + "/" + segment_file_name(bases[j], ".log")));
        for (const char* suffix : {".index", ".timeindex"}) {
          const std::string path = log->dir_ + "/" + segment_file_name(bases[j], suffix);
          if (disk.exists(path)) KAFKASIM_RETURN_IF_ERROR(disk.remove(path));
        }
        ++report.segments_deleted;
        report.notes.push_back("deleted segment " + segment_file_name(bases[j], ".log") + " after the corruption");
      }
      break;
    }
  }
  if (log->segments_.empty()) {
    KAFKASIM_RETURN_IF_ERROR(log->new_segment(std::max(log_start_offset, Offset{0}), now_ms));
  }

  log->log_start_offset_ = std::max(log_start_offset, log->segments_.begin()->first);
  if (log->log_start_offset_ > log->log_end_offset()) log->log_start_offset_ = log->log_end_offset();
  // What recovery kept is made durable, so the recovery point can move to the end.
  log->recovery_point_ = std::min(recovery_point, log->log_end_offset());
  KAFKASIM_RETURN_IF_ERROR(log->flush(log->log_end_offset()));
  log->last_flush_ms_ = now_ms;

  if (auto loaded = log->epoch_cache_.load(); !loaded.ok()) {
    report.notes.push_back("rebuilt the leader epoch cache from the log: " + loaded.detail());
    KAFKASIM_RETURN_IF_ERROR(log->rebuild_epoch_cache());
    report.epoch_cache_rebuilt = true;
  }
  KAFKASIM_RETURN_IF_ERROR(log->epoch_cache_.truncate_from_end(log->log_end_offset()));
  KAFKASIM_RETURN_IF_ERROR(log->epoch_cache_.truncate_from_start(log->log_start_offset_));
  KAFKASIM_RETURN_IF_ERROR(log->rebuild_producer_state());
  return log;
}

IoStatus Log::for_each_batch_header(const std::function<IoStatus(const BatchHeader&)>& visit) {
  for (auto& [base, segment] : segments_) {
    auto batches = segment->batches();
    if (!batches.ok()) return batches.status();
    for (const ByteView& b : batches.value()) KAFKASIM_RETURN_IF_ERROR(visit(decode_batch_header(b.data())));
  }
  return {};
}

IoStatus Log::rebuild_producer_state() {
  producer_state_.clear();
  return for_each_batch_header([this](const BatchHeader& h) {
    producer_state_.update(h);
    return IoStatus{};
  });
}

IoStatus Log::rebuild_epoch_cache() {
  KAFKASIM_RETURN_IF_ERROR(epoch_cache_.clear());
  return for_each_batch_header([this](const BatchHeader& h) {
    return h.partition_leader_epoch.value() >= 0 ? epoch_cache_.assign(h.partition_leader_epoch, h.base_offset)
                                                 : IoStatus{};
  });
}

std::vector<Offset> Log::segment_base_offsets() const {
  std::vector<Offset> out;
  for (const auto& [base, segment] : segments_) out.push_back(base);
  return out;
}

std::uint64_t Log::size_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

IoResult<Records::Batches> Log::whole_batches(const Records& records) const {
  Records::Batches batches = records.batches();
  std::size_t total = 0;
  for (const auto& b : batches) {
    if (const std::string error = validate_batch(b); !error.empty()) return invalid("corrupt record batch: " + error);
    if (static_cast<std::int64_t>(b.size()) > config_.max_message_bytes) {
      return invalid("record batch of " + std::to_string(b.size()) + " bytes is larger than max.message.bytes " +
                     std::to_string(config_.max_message_bytes));
    }
    total += b.size();
  }
  if (total != records.size_bytes()) return invalid("the records end inside a batch");
  return batches;
}

IoStatus Log::maybe_roll(std::size_t batch_bytes, std::int64_t max_timestamp_ms, std::int64_t now_ms) {
  const LogSegment& s = active();
  if (s.empty()) return {};
  // As Kafka: age counts from the first batch's timestamp when there is one, else from when
  // the segment was created.
  const std::int64_t age_ms = max_timestamp_ms - s.rolling_base_timestamp_ms();
  if (static_cast<std::int64_t>(s.size() + batch_bytes) > config_.segment_bytes ||
      (now_ms - s.rolling_base_timestamp_ms() > config_.segment_ms && age_ms > config_.segment_ms)) {
    return roll(now_ms);
  }
  return {};
}

IoStatus Log::roll(std::int64_t now_ms) {
  const Offset new_base = log_end_offset();
  if (active().empty()) return {};
  KAFKASIM_RETURN_IF_ERROR(new_segment(new_base, now_ms));
  // Kafka flushes the segments it rolls away from, right after the roll.
  return flush(new_base);
}

IoStatus Log::append_batch(const ByteView& batch, const BatchHeader& header, bool as_leader, std::int64_t now_ms,
                          LogAppendInfo& info) {
  KAFKASIM_RETURN_IF_ERROR(maybe_roll(batch.size(), header.max_timestamp_ms, now_ms));
  KAFKASIM_RETURN_IF_ERROR(active().append(batch, header));
  if (append_listener_) append_listener_(header, batch, as_leader);
  if (info.batches.empty()) info.first_offset = header.base_offset;
  info.last_offset = header.last_offset();
  info.max_timestamp_ms = std::max(info.max_timestamp_ms, header.max_timestamp_ms);
  info.record_count += header.records_count;
  info.bytes += batch.size();
  info.batches.push_back(header);
  return {};
}

IoStatus Log::after_append(const LogAppendInfo& info) {
  unflushed_messages_ += info.record_count;
  if (unflushed_messages_ >= config_.flush_interval_messages) return flush(log_end_offset());
  return {};
}

IoResult<LogAppendInfo> Log::append_as_leader(const Records& records, LeaderEpoch epoch, std::int64_t now_ms) {
  auto batches = whole_batches(records);
  if (!batches.ok()) return batches.status();
  LogAppendInfo info;
  // The idempotence checks, for every batch before any is written. Several batches of one
  // producer in one append are checked against each other on a scratch copy of the state.
  std::optional<ProducerStateManager> scratch;
  if (batches.value().size() > 1) scratch = producer_state_;
  const ProducerStateManager& state = scratch ? *scratch : producer_state_;
  Offset next = log_end_offset();
  for (const ByteView& original : batches.value()) {
    BatchHeader h = decode_batch_header(original.data());
    if (h.producer_id.value() >= 0) {
      const auto verdict = state.check(h);
      if (verdict.check == ProducerStateManager::Check::duplicate && !config_.test_only_writes_duplicates) {
        info.duplicate = true;
        info.first_offset = verdict.original.first_offset;
        info.last_offset = verdict.original.last_offset;
        return info;
      }
      if (verdict.check == ProducerStateManager::Check::out_of_order_sequence) {
        return IoStatus(IoErrc::out_of_order_sequence, verdict.detail);
      }
      if (verdict.check == ProducerStateManager::Check::invalid_producer_epoch) {
        return IoStatus(IoErrc::invalid_producer_epoch, verdict.detail);
      }
    }
    h.base_offset = next;
    if (scratch) scratch->update(h);
    next = h.next_offset();
  }
  for (const ByteView& original : batches.value()) {
    const Offset base = log_end_offset();
    // The leader's copy: the producer's buffer stays untouched for its retries.
    const ByteView stamped = with_offset_and_epoch(original, base, epoch);
    BatchHeader header = decode_batch_header(stamped.data());
    KAFKASIM_RETURN_IF_ERROR(append_batch(stamped, header, /*as_leader=*/true, now_ms, info));
    producer_state_.update(header);
  }
  if (!info.batches.empty()) KAFKASIM_RETURN_IF_ERROR(epoch_cache_.assign(epoch, info.first_offset));
  KAFKASIM_RETURN_IF_ERROR(after_append(info));
  return info;
}

IoResult<LogAppendInfo> Log::append_as_follower(const Records& records, std::int64_t now_ms) {
  auto batches = whole_batches(records);
  if (!batches.ok()) return batches.status();
  LogAppendInfo info;
  for (const ByteView& batch : batches.value()) {
    const BatchHeader header = decode_batch_header(batch.data());
    if (header.base_offset < log_end_offset()) {
      return invalid("batch at offset " + std::to_string(header.base_offset.value()) +
                     " is below the log end offset " + std::to_string(log_end_offset().value()));
    }
    if (header.partition_leader_epoch.value() >= 0) {
      KAFKASIM_RETURN_IF_ERROR(epoch_cache_.assign(header.partition_leader_epoch, header.base_offset));
    }
    KAFKASIM_RETURN_IF_ERROR(append_batch(batch, header, /*as_leader=*/false, now_ms, info));
    producer_state_.update(header);
  }
  KAFKASIM_RETURN_IF_ERROR(after_append(info));
  return info;
}

IoResult<FetchDataInfo> Log::read(Offset start, std::size_t max_bytes, Offset max_offset, bool min_one_batch) {
  FetchDataInfo out;
  out.fetch_offset = start;
  if (start < log_start_offset_ || start > log_end_offset()) {
    out.out_of_range = true;
    return out;
  }
  if (start >= max_offset) return out;
  // The segment holding `start`, or the next one when `start` falls in a gap.
  auto it = std::prev(segments_.upper_bound(start));
  for (; it != segments_.end(); ++it) {
    LogSegment& s = *it->second;
    if (s.base_offset() >= max_offset) break;
    std::uint64_t max_position = s.size();
    if (max_offset < s.next_offset()) {
      auto bound = s.find_batch(max_offset);
      if (!bound.ok()) return bound.status();
      if (bound.value()) max_position = bound.value()->position;
    }
    auto records = s.read(std::max(start, s.base_offset()), max_bytes, max_position, min_one_batch);
    if (!records.ok()) return records.status();
    if (!records.value().empty()) {
      out.records = std::move(records.value());
      break;
    }
  }
  return out;
}

IoResult<std::vector<ByteView>> Log::read_to_end(Offset from) {
  std::vector<ByteView> all;
  for (Offset next = std::max(from, log_start_offset_); next < log_end_offset();) {
    auto read = this->read(next, SIZE_MAX, log_end_offset(), true);
    if (!read.ok()) return read.status();
    const auto batches = read.value().records.batches();
    if (batches.empty()) break;
    all.insert(all.end(), batches.begin(), batches.end());
    next = decode_batch_header(batches.back().data()).next_offset();
  }
  return all;
}

IoResult<std::optional<Offset>> Log::offset_for_timestamp(std::int64_t target_ms) {
  for (auto& [base, segment] : segments_) {
    auto found = segment->find_offset_by_timestamp(target_ms);
    if (!found.ok() || found.value()) return found;
  }
  return std::optional<Offset>();
}

IoStatus Log::flush(Offset up_to) {
  if (up_to > log_end_offset()) up_to = log_end_offset();
  for (auto& [base, segment] : segments_) {
    if (base >= up_to) break;  // holds only offsets at or above up_to
    if (segment->next_offset() > recovery_point_) KAFKASIM_RETURN_IF_ERROR(segment->flush());
  }
  if (dir_dirty_) {
    KAFKASIM_RETURN_IF_ERROR(disk_.sync_dir(dir_));
    dir_dirty_ = false;
  }
  if (up_to > recovery_point_) recovery_point_ = up_to;
  if (up_to == log_end_offset()) unflushed_messages_ = 0;
  return {};
}

IoStatus Log::maybe_flush(std::int64_t now_ms) {
  if (config_.flush_interval_ms == INT64_MAX || now_ms - last_flush_ms_ < config_.flush_interval_ms) return {};
  last_flush_ms_ = now_ms;
  return flush(log_end_offset());
}

IoResult<std::uint64_t> Log::truncate_to(Offset target) {
  if (target >= log_end_offset()) return std::uint64_t{0};
  if (target <= log_start_offset_ && target < segments_.begin()->second->next_offset()) {
    const std::uint64_t size = size_bytes();
    KAFKASIM_RETURN_IF_ERROR(truncate_fully_and_start_at(target));
    return size;
  }
  std::uint64_t removed = 0;
  while (segments_.size() > 1 && segments_.rbegin()->first >= target) {
    removed += segments_.rbegin()->second->size();
    KAFKASIM_RETURN_IF_ERROR(delete_segment(segments_.rbegin()->first));
  }
  auto cut = active().truncate_to(target);
  if (!cut.ok()) return cut.status();
  removed += cut.value();
  if (recovery_point_ > log_end_offset()) recovery_point_ = log_end_offset();
  KAFKASIM_RETURN_IF_ERROR(epoch_cache_.truncate_from_end(log_end_offset()));
  KAFKASIM_RETURN_IF_ERROR(rebuild_producer_state());
  return removed;
}

IoStatus Log::truncate_fully_and_start_at(Offset new_offset) {
  while (!segments_.empty()) KAFKASIM_RETURN_IF_ERROR(delete_segment(segments_.begin()->first));
  KAFKASIM_RETURN_IF_ERROR(new_segment(new_offset, last_flush_ms_));
  log_start_offset_ = new_offset;
  recovery_point_ = new_offset;
  producer_state_.clear();
  KAFKASIM_RETURN_IF_ERROR(epoch_cache_.clear());
  return flush(new_offset);
}

IoResult<int> Log::delete_old_segments(std::int64_t now_ms, Offset deletable_below) {
  return delete_oldest_segments(now_ms, deletable_below, /*apply_retention=*/!config_.compact);
}

IoResult<int> Log::delete_oldest_segments(std::int64_t now_ms, Offset deletable_below, bool apply_retention) {
  std::int64_t excess_bytes = config_.retention_bytes < 0
                                  ? -1
                                  : static_cast<std::int64_t>(size_bytes()) - config_.retention_bytes;
  int deleted = 0;
  while (!segments_.empty()) {
    LogSegment& oldest = *segments_.begin()->second;
    if (oldest.empty() || oldest.next_offset() > deletable_below) break;
    const bool expired = apply_retention && config_.retention_ms >= 0 &&
                         now_ms - oldest.max_timestamp_ms() > config_.retention_ms;
    const bool too_big = apply_retention && excess_bytes >= static_cast<std::int64_t>(oldest.size());
    const bool below_start = oldest.next_offset() <= log_start_offset_;
    if (!expired && !too_big && !below_start) break;
    if (segments_.size() == 1) KAFKASIM_RETURN_IF_ERROR(roll(now_ms));  // never leave the log without a segment
    excess_bytes -= static_cast<std::int64_t>(oldest.size());
    KAFKASIM_RETURN_IF_ERROR(delete_segment(segments_.begin()->first));
    ++deleted;
  }
  if (deleted > 0) {
    log_start_offset_ = std::max(log_start_offset_, segments_.begin()->first);
    KAFKASIM_RETURN_IF_ERROR(epoch_cache_.truncate_from_start(log_start_offset_));
    KAFKASIM_RETURN_IF_ERROR(flush(recovery_point_));  // makes the deletions durable
  }
  return deleted;
}

IoStatus Log::increment_log_start_offset(Offset new_start, std::int64_t now_ms) {
  if (new_start <= log_start_offset_) return {};
  if (new_start > log_end_offset()) {
    return invalid("log start offset " + std::to_string(new_start.value()) + " is past the log end offset " +
                   std::to_string(log_end_offset().value()));
  }
  log_start_offset_ = new_start;
  KAFKASIM_RETURN_IF_ERROR(epoch_cache_.truncate_from_start(new_start));
  return delete_oldest_segments(now_ms, new_start, /*apply_retention=*/false).status();
}

IoResult<CompactionResult> Log::compact(std::int64_t now_ms) {
  CompactionResult result;
  if (!config_.compact || segments_.size() < 2) return result;
  std::vector<LogSegment*> cleanable;
  for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) cleanable.push_back(it->second.get());

  // The latest offset of every key in the cleanable part of the log.
  std::map<std::string, Offset> latest;
  std::vector<std::vector<ByteView>> all_batches;
  for (LogSegment* s : cleanable) {
    auto batches = s->batches();
    if (!batches.ok()) return batches.status();
    for (const ByteView& b : batches.value()) {
      const auto records = RecordBatchView::parse(b)->records();
      if (!records) return invalid("undecodable batch in " + s->log_path());
      for (const Record& r : *records) latest[key_of(r)] = r.offset;
    }
    all_batches.push_back(std::move(batches.value()));
  }

  const std::int64_t tombstone_horizon_ms = now_ms - config_.delete_retention_ms;
  for (std::size_t i = 0; i < cleanable.size(); ++i) {
    LogSegment& s = *cleanable[i];
    Buffer cleaned;
    bool changed = false;
    for (const ByteView& b : all_batches[i]) {
      const auto view = RecordBatchView::parse(b);
      const BatchHeader& h = view->header();
      RecordBatchBuilder builder(h.base_offset, h.base_timestamp_ms);
      builder.producer(h.producer_id, h.producer_epoch, h.base_sequence)
          .partition_leader_epoch(h.partition_leader_epoch)
          .transactional(h.is_transactional());
      const auto records = view->records();  // validated when the segment was read
      for (const Record& r : *records) {
        if (latest[key_of(r)] != r.offset) {
          ++result.records_removed;
          continue;
        }
        if (!r.value && h.max_timestamp_ms < tombstone_horizon_ms) {
          ++result.tombstones_removed;
          continue;
        }
        builder.append_with_offset(r.offset, r.timestamp_ms, r.key, r.value, r.headers);
      }
      if (builder.record_count() == static_cast<std::size_t>(h.records_count)) {
        cleaned.insert(cleaned.end(), b.data(), b.data() + b.size());
        continue;
      }
      changed = true;
      if (builder.record_count() == 0) continue;
      builder.set_last_offset(h.last_offset());  // offsets never move
      const ByteView rebuilt = builder.build();
      cleaned.insert(cleaned.end(), rebuilt.data(), rebuilt.data() + rebuilt.size());
    }
    if (!changed) continue;
    result.bytes_before += s.size();
    result.bytes_after += cleaned.size();
    ++result.segments_cleaned;
    const std::string replacement = s.log_path() + ".cleaned";
    auto file = disk_.open(replacement, OpenMode::create_if_missing);
    if (!file.ok()) return file.status();
    KAFKASIM_RETURN_IF_ERROR(file.value()->truncate(0));
    KAFKASIM_RETURN_IF_ERROR(file.value()->append(ByteView::from(std::move(cleaned))));
    KAFKASIM_RETURN_IF_ERROR(file.value()->sync());
    file.value().reset();
    KAFKASIM_RETURN_IF_ERROR(s.replace_log_with(replacement));
  }
  return result;
}

}  // namespace kafkasim::storage
