// One node's simulated file system, behind the storage::Disk interface.
//
// Per file it keeps two byte sequences: what the page cache holds (what reads see) and what
// is on the platter (what survives a power loss), plus the writes in between, each with the
// time it was made. Like Linux:
//   - File::sync makes a file's bytes durable; Disk::sync_dir makes the names in a folder
//     durable (a created, renamed or removed file).
//   - Writeback: at every tick (writebackIntervalMs) the writes older than dirtyExpireMs
//     become durable, and the folder structure is committed (a journal commit).
//   - process_kill keeps everything (the page cache belongs to the OS, not the process).
//   - power_loss keeps the durable bytes and, drawn from the seed, a prefix of the later
//     writes in the order they were made, the last of them possibly torn.
//   - corrupt_tail garbles the unsynced tail of the file written last.
// Every operation costs time (a fixed cost, plus bytes over bandwidth, plus jitter, times the
// slow_disk factor), which the world charges to the node that made the call.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/rng.h"
#include "model/storage/disk.h"
#include "sim/rope.h"
#include "sim/world_events.h"

namespace kafkasim::sim {

struct DiskConfig {
  Duration write_latency = Duration::micros(50);
  Duration fsync_latency = Duration::millis(2);
  Duration read_latency = Duration::micros(20);
  std::int64_t bandwidth_bytes_per_sec = 500'000'000;
  Duration writeback_interval = Duration::seconds(5);  // zero: no writeback
  Duration dirty_expire = Duration::seconds(30);
};

class SimDisk final : public storage::Disk {
 public:
  struct Hooks {
    std::function<SimTime()> now;
    std::function<void(Duration)> charge;  // time the calling node spends on an operation
    std::function<void(const DiskOp&)> trace;
  };

  SimDisk(DiskConfig config, Rng rng, Hooks hooks);
  ~SimDisk() override;

  // storage::Disk
  storage::IoResult<std::unique_ptr<storage::File>> open(const std::string& path,
                                                         storage::OpenMode mode) override;
  bool exists(const std::string& path) const override;
  storage::IoStatus rename(const std::string& from, const std::string& to) override;
  storage::IoStatus remove(const std::string& path) override;
  storage::IoStatus make_dir(const std::string& path) override;
  storage::IoResult<std::vector<std::string>> list(const std::string& dir) const override;
  storage::IoStatus sync_dir(const std::string& dir) override;

  // The operating system and the hardware, driven by the world.
  void writeback();
  // Reverts to what is durable plus a seeded prefix of later writes; reports each file that
  // lost bytes.
  std::vector<DiskLoss> power_loss();
  void set_slow_factor(double factor) { slow_factor_ = factor; }
  void set_fsync_error(bool on) { fsync_error_ = on; }
  void set_full(bool on) { full_ = on; }
  // Garbles the last bytes of the most recently written file that has unsynced bytes, as a
  // crash in the middle of a write leaves a file; synced bytes are never touched (media
  // corruption is beyond what Kafka promises to survive). Returns the file's path, or nothing
  // when no file has unsynced bytes.
  std::optional<std::string> corrupt_tail();

  const DiskConfig& config() const { return config_; }
  // Inspection, for tests and checkers: sizes and contents without cost.
  std::uint64_t size(const std::string& path) const;
  std::uint64_t durable_size(const std::string& path) const;
  ByteView contents(const std::string& path) const;

 private:
  struct Inode;
  class SimFile;
  friend class SimFile;

  void charge(Duration base, std::uint64_t bytes);
  void trace(std::string_view op, std::string_view path, std::uint64_t offset,
             std::uint64_t bytes, const storage::IoStatus& status);
  bool dir_exists(const std::string& dir) const;
  // Every file once, live names first; marks each visited.
  std::vector<Inode*> all_inodes();

  DiskConfig config_;
  Rng rng_;
  Hooks hooks_;
  double slow_factor_ = 1.0;
  bool fsync_error_ = false;
  bool full_ = false;
  std::uint64_t write_seq_ = 0;
  std::uint64_t visit_mark_ = 0;

  // Live names (what the running system sees) and durable names (what a power loss keeps).
  std::map<std::string, std::shared_ptr<Inode>> names_;
  std::map<std::string, std::shared_ptr<Inode>> durable_names_;
  std::set<std::string> dirs_;
  std::set<std::string> durable_dirs_;
};

}  // namespace kafkasim::sim
