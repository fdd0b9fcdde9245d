// The run's only source of randomness.
//
// Engine: xoshiro256** (Blackman & Vigna), seeded through splitmix64. Distributions are our
// own, written with integer arithmetic and IEEE basic operations only, because the standard
// library's distributions differ between implementations and would break "same seed, same
// run" across machines.
//
// Streams: the master Rng of a run hands each subsystem and node a named child stream
// (`child("network")`, `child("broker-2")`). A child's seed is derived from its parent's seed
// and its name, not from the parent's state, so a new draw in one place never reshuffles
// the draws of another.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

namespace kafkasim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t seed() const { return seed_; }
  Rng child(std::string_view name) const;

  std::uint64_t next_u64();
  // Uniform in [lo, hi], both ends included. Requires lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, n). Requires n > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [0, 1), with 53 bits of precision.
  double uniform_real();
  double uniform_real(double lo, double hi) { return lo + (hi - lo) * uniform_real(); }
  bool bernoulli(double p) { return uniform_real() < p; }
  // Exponentially distributed with the given mean.
  double exponential(double mean);

  template <class Container>
  auto& pick(Container& items) {
    return items[static_cast<std::size_t>(below(items.size()))];
  }

  // Fisher-Yates.
  template <class Container>
  void shuffle(Container& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

// Natural logarithm computed with basic IEEE operations only, so that it gives the same bits
// on every libm. Requires x > 0.
double portable_log(double x);

// 64-bit FNV-1a of a string, used to derive child seeds from names and to hash the trace.
// constexpr so that the hash of a name known at compile time costs nothing at run time.
constexpr std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace kafkasim
