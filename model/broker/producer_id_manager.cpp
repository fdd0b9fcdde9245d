#include "model/broker/producer_id_manager.h"

#include <charconv>

namespace kafkasim::broker {

std::optional<ProducerId> ProducerIdManager::next() {
  if (next_ == block_end_) {
    std::int64_t start = 0;
    auto lines = file_.read(0);
    if (lines.ok()) {
      const std::string& line = lines.value().empty() ? std::string() : lines.value()[0];
      if (std::from_chars(line.data(), line.data() + line.size(), start).ec != std::errc()) return std::nullopt;
    } else if (lines.status().code() != storage::IoErrc::not_found) {
      return std::nullopt;
    }
    if (!file_.write(0, {std::to_string(start + kBlockSize)}).ok()) return std::nullopt;
    next_ = start;
    block_end_ = start + kBlockSize;
  }
  return ProducerId{(static_cast<std::int64_t>(broker_.value()) << 40) | next_++};
}

}  // namespace kafkasim::broker
