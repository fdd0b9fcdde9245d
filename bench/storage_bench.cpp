#include "bench/storage_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include <unistd.h>

#include "model/rng.h"
#include "model/storage/crc32c.h"
#include "model/storage/log.h"
#include "model/storage/posix_disk.h"

namespace kafkasim::bench {
namespace {

using Clock = std::chrono::steady_clock;
using storage::IoResult;
using storage::IoStatus;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
std::int64_t millis_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// What a producer sends: one batch of batch_records records of record_bytes random bytes.
ByteView producer_batch(const StorageBenchOptions& o) {
  Rng rng(1);
  storage::RecordBatchBuilder b(Offset{0}, 0);
  for (int i = 0; i < o.batch_records; ++i) {
    Buffer value(static_cast<std::size_t>(o.record_bytes));
    for (auto& byte : value) byte = static_cast<std::uint8_t>(rng.below(256));
    b.append(0, std::nullopt, ByteView::from(std::move(value)));
  }
  return b.build();
}

constexpr double kRoundSeconds = 0.5;

// Appends to the log for `seconds`; returns the batches appended.
IoResult<std::uint64_t> append_to_log(storage::Log& log, const StorageBenchOptions& o,
                                      const storage::Records& records, double seconds, StorageBenchResult& r) {
  const auto start = Clock::now();
  std::uint64_t batches = 0;
  while (true) {
    const std::int64_t now_ms = millis_since(start);
    auto appended = log.append_as_leader(records, LeaderEpoch{0}, now_ms);
    if (!appended.ok()) return appended.status();
    if (o.fsync == FsyncPolicy::interval) KAFKASIM_RETURN_IF_ERROR(log.maybe_flush(now_ms));
    ++batches;
    if ((batches & 63) == 0 && seconds_since(start) >= seconds) break;
  }
  r.append_seconds += seconds_since(start);
  return batches;
}

// Writes `batches` copies of the batch to one file with pwrite, syncing as the policy says.
IoStatus raw_write(storage::File& file, const StorageBenchOptions& o, const ByteView& batch, std::uint64_t batches,
                   StorageBenchResult& r) {
  const auto start = Clock::now();
  std::int64_t last_sync_ms = 0;
  for (std::uint64_t i = 0; i < batches; ++i) {
    KAFKASIM_RETURN_IF_ERROR(file.append(batch));
    if (o.fsync == FsyncPolicy::every) KAFKASIM_RETURN_IF_ERROR(file.sync());
    if (o.fsync == FsyncPolicy::interval && millis_since(start) - last_sync_ms >= o.fsync_interval_ms) {
      last_sync_ms = millis_since(start);
      KAFKASIM_RETURN_IF_ERROR(file.sync());
    }
  }
  r.raw_write_seconds += seconds_since(start);
  return {};
}

// Short rounds of the log, then the raw writer for the same bytes; each phase starts with no
// dirty pages (synced outside the timing), so neither pays for the other's writeback.
IoStatus write_phases(storage::Disk& disk, const StorageBenchOptions& o, const ByteView& batch, StorageBenchResult& r) {
  storage::LogConfig config;
  if (o.fsync == FsyncPolicy::every) config.flush_interval_messages = 1;
  if (o.fsync == FsyncPolicy::interval) config.flush_interval_ms = o.fsync_interval_ms;
  auto opened = storage::Log::open(disk, "bench-0", config, Offset{0}, Offset{0}, 0);
  if (!opened.ok()) return opened.status();
  storage::Log& log = *opened.value();
  auto raw = disk.open("raw.bin", storage::OpenMode::create_if_missing);
  if (!raw.ok()) return raw.status();
  const storage::Records records = storage::Records::of(batch);
  for (double left = o.seconds; left > 0; left -= kRoundSeconds) {
    auto batches = append_to_log(log, o, records, std::min(left, kRoundSeconds), r);
    if (!batches.ok()) return batches.status();
    r.records += batches.value() * static_cast<std::uint64_t>(o.batch_records);
    KAFKASIM_RETURN_IF_ERROR(log.flush(log.log_end_offset()));
    KAFKASIM_RETURN_IF_ERROR(raw_write(*raw.value(), o, batch, batches.value(), r));
    KAFKASIM_RETURN_IF_ERROR(raw.value()->sync());
  }
  r.bytes = log.size_bytes();
  return {};
}

// Reads the whole log as consumers would, fetch by fetch, checksumming every byte.
IoStatus read_log(storage::Disk& disk, StorageBenchResult& r, std::uint32_t& checksum) {
  auto opened = storage::Log::open(disk, "bench-0", {}, Offset{INT64_MAX}, Offset{0}, 0);
  if (!opened.ok()) return opened.status();
  storage::Log& log = *opened.value();
  constexpr std::size_t kFetchBytes = 1 << 20;  // max.partition.fetch.bytes
  const auto start = Clock::now();
  Offset next{0};
  while (next < log.log_end_offset()) {
    auto fetched = log.read(next, kFetchBytes, log.log_end_offset(), true);
    if (!fetched.ok()) return fetched.status();
    const auto batches = fetched.value().records.batches();
    if (batches.empty()) break;
    for (const ByteView& b : batches) checksum = storage::crc32c(b.data(), b.size(), checksum);
    next = storage::decode_batch_header(batches.back().data()).next_offset();
  }
  r.read_seconds = seconds_since(start);
  return {};
}

IoStatus raw_read(storage::Disk& disk, StorageBenchResult& r, std::uint32_t& checksum) {
  auto file = disk.open("raw.bin", storage::OpenMode::open_existing);
  if (!file.ok()) return file.status();
  constexpr std::size_t kChunk = 1 << 20;
  const auto start = Clock::now();
  for (std::uint64_t pos = 0; pos < file.value()->size(); pos += kChunk) {
    auto bytes = file.value()->read(pos, kChunk);
    if (!bytes.ok()) return bytes.status();
    checksum = storage::crc32c(bytes.value().data(), bytes.value().size(), checksum);
  }
  r.raw_read_seconds = seconds_since(start);
  return {};
}

}  // namespace

IoResult<StorageBenchResult> run_storage_bench(const StorageBenchOptions& o) {
  const std::string root = o.dir + "/kafkasim-bench-" + std::to_string(::getpid());
  auto opened = storage::PosixDisk::open(root);
  if (!opened.ok()) return opened.status();
  storage::Disk& disk = *opened.value();
  StorageBenchResult r;
  const ByteView batch = producer_batch(o);
  auto run = [&]() -> IoStatus {
    KAFKASIM_RETURN_IF_ERROR(write_phases(disk, o, batch, r));
    std::uint32_t log_sum = 0, raw_sum = 0;
    KAFKASIM_RETURN_IF_ERROR(read_log(disk, r, log_sum));
    KAFKASIM_RETURN_IF_ERROR(raw_read(disk, r, raw_sum));
    return {};
  };
  const IoStatus status = run();
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  if (!status.ok()) return status;
  return r;
}

}  // namespace kafkasim::bench
