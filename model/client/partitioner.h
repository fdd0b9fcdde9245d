// Kafka's default partitioner: a keyed record goes to murmur2(key) mod the partition count; a
// record without a key sticks to one partition until a batch is full, then moves to another
// partition with a leader, chosen at random (KIP-480), so that keyless batches fill up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/rng.h"

namespace kafkasim::client {

// Kafka's Utils.murmur2 (32-bit MurmurHash2, seed 0x9747b28c).
std::int32_t murmur2(std::string_view data);

// The partition of a keyed record: the hash made positive (Utils.toPositive), mod the count.
std::int32_t partition_for_key(std::string_view key, std::int32_t num_partitions);

class StickyPartitioner {
 public:
  explicit StickyPartitioner(Rng& rng) : rng_(rng) {}
  // The partition keyless records of `topic` go to now.
  std::int32_t partition(const std::string& topic, std::int32_t num_partitions,
                         const std::vector<std::int32_t>& available);
  // A batch of `previous` is full: pick another partition (one with a leader when possible).
  std::int32_t next(const std::string& topic, std::int32_t previous, std::int32_t num_partitions,
                    const std::vector<std::int32_t>& available);

 private:
  Rng& rng_;
  std::map<std::string, std::int32_t> sticky_;
};

}  // namespace kafkasim::client
