// The file system as Kafka's storage sees it.
//
// Written once, run on two worlds: SimDisk (sim/) inside the simulation, PosixDisk on real
// files for the hardware benchmark. The calls are synchronous, as Kafka's are; in the
// simulation each call charges its latency to the calling node, which is busy meanwhile.
//
// Durability follows POSIX: bytes written are in the page cache until File::sync (or the OS's
// own writeback); a created, renamed or removed name is durable after Disk::sync_dir of its
// folder. Paths are relative to the disk's root and use '/'.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/protocol/bytes.h"

namespace kafkasim::storage {

enum class IoErrc {
  ok,
  not_found,
  already_exists,
  no_space,       // ENOSPC: the disk is full
  io_error,       // EIO: a failed fsync or a broken device
  invalid_argument,
  // Refusals of the idempotent producer's checks (Kafka's error names).
  out_of_order_sequence,
  invalid_producer_epoch,
};

const char* to_string(IoErrc code);

class IoStatus {
 public:
  IoStatus() = default;
  IoStatus(IoErrc code, std::string detail) : code_(code), detail_(std::move(detail)) {}
  static IoStatus success() { return {}; }

  bool ok() const { return code_ == IoErrc::ok; }
  IoErrc code() const { return code_; }
  // What failed, with the path: "segment 00000000000000000000.log: no space left on device".
  const std::string& detail() const { return detail_; }

 private:
  IoErrc code_ = IoErrc::ok;
  std::string detail_;
};

template <class T>
class IoResult {
 public:
  IoResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like std::expected
  IoResult(IoStatus error) : status_(std::move(error)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const IoStatus& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }

 private:
  IoStatus status_;
  T value_{};
};

inline const IoStatus& status_of(const IoStatus& s) { return s; }
template <class T>
const IoStatus& status_of(const IoResult<T>& r) { return r.status(); }

// Returns the status of `expr` (an IoStatus or IoResult) from the calling function when it
// is an error.
#define KAFKASIM_RETURN_IF_ERROR(expr)                                                \
  do {                                                                                \
    auto&& kafkasim_result_ = (expr); /* binds and keeps a temporary alive */         \
    if (!::kafkasim::storage::status_of(kafkasim_result_).ok())                       \
      return ::kafkasim::storage::status_of(kafkasim_result_);                        \
  } while (0)

class File {
 public:
  virtual ~File() = default;
  virtual const std::string& path() const = 0;
  virtual std::uint64_t size() const = 0;
  virtual IoStatus append(const ByteView& data) = 0;
  // pwrite: overwrites in place, extending the file (with zeros) when offset is past the end.
  virtual IoStatus write_at(std::uint64_t offset, const ByteView& data) = 0;
  // Up to `length` bytes from `offset`, fewer at the end of the file. Shares the written
  // buffers when the range lies within one write, and copies only when it spans several.
  virtual IoResult<ByteView> read(std::uint64_t offset, std::size_t length) = 0;
  // The same bytes as read(), as pieces that share the written buffers: a fetch of many
  // batches copies nothing. Their concatenation is what read() returns.
  virtual IoResult<std::vector<ByteView>> read_chunks(std::uint64_t offset, std::size_t length) = 0;
  virtual IoStatus truncate(std::uint64_t size) = 0;
  // fsync: the file's bytes are durable when this returns ok.
  virtual IoStatus sync() = 0;
};

enum class OpenMode {
  open_existing,     // fails with not_found when absent
  create_if_missing,
  create_new,        // fails with already_exists when present
};

class Disk {
 public:
  virtual ~Disk() = default;
  virtual IoResult<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  virtual bool exists(const std::string& path) const = 0;
  // Atomically replaces `to` with `from`, as rename(2).
  virtual IoStatus rename(const std::string& from, const std::string& to) = 0;
  virtual IoStatus remove(const std::string& path) = 0;
  virtual IoStatus make_dir(const std::string& path) = 0;
  // The names directly inside a folder (files and folders), sorted.
  virtual IoResult<std::vector<std::string>> list(const std::string& dir) const = 0;
  // fsync of a folder: the names created, renamed or removed in it are durable.
  virtual IoStatus sync_dir(const std::string& dir) = 0;
};

}  // namespace kafkasim::storage
