// std::partition_point for ranges searched near their end: the simulator's files and the
// checkers' batch lists grow at the end, and most searches look for what was just added (Kafka
// searches its offset indexes' "warm" tail first for the same reason).
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace kafkasim {

// The first element of [first, last) for which `pred` is false, in a range where `pred` holds
// for a prefix only (as std::partition_point). Gallops back from the end (probing 1, 2, 4...
// elements back) to bracket the answer, then bisects: O(log d) for an answer d elements from
// the end, and touches only the range's tail when d is small, where a bisection of the whole
// range starts in the middle, far from the cache.
template <class It, class Pred>
It partition_point_from_end(It first, It last, Pred pred) {
  It hi = last;  // from hi on, `pred` is false
  std::ptrdiff_t step = 1;
  while (hi != first) {
    const It probe = std::distance(first, hi) > step ? std::prev(hi, step) : first;
    if (pred(*probe)) return std::partition_point(std::next(probe), hi, pred);
    hi = probe;
    step *= 2;
  }
  return first;
}

}  // namespace kafkasim
