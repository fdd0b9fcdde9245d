#include "model/storage/posix_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kafkasim::storage {

IoStatus io_error_from_errno(int error, const std::string& path) {
  IoErrc code = IoErrc::io_error;
  if (error == ENOENT || error == ENOTDIR) code = IoErrc::not_found;
  if (error == EEXIST) code = IoErrc::already_exists;
  if (error == ENOSPC || error == EDQUOT) code = IoErrc::no_space;
  if (error == EINVAL || error == ENOTEMPTY || error == EISDIR) code = IoErrc::invalid_argument;
  return IoStatus(code, path + ": " + std::strerror(error));
}

namespace {

// A read-only mapping of part of a file, unmapped when the last view of it goes.
struct Mapping {
  void* address = nullptr;
  std::size_t length = 0;
  ~Mapping() {
    if (address != nullptr) ::munmap(address, length);
  }
};

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path, std::uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixFile() override { ::close(fd_); }

  const std::string& path() const override { return path_; }
  std::uint64_t size() const override { return size_; }

  IoStatus append(const ByteView& data) override { return write_at(size_, data); }

  IoStatus write_at(std::uint64_t offset, const ByteView& data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error_from_errno(errno, path_);
      }
      done += static_cast<std::size_t>(n);
    }
    size_ = std::max<std::uint64_t>(size_, offset + data.size());
    return {};
  }

  IoResult<ByteView> read(std::uint64_t offset, std::size_t length) override {
    if (offset >= size_) return ByteView();
    length = static_cast<std::size_t>(std::min<std::uint64_t>(length, size_ - offset));
    // Not a Buffer: a vector would zero every byte before pread overwrites it.
    std::shared_ptr<std::uint8_t[]> out(new std::uint8_t[length]);
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, out.get() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_error_from_errno(errno, path_);
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    const std::uint8_t* data = out.get();
    return ByteView::wrap(std::move(out), data, done);
  }

  IoResult<std::vector<ByteView>> read_chunks(std::uint64_t offset, std::size_t length) override {
    if (offset >= size_) return std::vector<ByteView>();
    length = static_cast<std::size_t>(std::min<std::uint64_t>(length, size_ - offset));
    if (length < PosixDisk::kMapThresholdBytes) {
      auto bytes = read(offset, length);
      if (!bytes.ok()) return bytes.status();
      return std::vector<ByteView>{bytes.value()};
    }
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset / page * page;
    auto mapping = std::make_shared<Mapping>();
    mapping->length = static_cast<std::size_t>(offset + length - start);
    // MAP_POPULATE maps every page at once: one fault per 4 KiB page would cost more than a copy.
    mapping->address = ::mmap(nullptr, mapping->length, PROT_READ, MAP_SHARED | MAP_POPULATE, fd_,
                              static_cast<off_t>(start));
    if (mapping->address == MAP_FAILED) {
      mapping->address = nullptr;
      return io_error_from_errno(errno, path_);
    }
    const auto* data = static_cast<const std::uint8_t*>(mapping->address) + (offset - start);
    return std::vector<ByteView>{ByteView::wrap(mapping, data, length)};
  }

  IoStatus truncate(std::uint64_t new_size) override {
    if (::ftruncate(fd_, static_cast<off_t>(new_size)) != 0) return io_error_from_errno(errno, path_);
    size_ = new_size;
    return {};
  }

  IoStatus sync() override {
    if (::fdatasync(fd_) != 0) return io_error_from_errno(errno, path_);
    return {};
  }

 private:
  int fd_;
  std::string path_;
  std::uint64_t size_;
};

}  // namespace

IoResult<std::unique_ptr<PosixDisk>> PosixDisk::open(const std::string& root) {
  std::unique_ptr<PosixDisk> disk(new PosixDisk(root));
  if (auto s = disk->make_dir(""); !s.ok()) return s;
  if (::access(root.c_str(), W_OK) != 0) return io_error_from_errno(errno, root);
  return disk;
}

IoResult<std::unique_ptr<File>> PosixDisk::open(const std::string& path, OpenMode mode) {
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == OpenMode::create_if_missing) flags |= O_CREAT;
  if (mode == OpenMode::create_new) flags |= O_CREAT | O_EXCL;
  const int fd = ::open(full(path).c_str(), flags, 0644);
  if (fd < 0) return io_error_from_errno(errno, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error_from_errno(error, path);
  }
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path, static_cast<std::uint64_t>(st.st_size)));
}

bool PosixDisk::exists(const std::string& path) const {
  struct stat st {};
  return ::stat(full(path).c_str(), &st) == 0;
}

IoStatus PosixDisk::rename(const std::string& from, const std::string& to) {
  if (::rename(full(from).c_str(), full(to).c_str()) != 0) return io_error_from_errno(errno, from);
  return {};
}

IoStatus PosixDisk::remove(const std::string& path) {
  if (::unlink(full(path).c_str()) == 0) return {};
  if (errno == EISDIR || errno == EPERM) {
    if (::rmdir(full(path).c_str()) == 0) return {};
  }
  return io_error_from_errno(errno, path);
}

IoStatus PosixDisk::make_dir(const std::string& path) {
  const std::string target = full(path);
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = target.find('/', pos + 1);
    const std::string prefix = target.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return io_error_from_errno(errno, prefix);
  }
  return {};
}

IoResult<std::vector<std::string>> PosixDisk::list(const std::string& dir) const {
  DIR* d = ::opendir(full(dir).c_str());
  if (d == nullptr) return io_error_from_errno(errno, dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

IoStatus PosixDisk::sync_dir(const std::string& dir) {
  const int fd = ::open(full(dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error_from_errno(errno, dir);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return io_error_from_errno(error, dir);
  return {};
}

}  // namespace kafkasim::storage
