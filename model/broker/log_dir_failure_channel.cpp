#include "model/broker/log_dir_failure_channel.h"

namespace kafkasim::broker {
namespace {

using storage::IoResult;
using storage::IoStatus;

class ObservedFile final : public storage::File {
 public:
  ObservedFile(std::unique_ptr<storage::File> file, const LogDirFailureChannel& channel)
      : file_(std::move(file)), channel_(channel) {}
  const std::string& path() const override { return file_->path(); }
  std::uint64_t size() const override { return file_->size(); }
  IoStatus append(const ByteView& data) override {
    return channel_.guarded(path(), [&] { return file_->append(data); });
  }
  IoStatus write_at(std::uint64_t offset, const ByteView& data) override {
    return channel_.guarded(path(), [&] { return file_->write_at(offset, data); });
  }
  IoResult<ByteView> read(std::uint64_t offset, std::size_t length) override {
    return channel_.guarded(path(), [&] { return file_->read(offset, length); });
  }
  IoResult<std::vector<ByteView>> read_chunks(std::uint64_t offset, std::size_t length) override {
    return channel_.guarded(path(), [&] { return file_->read_chunks(offset, length); });
  }
  IoStatus truncate(std::uint64_t size) override {
    return channel_.guarded(path(), [&] { return file_->truncate(size); });
  }
  IoStatus sync() override {
    return channel_.guarded(path(), [&] { return file_->sync(); });
  }

 private:
  std::unique_ptr<storage::File> file_;
  const LogDirFailureChannel& channel_;
};

}  // namespace

void LogDirFailureChannel::on_error(const IoStatus& status) const {
  const bool io_error = status.code() == storage::IoErrc::io_error || status.code() == storage::IoErrc::no_space;
  if (io_error && !offline_) {
    offline_ = true;
    failed_(status);
  }
}

IoStatus LogDirFailureChannel::refusal(const std::string& path) const {
  return IoStatus(storage::IoErrc::io_error, path + ": the log directory is offline after an earlier I/O error");
}

IoResult<std::unique_ptr<storage::File>> LogDirFailureChannel::open(const std::string& path, storage::OpenMode mode) {
  auto opened = guarded(path, [&] { return disk_.open(path, mode); });
  if (!opened.ok()) return opened;
  return std::unique_ptr<storage::File>(std::make_unique<ObservedFile>(std::move(opened.value()), *this));
}

IoStatus LogDirFailureChannel::rename(const std::string& from, const std::string& to) {
  return guarded(from, [&] { return disk_.rename(from, to); });
}
IoStatus LogDirFailureChannel::remove(const std::string& path) {
  return guarded(path, [&] { return disk_.remove(path); });
}
IoStatus LogDirFailureChannel::make_dir(const std::string& path) {
  return guarded(path, [&] { return disk_.make_dir(path); });
}
IoResult<std::vector<std::string>> LogDirFailureChannel::list(const std::string& dir) const {
  return guarded(dir, [&] { return disk_.list(dir); });
}
IoStatus LogDirFailureChannel::sync_dir(const std::string& dir) {
  return guarded(dir, [&] { return disk_.sync_dir(dir); });
}

}  // namespace kafkasim::broker
