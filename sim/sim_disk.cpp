#include "sim/sim_disk.h"

#include <algorithm>
#include <cassert>

namespace kafkasim::sim {

using storage::IoErrc;
using storage::IoResult;
using storage::IoStatus;

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

IoStatus error(IoErrc code, const std::string& path) {
  return IoStatus(code, path + ": " + storage::to_string(code));
}

}  // namespace

// A write not yet on the platter.
struct PendingWrite {
  SimTime at;
  bool is_truncate;
  std::uint64_t offset;  // or the new size, for a truncate
  ByteView data;

  void apply(Rope& rope) const {
    if (is_truncate) {
      rope.truncate(offset);
    } else {
      rope.write(offset, data);
    }
  }
};

struct SimDisk::Inode {
  Rope live;
  Rope durable;
  std::deque<PendingWrite> pending;
  std::uint64_t last_write_seq = 0;
  std::uint64_t visit_mark = 0;

  void make_durable_through(SimTime cutoff) {
    while (!pending.empty() && pending.front().at <= cutoff) {
      pending.front().apply(durable);
      pending.pop_front();
    }
  }
};

class SimDisk::SimFile final : public storage::File {
 public:
  SimFile(SimDisk& disk, std::string path, std::shared_ptr<Inode> inode)
      : disk_(disk), path_(std::move(path)), inode_(std::move(inode)) {}

  const std::string& path() const override { return path_; }
  std::uint64_t size() const override { return inode_->live.size(); }

  IoStatus append(const ByteView& data) override { return write("append", size(), data); }
  IoStatus write_at(std::uint64_t offset, const ByteView& data) override {
    return write("write", offset, data);
  }

  IoResult<ByteView> read(std::uint64_t offset, std::size_t length) override {
    ByteView bytes = inode_->live.read(offset, length);
    disk_.charge(disk_.config_.read_latency, bytes.size());
    return bytes;
  }

  IoResult<std::vector<ByteView>> read_chunks(std::uint64_t offset, std::size_t length) override {
    std::vector<ByteView> chunks = inode_->live.read_chunks(offset, length);
    std::uint64_t bytes = 0;
    for (const auto& c : chunks) bytes += c.size();
    disk_.charge(disk_.config_.read_latency, bytes);
    return chunks;
  }

  IoStatus truncate(std::uint64_t new_size) override {
    record({disk_.hooks_.now(), true, new_size, {}});
    disk_.charge(disk_.config_.write_latency, 0);
    disk_.trace("truncate", path_, new_size, 0, {});
    return {};
  }

  IoStatus sync() override {
    std::uint64_t dirty = 0;
    for (const auto& w : inode_->pending) dirty += w.data.size();
    disk_.charge(disk_.config_.fsync_latency, dirty);
    IoStatus status;
    if (disk_.fsync_error_) {
      status = error(IoErrc::io_error, path_);
    } else {
      inode_->make_durable_through(SimTime::max());
    }
    disk_.trace("sync", path_, 0, dirty, status);
    return status;
  }

 private:
  IoStatus write(std::string_view op, std::uint64_t offset, const ByteView& data) {
    IoStatus status;
    if (disk_.full_ && offset + data.size() > size()) {
      status = error(IoErrc::no_space, path_);
    } else {
      record({disk_.hooks_.now(), false, offset, data});
    }
    disk_.charge(disk_.config_.write_latency, data.size());
    disk_.trace(op, path_, offset, data.size(), status);
    return status;
  }

  void record(PendingWrite w) {
    w.apply(inode_->live);
    inode_->pending.push_back(std::move(w));
    inode_->last_write_seq = ++disk_.write_seq_;
  }

  SimDisk& disk_;
  std::string path_;
  std::shared_ptr<Inode> inode_;
};

SimDisk::SimDisk(DiskConfig config, Rng rng, Hooks hooks)
    : config_(config), rng_(std::move(rng)), hooks_(std::move(hooks)) {}

SimDisk::~SimDisk() = default;

void SimDisk::charge(Duration base, std::uint64_t bytes) {
  std::int64_t us = base.as_micros() +
                    static_cast<std::int64_t>(bytes) * 1'000'000 / config_.bandwidth_bytes_per_sec;
  us += rng_.uniform_int(0, us / 10);  // up to 10% jitter
  us = static_cast<std::int64_t>(static_cast<double>(us) * slow_factor_);
  if (hooks_.charge) hooks_.charge(Duration::micros(us));
}

void SimDisk::trace(std::string_view op, std::string_view path, std::uint64_t offset,
                    std::uint64_t bytes, const IoStatus& status) {
  if (hooks_.trace) {
    hooks_.trace(DiskOp{op, path, offset, bytes, status.ok() ? "" : storage::to_string(status.code())});
  }
}

bool SimDisk::dir_exists(const std::string& dir) const { return dir.empty() || dirs_.count(dir) > 0; }

IoResult<std::unique_ptr<storage::File>> SimDisk::open(const std::string& path,
                                                        storage::OpenMode mode) {
  auto it = names_.find(path);
  if (it != names_.end()) {
    if (mode == storage::OpenMode::create_new) return error(IoErrc::already_exists, path);
    return std::unique_ptr<storage::File>(std::make_unique<SimFile>(*this, path, it->second));
  }
  if (mode == storage::OpenMode::open_existing || !dir_exists(parent_of(path)) ||
      dirs_.count(path) > 0) {
    return error(IoErrc::not_found, path);
  }
  auto inode = std::make_shared<Inode>();
  names_.emplace(path, inode);
  charge(config_.write_latency, 0);
  trace("create", path, 0, 0, {});
  return std::unique_ptr<storage::File>(std::make_unique<SimFile>(*this, path, std::move(inode)));
}

bool SimDisk::exists(const std::string& path) const {
  return names_.count(path) > 0 || dirs_.count(path) > 0;
}

IoStatus SimDisk::rename(const std::string& from, const std::string& to) {
  auto it = names_.find(from);
  IoStatus status;
  if (it == names_.end() || !dir_exists(parent_of(to))) {
    status = error(IoErrc::not_found, it == names_.end() ? from : to);
  } else {
    auto inode = it->second;
    names_.erase(it);
    names_[to] = std::move(inode);
  }
  charge(config_.write_latency, 0);
  trace("rename", from + " -> " + to, 0, 0, status);
  return status;
}

IoStatus SimDisk::remove(const std::string& path) {
  IoStatus status;
  if (names_.erase(path) == 0) {
    auto dir = dirs_.find(path);
    const std::string prefix = path + "/";
    auto child = names_.lower_bound(prefix);
    const bool has_file = child != names_.end() && child->first.compare(0, prefix.size(), prefix) == 0;
    auto sub = dirs_.lower_bound(prefix);
    const bool has_dir = sub != dirs_.end() && sub->compare(0, prefix.size(), prefix) == 0;
    if (dir == dirs_.end()) {
      status = error(IoErrc::not_found, path);
    } else if (has_file || has_dir) {
      status = IoStatus(IoErrc::invalid_argument, path + ": directory not empty");
    } else {
      dirs_.erase(dir);
    }
  }
  charge(config_.write_latency, 0);
  trace("remove", path, 0, 0, status);
  return status;
}

IoStatus SimDisk::make_dir(const std::string& path) {
  if (path.empty() || names_.count(path) > 0) return error(IoErrc::invalid_argument, path);
  // Like mkdir -p: every missing ancestor is created too.
  for (std::size_t pos = 0; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    dirs_.insert(path.substr(0, pos));
  }
  charge(config_.write_latency, 0);
  trace("mkdir", path, 0, 0, {});
  return {};
}

IoResult<std::vector<std::string>> SimDisk::list(const std::string& dir) const {
  if (!dir_exists(dir)) return error(IoErrc::not_found, dir);
  std::set<std::string> children;
  auto add_child = [&](const std::string& path) {
    if (parent_of(path) == dir) children.insert(dir.empty() ? path : path.substr(dir.size() + 1));
  };
  for (const auto& [path, inode] : names_) add_child(path);
  for (const auto& path : dirs_) add_child(path);
  return std::vector<std::string>(children.begin(), children.end());
}

IoStatus SimDisk::sync_dir(const std::string& dir) {
  IoStatus status;
  if (!dir_exists(dir)) {
    status = error(IoErrc::not_found, dir);
  } else if (fsync_error_) {
    status = error(IoErrc::io_error, dir);
  } else {
    std::erase_if(durable_names_, [&](const auto& e) { return parent_of(e.first) == dir; });
    for (const auto& [path, inode] : names_) {
      if (parent_of(path) == dir) durable_names_[path] = inode;
    }
    std::erase_if(durable_dirs_, [&](const auto& d) { return parent_of(d) == dir; });
    for (const auto& d : dirs_) {
      if (parent_of(d) == dir) durable_dirs_.insert(d);
    }
  }
  charge(config_.fsync_latency, 0);
  trace("sync_dir", dir, 0, 0, status);
  return status;
}

std::vector<SimDisk::Inode*> SimDisk::all_inodes() {
  // Live files first, then files whose only name is the durable one; each once, by path.
  ++visit_mark_;
  std::vector<Inode*> out;
  for (const auto* names : {&names_, &durable_names_}) {
    for (const auto& [path, inode] : *names) {
      if (inode->visit_mark != visit_mark_) {
        inode->visit_mark = visit_mark_;
        out.push_back(inode.get());
      }
    }
  }
  return out;
}

void SimDisk::writeback() {
  const SimTime cutoff = hooks_.now() - config_.dirty_expire;
  for (Inode* inode : all_inodes()) inode->make_durable_through(cutoff);
  durable_names_ = names_;
  durable_dirs_ = dirs_;
}

std::vector<DiskLoss> SimDisk::power_loss() {
  std::vector<DiskLoss> losses;
  for (const auto& [path, inode] : durable_names_) {
    Inode& f = *inode;
    if (f.pending.empty()) {
      f.live = f.durable;
      continue;
    }
    const std::uint64_t written = f.live.size();
    // The disk had started writing back: a prefix of the pending writes reached the platter,
    // and the one after it may have reached it only in part.
    const auto kept = static_cast<std::size_t>(rng_.below(f.pending.size() + 1));
    for (std::size_t i = 0; i < kept; ++i) f.pending[i].apply(f.durable);
    bool torn = false;
    if (kept < f.pending.size()) {
      const PendingWrite& next = f.pending[kept];
      if (!next.is_truncate && next.data.size() > 1 && rng_.bernoulli(0.5)) {
        const auto part = static_cast<std::size_t>(rng_.uniform_int(1, static_cast<std::int64_t>(next.data.size()) - 1));
        f.durable.write(next.offset, next.data.slice(0, part));
        torn = true;
      }
    }
    f.pending.clear();
    f.live = f.durable;
    const std::uint64_t now_size = f.live.size();
    losses.push_back(DiskLoss{path, now_size, written > now_size ? written - now_size : 0, torn});
  }
  names_ = durable_names_;
  dirs_ = durable_dirs_;
  return losses;
}

std::optional<std::string> SimDisk::corrupt_tail() {
  // The most recently written file that has bytes not yet synced.
  const std::string* victim = nullptr;
  std::uint64_t newest = 0;
  for (const auto& [path, inode] : names_) {
    if (inode->live.size() > inode->durable.size() && inode->last_write_seq >= newest) {
      newest = inode->last_write_seq;
      victim = &path;
    }
  }
  if (victim == nullptr) return std::nullopt;
  Inode& f = *names_.at(*victim);
  const std::uint64_t size = f.live.size();
  const std::uint64_t unsynced = size - f.durable.size();
  const auto n = static_cast<std::size_t>(rng_.uniform_int(1, static_cast<std::int64_t>(std::min<std::uint64_t>(unsynced, 64))));
  const ByteView old = f.live.read(size - n, n);
  Buffer garbage(old.data(), old.data() + old.size());
  for (auto& b : garbage) b = static_cast<std::uint8_t>(b ^ (1u + rng_.below(255)));
  // A write of the garbage over the tail: the page cache holds it, and a sync would persist it.
  PendingWrite w{hooks_.now(), false, size - n, ByteView::from(std::move(garbage))};
  w.apply(f.live);
  f.pending.push_back(std::move(w));
  return *victim;
}

std::uint64_t SimDisk::size(const std::string& path) const {
  auto it = names_.find(path);
  return it == names_.end() ? 0 : it->second->live.size();
}

std::uint64_t SimDisk::durable_size(const std::string& path) const {
  auto it = durable_names_.find(path);
  return it == durable_names_.end() ? 0 : it->second->durable.size();
}

ByteView SimDisk::contents(const std::string& path) const {
  auto it = names_.find(path);
  return it == names_.end() ? ByteView() : it->second->live.read(0, static_cast<std::size_t>(it->second->live.size()));
}

}  // namespace kafkasim::sim
