#include "sim/scenario/json_reader.h"

#include <algorithm>
#include <limits>

namespace kafkasim::sim::scenario {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string in_quotes(std::string_view s) { return Json(std::string(s)).dump(); }

}  // namespace

std::optional<std::string> nearest_name(std::string_view name, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;  // farther is no typo
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string suggestion(std::string_view name, const std::vector<std::string>& candidates) {
  if (auto near = nearest_name(name, candidates)) return "; did you mean " + in_quotes(*near) + "?";
  if (candidates.size() <= 12) return "; expected one of " + join(candidates);
  return "";
}

std::string json_kind(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_float: return "a fractional number";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    default: return "an unknown value";
  }
}

std::string child_path(const std::string& path, std::string_view key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') escaped += "~0";
    else if (c == '/') escaped += "~1";
    else escaped += c;
  }
  return path + "/" + escaped;
}

std::string child_path(const std::string& path, std::size_t index) { return path + "/" + std::to_string(index); }

std::optional<std::int64_t> read_integer(const Json& value, const std::string& path, std::int64_t min, std::int64_t max,
                                         Problems& problems) {
  std::optional<std::int64_t> v;
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) v = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    v = value.get<std::int64_t>();
  }
  if (!value.is_number_integer() && !value.is_number_unsigned()) {
    problems.add(path, "expected an integer, got " + json_kind(value));
    return std::nullopt;
  }
  if (!v || *v < min || *v > max) {
    problems.add(path, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                           value.dump());
    return std::nullopt;
  }
  return v;
}

ObjectReader::ObjectReader(const Json& value, std::string path, Problems& problems)
    : value_(&value), path_(std::move(path)), problems_(problems) {
  if (!value.is_object()) {
    problems_.add(path_.empty() ? "/" : path_, "expected an object, got " + json_kind(value));
    value_ = nullptr;
  }
}

bool ObjectReader::has(std::string_view key) const {
  return value_ != nullptr && value_->contains(std::string(key));
}

const Json* ObjectReader::raw(std::string_view key) {
  known_.emplace_back(key);
  if (value_ == nullptr) return nullptr;
  auto it = value_->find(std::string(key));
  return it == value_->end() ? nullptr : &*it;
}

std::optional<std::string> ObjectReader::string(std::string_view key, bool required) {
  const Json* v = raw(key);
  if (v == nullptr) {
    if (required && value_ != nullptr) problems_.add(path_of(key), "required string is missing");
    return std::nullopt;
  }
  if (!v->is_string()) {
    problems_.add(path_of(key), "expected a string, got " + json_kind(*v));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, std::int64_t min, std::int64_t max,
                                                  bool required) {
  const Json* v = raw(key);
  if (v == nullptr) {
    if (required && value_ != nullptr) problems_.add(path_of(key), "required integer is missing");
    return std::nullopt;
  }
  return read_integer(*v, path_of(key), min, max, problems_);
}

std::optional<std::uint64_t> ObjectReader::unsigned_integer(std::string_view key) {
  const Json* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer() && v->get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v->get<std::int64_t>());
  problems_.add(path_of(key), "expected an integer in [0, 18446744073709551615], got " + v->dump());
  return std::nullopt;
}

std::optional<double> ObjectReader::number(std::string_view key, double min, double max) {
  const Json* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    problems_.add(path_of(key), "expected a number, got " + json_kind(*v));
    return std::nullopt;
  }
  const double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    problems_.add(path_of(key), "expected a number in [" + Json(min).dump() + ", " + Json(max).dump() + "], got " +
                                    v->dump());
    return std::nullopt;
  }
  return d;
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const Json* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    problems_.add(path_of(key), "expected true or false, got " + json_kind(*v));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> ObjectReader::choice(std::string_view key, const std::vector<std::string>& allowed,
                                                bool required) {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
    problems_.add(path_of(key), "unknown value " + in_quotes(*s) + suggestion(*s, allowed));
    return std::nullopt;
  }
  return s;
}

std::vector<std::string> ObjectReader::string_list(std::string_view key) {
  std::vector<std::string> out;
  const Json* v = raw(key);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    problems_.add(path_of(key), "expected an array of strings, got " + json_kind(*v));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (item.is_string()) out.push_back(item.get<std::string>());
    else problems_.add(child_path(path_of(key), i), "expected a string, got " + json_kind(item));
  }
  return out;
}

void ObjectReader::finish() {
  if (value_ == nullptr) return;
  for (const auto& item : value_->items()) {
    const std::string& key = item.key();
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    problems_.add(path_of(key), "unknown field" + suggestion(key, known_));
  }
}

}  // namespace kafkasim::sim::scenario
