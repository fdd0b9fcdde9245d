#include "model/storage/records.h"

namespace kafkasim::storage {

Records::Records(std::vector<ByteView> chunks) : chunks_(std::move(chunks)) {
  std::erase_if(chunks_, [](const ByteView& c) { return c.empty(); });
  for (const auto& c : chunks_) size_ += c.size();
}

void Records::append(const ByteView& chunk) {
  if (chunk.empty()) return;
  size_ += chunk.size();
  chunks_.push_back(chunk);
}

ByteView Records::contiguous() const {
  if (chunks_.size() == 1) return chunks_.front();
  Buffer all;
  all.reserve(size_);
  for (const auto& c : chunks_) all.insert(all.end(), c.data(), c.data() + c.size());
  return ByteView::from(std::move(all));
}

Records::Batches Records::batches() const {
  Batches out;
  Buffer pending;  // the start of a batch that continues in the next chunk
  std::size_t pending_need = 0;
  for (const auto& chunk : chunks_) {
    std::size_t pos = 0;
    if (!pending.empty()) {
      // Complete the straddling batch (its size is known once 12 bytes are there).
      while (pos < chunk.size()) {
        if (pending_need == 0) {
          const std::size_t header_missing = kLogOverhead > pending.size() ? kLogOverhead - pending.size() : 0;
          const std::size_t take = std::min(header_missing, chunk.size() - pos);
          pending.insert(pending.end(), chunk.data() + pos, chunk.data() + pos + take);
          pos += take;
          if (pending.size() < kLogOverhead) break;
          const auto size = batch_size_at(pending.data(), pending.size());
          if (!size) return out;  // unframed: nothing after this can be trusted
          pending_need = *size;
        }
        const std::size_t take = std::min(pending_need - pending.size(), chunk.size() - pos);
        pending.insert(pending.end(), chunk.data() + pos, chunk.data() + pos + take);
        pos += take;
        if (pending.size() == pending_need) {
          out.push_back(ByteView::from(std::move(pending)));
          pending = Buffer();
          pending_need = 0;
          break;
        }
      }
      if (!pending.empty()) continue;
    }
    while (pos < chunk.size()) {
      const auto size = batch_size_at(chunk.data() + pos, chunk.size() - pos);
      if (size && *size <= chunk.size() - pos) {
        out.push_back(chunk.slice(pos, *size));
        pos += *size;
        continue;
      }
      if (!size && chunk.size() - pos >= kLogOverhead) return out;  // unframed
      pending.assign(chunk.data() + pos, chunk.data() + chunk.size());
      pending_need = size.value_or(0);
      break;
    }
  }
  return out;
}

}  // namespace kafkasim::storage
