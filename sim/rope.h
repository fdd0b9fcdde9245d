// A byte sequence made of shared slices: appending a ByteView stores the view itself, so a
// file in the simulated page cache holds the very buffers that were written, and a read that
// falls inside one write hands that buffer back without copying.
#pragma once

#include <cstdint>
#include <vector>

#include "model/protocol/bytes.h"

namespace kafkasim::sim {

class Rope {
 public:
  std::uint64_t size() const { return size_; }
  std::size_t piece_count() const { return pieces_.size(); }

  void append(const ByteView& data);
  // Overwrites from `offset`; a gap past the end is filled with zeros.
  void write(std::uint64_t offset, const ByteView& data);
  // Shrinks, or grows with zeros.
  void truncate(std::uint64_t new_size);
  // Up to `length` bytes from `offset`; shares the buffer when the range is inside one piece.
  ByteView read(std::uint64_t offset, std::size_t length) const;
  // The same range as the pieces themselves, sharing every buffer.
  std::vector<ByteView> read_chunks(std::uint64_t offset, std::size_t length) const;

 private:
  struct Piece {
    std::uint64_t start;
    ByteView bytes;
  };
  // Index of the piece that holds byte `offset` (< size).
  std::size_t find(std::uint64_t offset) const;
  // Makes `offset` (< size) the start of a piece and returns that piece's index.
  std::size_t split_at(std::uint64_t offset);

  std::vector<Piece> pieces_;
  std::uint64_t size_ = 0;
  // The piece the last find() landed on. Reads come in runs (a fetch reads one batch header
  // after another from an index entry), so the next find usually lands on it or the one after.
  // Only a hint: find() checks it against the pieces' starts, so it may go stale.
  mutable std::size_t finger_ = 0;
};

}  // namespace kafkasim::sim
