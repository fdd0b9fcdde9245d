#include "sim/rope.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "model/partition_point.h"

namespace kafkasim::sim {
namespace {

ByteView zeros(std::uint64_t n) { return ByteView::from(Buffer(static_cast<std::size_t>(n), 0)); }

}  // namespace

void Rope::append(const ByteView& data) {
  if (data.empty()) return;
  pieces_.push_back(Piece{size_, data});
  size_ += data.size();
}

std::size_t Rope::find(std::uint64_t offset) const {
  assert(offset < size_);
  const auto holds = [&](std::size_t i) {
    return pieces_[i].start <= offset && (i + 1 == pieces_.size() || offset < pieces_[i + 1].start);
  };
  if (finger_ < pieces_.size() && holds(finger_)) return finger_;
  if (finger_ + 1 < pieces_.size() && holds(finger_ + 1)) return ++finger_;
  // Elsewhere: readers mostly read near the end (followers and consumers fetching what was
  // just appended).
  const auto it = partition_point_from_end(pieces_.begin(), pieces_.end(),
                                           [offset](const Piece& p) { return p.start <= offset; });
  finger_ = static_cast<std::size_t>(it - pieces_.begin()) - 1;
  return finger_;
}

std::size_t Rope::split_at(std::uint64_t offset) {
  const std::size_t i = find(offset);
  Piece& p = pieces_[i];
  if (p.start == offset) return i;
  const std::size_t head = static_cast<std::size_t>(offset - p.start);
  Piece tail{offset, p.bytes.slice(head, p.bytes.size() - head)};
  p.bytes = p.bytes.slice(0, head);
  pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(tail));
  return i + 1;
}

void Rope::write(std::uint64_t offset, const ByteView& data) {
  if (data.empty()) return;
  if (offset > size_) append(zeros(offset - size_));
  if (offset == size_) {
    append(data);
    return;
  }
  const std::uint64_t end = offset + data.size();
  const std::size_t first = split_at(offset);
  const std::size_t last = end < size_ ? split_at(end) : pieces_.size();
  pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(first),
                pieces_.begin() + static_cast<std::ptrdiff_t>(last));
  pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(first), Piece{offset, data});
  size_ = std::max(size_, end);
}

void Rope::truncate(std::uint64_t new_size) {
  if (new_size >= size_) {
    if (new_size > size_) append(zeros(new_size - size_));
    return;
  }
  if (new_size == 0) {
    pieces_.clear();
  } else {
    const std::size_t cut = split_at(new_size);
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(cut), pieces_.end());
  }
  size_ = new_size;
}

std::vector<ByteView> Rope::read_chunks(std::uint64_t offset, std::size_t length) const {
  std::vector<ByteView> out;
  if (offset >= size_ || length == 0) return out;
  const std::uint64_t end = std::min<std::uint64_t>(size_, offset + length);
  for (std::size_t i = find(offset); offset < end; ++i) {
    const Piece& p = pieces_[i];
    const auto from = static_cast<std::size_t>(offset - p.start);
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(p.bytes.size() - from, end - offset));
    out.push_back(p.bytes.slice(from, n));
    offset += n;
  }
  return out;
}

ByteView Rope::read(std::uint64_t offset, std::size_t length) const {
  if (offset >= size_ || length == 0) return {};
  const std::uint64_t end = std::min<std::uint64_t>(size_, offset + length);
  std::size_t i = find(offset);
  const Piece& p = pieces_[i];
  if (end <= p.start + p.bytes.size()) {
    return p.bytes.slice(static_cast<std::size_t>(offset - p.start),
                         static_cast<std::size_t>(end - offset));
  }
  Buffer out;
  out.reserve(static_cast<std::size_t>(end - offset));
  for (std::uint64_t pos = offset; pos < end; ++i) {
    const Piece& q = pieces_[i];
    const auto from = static_cast<std::size_t>(pos - q.start);
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(q.bytes.size() - from, end - pos));
    out.insert(out.end(), q.bytes.data() + from, q.bytes.data() + from + n);
    pos += n;
  }
  return ByteView::from(std::move(out));
}

}  // namespace kafkasim::sim
