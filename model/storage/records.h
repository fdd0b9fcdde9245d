// Whole record batches held as a list of byte chunks.
//
// A fetch reads a range of a segment file; on the simulated disk that range comes back as the
// very buffers that were appended, in several chunks. Records keeps them as they are, so
// serving a fetch copies nothing; only a batch that straddles two chunks is joined, when it is
// read.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "model/protocol/bytes.h"
#include "model/storage/record_batch.h"

namespace kafkasim::storage {

class Records {
 public:
  Records() = default;
  explicit Records(std::vector<ByteView> chunks);
  static Records of(const ByteView& batch) { return Records(std::vector<ByteView>{batch}); }

  void append(const ByteView& chunk);
  std::size_t size_bytes() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<ByteView>& chunks() const { return chunks_; }

  // A fetch or a produce request holds a few batches: kept inline, without an allocation.
  using Batches = boost::container::small_vector<ByteView, 4>;
  // Every complete batch, in order; a fetch may end inside its last batch, which is left out.
  Batches batches() const;
  // All the bytes in one view (a copy when there are several chunks).
  ByteView contiguous() const;

 private:
  std::vector<ByteView> chunks_;
  std::size_t size_ = 0;
};

}  // namespace kafkasim::storage
