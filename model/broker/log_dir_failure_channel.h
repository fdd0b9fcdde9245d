// Kafka's LogDirFailureChannel: every storage operation of the broker goes through it, and the
// first one that fails with an I/O error (EIO, ENOSPC) takes the log directory offline. From
// then on every operation is refused without touching the disk, as Kafka's
// maybeHandleIOException refuses a directory already offline: a failed fsync is never retried
// as if the bytes were safe, and the rest of the request that met it writes nothing more. With
// one log directory, as a simulated broker has, that is every directory, and Kafka halts the
// broker ("Shutdown broker because all log dirs ... have failed").
//
// A decorator of storage::Disk: files opened through it report their failures too. Routine
// outcomes (a name not found, already existing) are not failures.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/storage/disk.h"

namespace kafkasim::broker {

class LogDirFailureChannel final : public storage::Disk {
 public:
  // `failed` runs for the first failure only.
  LogDirFailureChannel(storage::Disk& disk, std::function<void(const storage::IoStatus&)> failed)
      : disk_(disk), failed_(std::move(failed)) {}

  storage::IoResult<std::unique_ptr<storage::File>> open(const std::string& path, storage::OpenMode mode) override;
  bool exists(const std::string& path) const override { return disk_.exists(path); }
  storage::IoStatus rename(const std::string& from, const std::string& to) override;
  storage::IoStatus remove(const std::string& path) override;
  storage::IoStatus make_dir(const std::string& path) override;
  storage::IoResult<std::vector<std::string>> list(const std::string& dir) const override;
  storage::IoStatus sync_dir(const std::string& dir) override;

  bool offline() const { return offline_; }
  // Runs one storage operation on `path` (an IoStatus or IoResult): refused without running
  // while the directory is offline, and its outcome observed, an I/O error taking the
  // directory offline.
  template <class Operation>
  auto guarded(const std::string& path, Operation&& operation) const -> decltype(operation()) {
    using Result = decltype(operation());
    Result result = offline_ ? Result(refusal(path)) : operation();  // one object, returned as is
    if (!storage::status_of(result).ok()) on_error(storage::status_of(result));
    return result;
  }

 private:
  storage::IoStatus refusal(const std::string& path) const;
  void on_error(const storage::IoStatus& status) const;

  storage::Disk& disk_;
  std::function<void(const storage::IoStatus&)> failed_;
  mutable bool offline_ = false;
};

}  // namespace kafkasim::broker
