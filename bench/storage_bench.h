// The storage core on a real disk: Kafka's Log on PosixDisk against raw sequential I/O of the
// same bytes with the same fsync policy, measured in the same run, so the figures are ratios
// on the same disk at the same moment.
#pragma once

#include <cstdint>
#include <string>

#include "model/storage/disk.h"

namespace kafkasim::bench {

enum class FsyncPolicy { never, interval, every };

struct StorageBenchOptions {
  std::string dir;
  double seconds = 5.0;          // how long the Log appends, in rounds; the raw writer writes as many bytes
  int record_bytes = 100;
  int batch_records = 100;
  FsyncPolicy fsync = FsyncPolicy::never;
  std::int64_t fsync_interval_ms = 1000;  // for FsyncPolicy::interval
};

struct StorageBenchResult {
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  double append_seconds = 0, raw_write_seconds = 0;
  double read_seconds = 0, raw_read_seconds = 0;
  double append_records_per_sec() const { return static_cast<double>(records) / append_seconds; }
  double append_mb_per_sec() const { return static_cast<double>(bytes) / 1e6 / append_seconds; }
  double raw_write_mb_per_sec() const { return static_cast<double>(bytes) / 1e6 / raw_write_seconds; }
  double read_mb_per_sec() const { return static_cast<double>(bytes) / 1e6 / read_seconds; }
  double raw_read_mb_per_sec() const { return static_cast<double>(bytes) / 1e6 / raw_read_seconds; }
};

// Runs in two fresh folders under options.dir (removed afterwards). A folder that cannot be
// written, or a disk that fills up, is an error, not a crash.
storage::IoResult<StorageBenchResult> run_storage_bench(const StorageBenchOptions& options);

}  // namespace kafkasim::bench
