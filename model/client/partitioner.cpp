#include "model/client/partitioner.h"

namespace kafkasim::client {

std::int32_t murmur2(std::string_view data) {
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto length = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = 0x9747b28c ^ length;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])); };
  const std::size_t whole = data.size() / 4 * 4;
  for (std::size_t i = 0; i < whole; i += 4) {
    std::uint32_t k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (data.size() % 4) {
    case 3: h ^= byte(whole + 2) << 16; [[fallthrough]];
    case 2: h ^= byte(whole + 1) << 8; [[fallthrough]];
    case 1: h ^= byte(whole); h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::int32_t partition_for_key(std::string_view key, std::int32_t num_partitions) {
  return (murmur2(key) & 0x7fffffff) % num_partitions;
}

std::int32_t StickyPartitioner::partition(const std::string& topic, std::int32_t num_partitions,
                                          const std::vector<std::int32_t>& available) {
  auto it = sticky_.find(topic);
  if (it != sticky_.end() && it->second < num_partitions) return it->second;
  return next(topic, -1, num_partitions, available);
}

std::int32_t StickyPartitioner::next(const std::string& topic, std::int32_t previous, std::int32_t num_partitions,
                                     const std::vector<std::int32_t>& available) {
  std::int32_t chosen;
  if (available.empty()) {
    chosen = static_cast<std::int32_t>(rng_.below(static_cast<std::uint64_t>(num_partitions)));
  } else if (available.size() == 1) {
    chosen = available[0];
  } else {
    do {
      chosen = available[rng_.below(available.size())];
    } while (chosen == previous);
  }
  sticky_[topic] = chosen;
  return chosen;
}

}  // namespace kafkasim::client
