// The Disk interface on real files, for the hardware-backed benchmark and the storage tests:
// the very same Log code that runs on SimDisk in the simulation.
//
// Writes are pwrite(2), File::sync is fdatasync(2), Disk::sync_dir is fsync(2) of the folder.
// Bulk reads (read_chunks of at least kMapThresholdBytes, such as recovery scanning a whole
// segment) map the file instead of copying it. Fetch-sized reads (1 MiB) use pread: measured
// on this project's machines, mapping and unmapping a megabyte per fetch cost more than
// copying it from the page cache (0.57-0.65 of raw read speed against 0.67-0.92).
#pragma once

#include <memory>
#include <string>

#include "model/storage/disk.h"

namespace kafkasim::storage {

class PosixDisk final : public Disk {
 public:
  static constexpr std::size_t kMapThresholdBytes = 8 * 1024 * 1024;

  // Uses `root` (created if missing) as the disk's root folder.
  static IoResult<std::unique_ptr<PosixDisk>> open(const std::string& root);

  const std::string& root() const { return root_; }
  IoResult<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  bool exists(const std::string& path) const override;
  IoStatus rename(const std::string& from, const std::string& to) override;
  IoStatus remove(const std::string& path) override;
  IoStatus make_dir(const std::string& path) override;
  IoResult<std::vector<std::string>> list(const std::string& dir) const override;
  IoStatus sync_dir(const std::string& dir) override;

 private:
  explicit PosixDisk(std::string root) : root_(std::move(root)) {}
  std::string full(const std::string& path) const { return path.empty() ? root_ : root_ + "/" + path; }
  std::string root_;
};

// The IoStatus for the errno of a failed call on `path`.
IoStatus io_error_from_errno(int error, const std::string& path);

}  // namespace kafkasim::storage
