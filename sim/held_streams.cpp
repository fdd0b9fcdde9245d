#include "sim/held_streams.h"

#include <algorithm>

namespace kafkasim::sim {

void HeldStreams::hold(InTransit item) {
  Stream& stream = streams_[Key{item.from.value(), item.to.value(), item.connection}];
  if (stream.serial == 0) stream.serial = next_serial_++;
  std::vector<InTransit>& items = stream.items;
  const auto later = std::upper_bound(items.begin(), items.end(), item.id,
                                      [](std::uint64_t id, const InTransit& held) { return id < held.id; });
  items.insert(later, std::move(item));
}

std::vector<InTransit> HeldStreams::take(const Due& due) {
  const auto it = streams_.find(key(due));
  std::vector<InTransit> items = std::move(it->second.items);
  streams_.erase(it);
  return items;
}

std::vector<InTransit> HeldStreams::take_from(NodeId sender) {
  std::vector<InTransit> taken;
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->first.from != sender.value()) {
      ++it;
      continue;
    }
    for (InTransit& item : it->second.items) taken.push_back(std::move(item));
    it = streams_.erase(it);
  }
  return taken;
}

}  // namespace kafkasim::sim
