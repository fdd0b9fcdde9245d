#include "model/storage/log_segment.h"

#include <cstdio>

namespace kafkasim::storage {

std::string segment_file_name(Offset base_offset, const std::string& suffix) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(base_offset.value()));
  return std::string(digits) + suffix;
}

namespace {
std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

// Whether the bytes parse as a batch, its checksum unchecked (the broken recovery's test).
std::string parse_error(const ByteView& batch) {
  std::string error;
  if (!RecordBatchView::parse(batch, &error)) return error.empty() ? "does not parse" : error;
  return {};
}
}  // namespace

LogSegment::LogSegment(Disk& disk, std::string dir, Offset base, SegmentConfig config, std::int64_t created_ms,
                       std::unique_ptr<File> log)
    : disk_(disk),
      dir_(std::move(dir)),
      base_(base),
      config_(config),
      created_ms_(created_ms),
      log_(std::move(log)),
      offset_index_(disk, join(dir_, segment_file_name(base, ".index")), base),
      time_index_(disk, join(dir_, segment_file_name(base, ".timeindex")), base),
      next_offset_(base),
      offset_of_max_timestamp_(base) {}

IoResult<std::unique_ptr<LogSegment>> LogSegment::open(Disk& disk, const std::string& dir, Offset base_offset,
                                                       SegmentConfig config, std::int64_t created_ms) {
  auto log = disk.open(join(dir, segment_file_name(base_offset, ".log")), OpenMode::create_if_missing);
  if (!log.ok()) return log.status();
  return std::unique_ptr<LogSegment>(
      new LogSegment(disk, dir, base_offset, config, created_ms, std::move(log.value())));
}

void LogSegment::reset_counters() {
  next_offset_ = base_;
  max_timestamp_ms_ = -1;
  offset_of_max_timestamp_ = base_;
  rolling_base_ms_.reset();
  bytes_since_last_index_entry_ = 0;
}

IoStatus LogSegment::index_batch(const BatchHeader& header, std::uint64_t position) {
  if (header.max_timestamp_ms > max_timestamp_ms_) {
    max_timestamp_ms_ = header.max_timestamp_ms;
    offset_of_max_timestamp_ = header.last_offset();
  }
  if (!rolling_base_ms_) rolling_base_ms_ = header.max_timestamp_ms;
  if (bytes_since_last_index_entry_ > config_.index_interval_bytes) {
    KAFKASIM_RETURN_IF_ERROR(offset_index_.append(header.last_offset(), static_cast<std::uint32_t>(position)));
    KAFKASIM_RETURN_IF_ERROR(time_index_.maybe_append(max_timestamp_ms_, offset_of_max_timestamp_));
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += static_cast<std::int64_t>(header.size_bytes());
  next_offset_ = header.next_offset();
  return {};
}

IoStatus LogSegment::append(const ByteView& batch, const BatchHeader& header) {
  const std::uint64_t position = size();
  KAFKASIM_RETURN_IF_ERROR(log_->append(batch));
  return index_batch(header, position);
}

IoResult<std::optional<BatchPosition>> LogSegment::header_at(std::uint64_t position) {
  if (position + kBatchHeaderBytes > size()) return std::optional<BatchPosition>();
  auto bytes = log_->read(position, kBatchHeaderBytes);
  if (!bytes.ok()) return bytes.status();
  return std::optional<BatchPosition>(BatchPosition{position, decode_batch_header(bytes.value().data())});
}

IoResult<std::optional<BatchPosition>> LogSegment::find_batch(Offset offset) {
  if (offset >= next_offset_) return std::optional<BatchPosition>();
  std::uint64_t position = offset_index_.lookup(offset).position;
  while (true) {
    auto at = header_at(position);
    if (!at.ok() || !at.value()) return at;
    if (at.value()->header.last_offset() >= offset) return at;
    position += at.value()->header.size_bytes();
  }
}

IoResult<Records> LogSegment::read(Offset start, std::size_t max_bytes, std::uint64_t max_position,
                                   bool min_one_batch) {
  auto first = find_batch(start);
  if (!first.ok()) return first.status();
  if (!first.value() || first.value()->position >= max_position) return Records();
  const BatchPosition& b = *first.value();
  std::size_t length = max_bytes;
  if (min_one_batch && b.header.size_bytes() > length) length = b.header.size_bytes();
  // Like Kafka, a fetch is a plain byte range: it may end inside a batch, which the reader drops.
  const std::uint64_t limit = std::min<std::uint64_t>(max_position, size());
  if (length > limit - b.position) length = static_cast<std::size_t>(limit - b.position);  // no overflow at SIZE_MAX
  auto chunks = log_->read_chunks(b.position, length);
  if (!chunks.ok()) return chunks.status();
  return Records(std::move(chunks.value()));
}

IoResult<std::optional<Offset>> LogSegment::find_offset_by_timestamp(std::int64_t target_ms) {
  if (max_timestamp_ms_ < target_ms) return std::optional<Offset>();
  const TimestampOffset t = time_index_.lookup(target_ms);
  std::uint64_t position = offset_index_.lookup(t.offset).position;
  while (true) {
    auto at = header_at(position);
    if (!at.ok()) return at.status();
    if (!at.value()) return std::optional<Offset>();
    const BatchPosition& b = *at.value();
    if (b.header.max_timestamp_ms >= target_ms) {
      auto bytes = log_->read(b.position, b.header.size_bytes());
      if (!bytes.ok()) return bytes.status();
      const auto view = RecordBatchView::parse(bytes.value());
      const auto records = view ? view->records() : std::nullopt;
      if (records) {
        for (const Record& r : *records) {
          if (r.timestamp_ms >= target_ms) return std::optional<Offset>(r.offset);
        }
      }
    }
    position += b.header.size_bytes();
  }
}

IoResult<std::vector<ByteView>> LogSegment::batches() {
  auto chunks = log_->read_chunks(0, static_cast<std::size_t>(size()));
  if (!chunks.ok()) return chunks.status();
  const Records::Batches batches = Records(std::move(chunks.value())).batches();
  return std::vector<ByteView>(batches.begin(), batches.end());
}

IoResult<SegmentRecovery> LogSegment::recover() {
  const std::uint64_t file_size = size();
  auto read = log_->read_chunks(0, static_cast<std::size_t>(file_size));  // a mapping on a real disk
  if (!read.ok()) return read.status();
  const ByteView all = Records(std::move(read.value())).contiguous();
  KAFKASIM_RETURN_IF_ERROR(offset_index_.reset());
  KAFKASIM_RETURN_IF_ERROR(time_index_.reset());
  reset_counters();
  SegmentRecovery result;
  std::uint64_t pos = 0;
  while (pos < file_size) {
    const auto batch_size = batch_size_at(all.data() + pos, static_cast<std::size_t>(file_size - pos));
    if (!batch_size || *batch_size > file_size - pos) {
      result.reason = "torn batch at position " + std::to_string(pos);
      break;
    }
    const ByteView batch = all.slice(static_cast<std::size_t>(pos), *batch_size);
    if (const std::string error = config_.test_only_recovery_skips_checksums ? parse_error(batch) : validate_batch(batch);
        !error.empty()) {
      result.reason = "batch at position " + std::to_string(pos) + ": " + error;
      break;
    }
    const BatchHeader header = decode_batch_header(batch.data());
    if (header.base_offset < next_offset_) {
      result.reason = "batch at position " + std::to_string(pos) + " starts at offset " +
                      std::to_string(header.base_offset.value()) + ", before " +
                      std::to_string(next_offset_.value());
      break;
    }
    KAFKASIM_RETURN_IF_ERROR(index_batch(header, pos));
    pos += *batch_size;
  }
  result.valid_bytes = pos;
  if (pos < file_size) {
    KAFKASIM_RETURN_IF_ERROR(log_->truncate(pos));
    result.truncated_bytes = file_size - pos;
  }
  return result;
}

IoResult<bool> LogSegment::load() {
  const bool indexes_sound = offset_index_.load(size()).ok();
  if (indexes_sound) {
    // The tail after the last offset index entry is scanned to find where the segment ends.
    const OffsetPosition last = offset_index_.lookup(Offset{INT64_MAX});
    reset_counters();
    std::uint64_t position = last.position;
    while (true) {
      auto at = header_at(position);
      if (!at.ok()) return at.status();
      if (!at.value()) break;
      const BatchHeader& h = at.value()->header;
      if (!rolling_base_ms_) rolling_base_ms_ = h.max_timestamp_ms;
      if (h.max_timestamp_ms > max_timestamp_ms_) {
        max_timestamp_ms_ = h.max_timestamp_ms;
        offset_of_max_timestamp_ = h.last_offset();
      }
      next_offset_ = h.next_offset();
      position += h.size_bytes();
    }
    if (position == size() && time_index_.load(next_offset_).ok()) {
      const TimestampOffset t = time_index_.last_entry();
      if (t.timestamp_ms > max_timestamp_ms_) {
        max_timestamp_ms_ = t.timestamp_ms;
        offset_of_max_timestamp_ = t.offset;
      }
      return false;
    }
  }
  auto recovered = recover();
  if (!recovered.ok()) return recovered.status();
  return true;
}

IoResult<std::uint64_t> LogSegment::truncate_to(Offset offset) {
  auto found = find_batch(offset);
  if (!found.ok()) return found.status();
  if (!found.value()) return std::uint64_t{0};
  const BatchPosition cut = *found.value();
  const std::uint64_t removed = size() - cut.position;
  KAFKASIM_RETURN_IF_ERROR(log_->truncate(cut.position));
  KAFKASIM_RETURN_IF_ERROR(offset_index_.truncate_to(cut.header.base_offset));
  KAFKASIM_RETURN_IF_ERROR(time_index_.truncate_to(cut.header.base_offset));
  auto reloaded = load();  // recomputes the end, the max timestamp and the index counters
  if (!reloaded.ok()) return reloaded.status();
  return removed;
}

IoStatus LogSegment::flush() {
  KAFKASIM_RETURN_IF_ERROR(log_->sync());
  KAFKASIM_RETURN_IF_ERROR(offset_index_.flush());
  return time_index_.flush();
}

IoStatus LogSegment::remove_files() {
  KAFKASIM_RETURN_IF_ERROR(offset_index_.remove());
  KAFKASIM_RETURN_IF_ERROR(time_index_.remove());
  const std::string path = log_->path();
  log_.reset();
  return disk_.remove(path);
}

IoStatus LogSegment::replace_log_with(const std::string& replacement) {
  // Indexes go first: a crash after this point leaves a segment without indexes, which
  // recovery rebuilds, never one whose index points into the old bytes.
  KAFKASIM_RETURN_IF_ERROR(offset_index_.remove());
  KAFKASIM_RETURN_IF_ERROR(time_index_.remove());
  const std::string path = log_->path();
  log_.reset();
  KAFKASIM_RETURN_IF_ERROR(disk_.rename(replacement, path));
  KAFKASIM_RETURN_IF_ERROR(disk_.sync_dir(dir_));
  auto reopened = disk_.open(path, OpenMode::open_existing);
  if (!reopened.ok()) return reopened.status();
  log_ = std::move(reopened.value());
  auto recovered = recover();
  if (!recovered.ok()) return recovered.status();
  return flush();
}

}  // namespace kafkasim::storage
