// Kafka's checkpoint files: a text file of a version line, a count line, then one entry per
// line. Written atomically: to <path>.tmp, fsync, rename over <path>, fsync of the folder, so
// a crash leaves either the old file or the new one, never a mix.
//
//   recovery-point-offset-checkpoint, replication-offset-checkpoint (high watermarks),
//   log-start-offset-checkpoint:   "topic partition offset" lines, version 0
//   leader-epoch-checkpoint:        "epoch startOffset" lines, version 0
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/protocol/types.h"
#include "model/storage/disk.h"

namespace kafkasim::storage {

class CheckpointFile {
 public:
  CheckpointFile(Disk& disk, std::string path) : disk_(disk), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  IoStatus write(int version, const std::vector<std::string>& lines);
  // The entry lines. not_found when there is no file; invalid_argument, naming the line, when
  // the file is malformed (a wrong version, a count that does not match).
  IoResult<std::vector<std::string>> read(int version) const;

 private:
  Disk& disk_;
  std::string path_;
};

using OffsetMap = std::map<TopicPartition, Offset>;

IoStatus write_offset_checkpoint(Disk& disk, const std::string& path, const OffsetMap& offsets);
// An absent file is an empty map.
IoResult<OffsetMap> read_offset_checkpoint(Disk& disk, const std::string& path);

}  // namespace kafkasim::storage
