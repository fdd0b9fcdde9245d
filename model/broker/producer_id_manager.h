// Hands out producer ids to idempotent producers (InitProducerId).
//
// Kafka reserves blocks of ids in ZooKeeper; here each broker reserves blocks of its own id
// space (broker id << 40 | n) in a small checkpoint file, written durably before any id of a
// block is handed out, so that ids stay unique across restarts and power losses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/protocol/types.h"
#include "model/storage/checkpoint.h"

namespace kafkasim::broker {

class ProducerIdManager {
 public:
  static constexpr std::int64_t kBlockSize = 1000;

  ProducerIdManager(storage::Disk& disk, const std::string& data_dir, BrokerId broker)
      : file_(disk, data_dir + "/producer-id-block"), broker_(broker) {}

  // A new id, or nothing when the next block could not be reserved on disk.
  std::optional<ProducerId> next();

 private:
  storage::CheckpointFile file_;
  BrokerId broker_;
  std::int64_t next_ = 0;
  std::int64_t block_end_ = 0;  // next_ == block_end_: reserve a block first
};

}  // namespace kafkasim::broker
