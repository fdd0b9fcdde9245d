// Reading a JSON document field by field while collecting every problem as one line that names
// its JSON path: "/faults/3/startMs: expected an integer, got a string". The loader reads
// everything it can and reports all problems at once; a reader never throws on bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kafkasim::sim::scenario {

using Json = nlohmann::json;

class Problems {
 public:
  void add(const std::string& path, const std::string& what) { lines_.push_back(path + ": " + what); }
  bool empty() const { return lines_.empty(); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// "broker-1" for "brokr-1" among the candidates, when one is close enough to be a typo.
std::optional<std::string> nearest_name(std::string_view name, const std::vector<std::string>& candidates);
// ": did you mean \"x\"?" or "; expected one of a, b, c".
std::string suggestion(std::string_view name, const std::vector<std::string>& candidates);
// "a string", "an integer", ...: how a value is named in messages.
std::string json_kind(const Json& value);
// The path of an element: "/faults" + 3 -> "/faults/3"; keys escaped as JSON pointers.
std::string child_path(const std::string& path, std::string_view key);
std::string child_path(const std::string& path, std::size_t index);

// One JSON object: typed getters report missing, mistyped and out-of-range fields; finish()
// reports every key no getter asked for, with the nearest known one.
class ObjectReader {
 public:
  // A value that is not an object is reported once and reads as empty.
  ObjectReader(const Json& value, std::string path, Problems& problems);

  bool has(std::string_view key) const;
  const Json* raw(std::string_view key);  // marks the key as known; null when absent
  std::string path_of(std::string_view key) const { return child_path(path_, key); }

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max, bool required = false);
  std::optional<std::uint64_t> unsigned_integer(std::string_view key);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<bool> boolean(std::string_view key);
  // A string from a fixed set.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& allowed, bool required = false);
  std::vector<std::string> string_list(std::string_view key);

  void finish();
  Problems& problems() { return problems_; }
  const std::string& path() const { return path_; }

 private:
  const Json* value_;
  std::string path_;
  Problems& problems_;
  std::vector<std::string> known_;
};

// Reads an integer value at `path`, reporting a problem (and returning nothing) otherwise.
std::optional<std::int64_t> read_integer(const Json& value, const std::string& path, std::int64_t min, std::int64_t max,
                                         Problems& problems);

}  // namespace kafkasim::sim::scenario
