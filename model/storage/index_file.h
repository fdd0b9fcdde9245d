// A file of fixed-size entries kept in memory and appended to disk: the common part of
// OffsetIndex and TimeIndex. Kafka preallocates and memory-maps its index files; here they
// only grow by appends, so a crash can leave a short or torn file, which load() detects.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "model/storage/disk.h"

namespace kafkasim::storage {

// Codec: static constexpr std::size_t kBytes; static void encode(const Entry&, uint8_t*);
// static Entry decode(const uint8_t*).
template <class Entry, class Codec>
class IndexFile {
 public:
  IndexFile(Disk& disk, std::string path) : disk_(disk), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }

  // Opens (creating if missing) and reads every entry. A size that is not a whole number of
  // entries is reported as corrupt; the caller rebuilds.
  IoStatus load() {
    if (auto s = open(); !s.ok()) return s;
    const std::uint64_t size = file_->size();
    entries_.clear();
    if (size % Codec::kBytes != 0) {
      return IoStatus(IoErrc::invalid_argument, path_ + ": " + std::to_string(size) +
                                                    " bytes is not a whole number of entries");
    }
    auto bytes = file_->read(0, static_cast<std::size_t>(size));
    if (!bytes.ok()) return bytes.status();
    for (std::size_t pos = 0; pos < size; pos += Codec::kBytes) {
      entries_.push_back(Codec::decode(bytes.value().data() + pos));
    }
    return {};
  }

  IoStatus append(const Entry& e) {
    if (auto s = open(); !s.ok()) return s;
    Buffer bytes(Codec::kBytes);
    Codec::encode(e, bytes.data());
    if (auto s = file_->append(ByteView::from(std::move(bytes))); !s.ok()) return s;
    entries_.push_back(e);
    dirty_ = true;
    return {};
  }

  // Keeps the first `count` entries.
  IoStatus truncate_entries(std::size_t count) {
    if (count >= entries_.size()) return {};
    if (auto s = open(); !s.ok()) return s;
    if (auto s = file_->truncate(count * Codec::kBytes); !s.ok()) return s;
    entries_.resize(count);
    dirty_ = true;
    return {};
  }

  // Syncs only when something changed since the last flush: an index gains an entry only
  // every log.index.interval.bytes, and fsync is the costliest call there is.
  IoStatus flush() {
    if (!file_ || !dirty_) return {};
    if (auto s = file_->sync(); !s.ok()) return s;
    dirty_ = false;
    return {};
  }

  IoStatus remove() {
    file_.reset();
    entries_.clear();
    return disk_.exists(path_) ? disk_.remove(path_) : IoStatus{};
  }

 private:
  IoStatus open() {
    if (file_) return {};
    auto f = disk_.open(path_, OpenMode::create_if_missing);
    if (!f.ok()) return f.status();
    file_ = std::move(f.value());
    return {};
  }

  Disk& disk_;
  std::string path_;
  std::unique_ptr<File> file_;
  std::vector<Entry> entries_;
  bool dirty_ = false;
};

}  // namespace kafkasim::storage
