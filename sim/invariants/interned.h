// Compact forms of the strings checkers keep for every batch of a run: a record id or a
// partition name stored once, and referred to by a small number. A checker holds a few hundred
// thousand batches in a long run; a string each made their history half of the run's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kafkasim::sim::invariants {

// Strings as dense numbers 1, 2, 3... in the order first seen; 0 is the empty string.
class Interner {
 public:
  std::uint32_t intern(std::string_view text);
  std::string_view text(std::uint32_t number) const { return number == 0 ? std::string_view() : names_[number - 1]; }
  // Every number given so far is at most this.
  std::uint32_t size() const { return static_cast<std::uint32_t>(names_.size()); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> numbers_;
};

// A record id ("p1:17", model/protocol/record_id.h) as its client's interned name and its number.
// An id of another shape is kept whole as the name, with kWhole as the number, so that every
// string comes back as it went in.
struct RecordKey {
  static constexpr std::int64_t kWhole = std::numeric_limits<std::int64_t>::min();
  std::uint32_t client = 0;  // 0: no id
  std::int64_t n = 0;
  bool empty() const { return client == 0; }
  bool parsed() const { return client != 0 && n != kWhole; }
  bool operator==(const RecordKey&) const = default;
};

class RecordIds {
 public:
  RecordKey key(std::string_view id);
  std::string text(RecordKey key) const;
  // The client's name of a parsed key.
  std::string_view client(RecordKey key) const { return clients_.text(key.client); }

 private:
  Interner clients_;
};

}  // namespace kafkasim::sim::invariants
