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
    if (channel_.offline()) return channel_.refusal(path());
    return channel_.observe(file_->append(data));
  }
  IoStatus write_at(std::uint64_t offset, const ByteView& data) override {
    if (channel_.offline()) return channel_.refusal(path());
    return channel_.observe(file_->write_at(offset, data));
  }
  IoResult<ByteView> read(std::uint64_t offset, std::size_t length) override {
    if (channel_.offline()) return channel_.refusal(path());
    auto result = file_->read(offset, length);
    channel_.observe(result.status());
    return result;
  }
  IoResult<std::vector<ByteView>> read_chunks(std::uint64_t offset, std::size_t length) override {
    if (channel_.offline()) return channel_.refusal(path());
    auto result = file_->read_chunks(offset, length);
    channel_.observe(result.status());
    return result;
  }
  IoStatus truncate(std::uint64_t size) override {
    if (channel_.offline()) return channel_.refusal(path());
    return channel_.observe(file_->truncate(size));
  }
  IoStatus sync() override {
    if (channel_.offline()) return channel_.refusal(path());
    return channel_.observe(file_->sync());
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
  if (offline_) return refusal(path);
  auto opened = disk_.open(path, mode);
  if (!opened.ok()) return IoStatus(observe(opened.status()));
  return std::unique_ptr<storage::File>(std::make_unique<ObservedFile>(std::move(opened.value()), *this));
}

IoStatus LogDirFailureChannel::rename(const std::string& from, const std::string& to) {
  if (offline_) return refusal(from);
  return observe(disk_.rename(from, to));
}
IoStatus LogDirFailureChannel::remove(const std::string& path) {
  if (offline_) return refusal(path);
  return observe(disk_.remove(path));
}
IoStatus LogDirFailureChannel::make_dir(const std::string& path) {
  if (offline_) return refusal(path);
  return observe(disk_.make_dir(path));
}
IoResult<std::vector<std::string>> LogDirFailureChannel::list(const std::string& dir) const {
  if (offline_) return refusal(dir);
  auto names = disk_.list(dir);
  observe(names.status());
  return names;
}
IoStatus LogDirFailureChannel::sync_dir(const std::string& dir) {
  if (offline_) return refusal(dir);
  return observe(disk_.sync_dir(dir));
}

}  // namespace kafkasim::broker
