// Disks for the storage tests: every Log test runs on the simulated disk and on real files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "model/rng.h"
#include "model/storage/posix_disk.h"
#include "model/storage/record_batch.h"
#include "model/storage/records.h"
#include "sim/sim_disk.h"

namespace kafkasim::testing {

struct SimDiskUnderTest {
  static constexpr const char* kName = "SimDisk";
  SimTime now;
  sim::SimDisk disk{sim::DiskConfig{}, Rng(5), sim::SimDisk::Hooks{[this] { return now; }, {}, {}}};
  storage::Disk& get() { return disk; }
};

struct PosixDiskUnderTest {
  static constexpr const char* kName = "PosixDisk";
  std::string root;
  std::unique_ptr<storage::PosixDisk> disk;
  PosixDiskUnderTest() {
    char pattern[] = "/tmp/kafkasim-test-XXXXXX";
    root = ::mkdtemp(pattern);
    disk = std::move(storage::PosixDisk::open(root).value());
  }
  ~PosixDiskUnderTest() { std::filesystem::remove_all(root); }
  storage::Disk& get() { return *disk; }
};

// A batch of `count` records with values "v<offset hint>" and keys "k<i % keys>".
inline ByteView make_batch(int first, int count, std::int64_t timestamp_ms, int keys = 1000) {
  storage::RecordBatchBuilder b(Offset{0}, timestamp_ms);
  for (int i = 0; i < count; ++i) {
    const std::string key = std::string("k").append(std::to_string((first + i) % keys));
    const std::string value = std::string("v").append(std::to_string(first + i));
    b.append(timestamp_ms + i, ByteView::copy_of(std::string_view(key)), ByteView::copy_of(std::string_view(value)));
  }
  return b.build();
}

// The records of a batch that must decode.
inline std::vector<storage::Record> records_of(const ByteView& batch) {
  const auto view = storage::RecordBatchView::parse(batch);
  auto records = view ? view->records() : std::nullopt;
  return records ? std::move(*records) : std::vector<storage::Record>{};
}

inline std::string text(const ByteView& v) { return std::string(v.data(), v.data() + v.size()); }

}  // namespace kafkasim::testing
