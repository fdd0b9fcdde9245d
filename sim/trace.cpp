#include "sim/trace.h"

#include <cstdio>
#include <ostream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "model/rng.h"

namespace kafkasim::sim {
namespace {

// splitmix64's finaliser: every input bit affects every output bit.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class HashVisitor {
 public:
  explicit HashVisitor(std::uint64_t& h) : h_(h) {}
  void add(std::uint64_t v) { h_ = mix64(h_ + 0x9e3779b97f4a7c15ULL + v); }

  template <class T>
  void operator()(std::string_view /*key*/, const T& value) {
    if constexpr (std::is_same_v<T, MessagePtr>) {
      add(value->name_hash());
      add(value->wire_bytes());
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      add(fnv1a64(std::string_view(value)));
    } else if constexpr (std::is_same_v<T, SimTime> || std::is_same_v<T, Duration>) {
      add(static_cast<std::uint64_t>(value.as_micros()));
    } else if constexpr (IsStrongId<T>::value) {
      add(static_cast<std::uint64_t>(value.value()));
    } else {
      static_assert(std::is_integral_v<T>, "trace fields are integers, strings, times or ids");
      add(static_cast<std::uint64_t>(value));
    }
  }

 private:
  std::uint64_t& h_;
};

std::string format_seconds(SimTime t) {
  char buf[32];
  const std::int64_t us = t.as_micros();
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000));
  return buf;
}

class TextVisitor {
 public:
  TextVisitor(std::string& line, const NodeNamer& names) : line_(line), names_(names) {}

  template <class T>
  void operator()(std::string_view key, const T& value) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      if (std::string_view(value).empty()) return;  // an absent detail, such as no error
    }
    line_ += ' ';
    line_ += key;
    line_ += '=';
    if constexpr (std::is_same_v<T, MessagePtr>) {
      line_ += value->name();
      const std::string detail = value->describe();
      if (!detail.empty()) line_ += "(" + detail + ")";
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      line_ += std::string_view(value);
    } else if constexpr (std::is_same_v<T, SimTime>) {
      line_ += format_seconds(value);
    } else if constexpr (std::is_same_v<T, Duration>) {
      line_ += std::to_string(value.as_micros()) + "us";
    } else if constexpr (std::is_same_v<T, NodeId>) {
      line_ += names_(value);
    } else if constexpr (IsStrongId<T>::value) {
      line_ += std::to_string(value.value());
    } else if constexpr (std::is_same_v<T, bool>) {
      line_ += value ? "true" : "false";
    } else {
      line_ += std::to_string(value);
    }
  }

 private:
  std::string& line_;
  const NodeNamer& names_;
};

class JsonVisitor {
 public:
  JsonVisitor(nlohmann::ordered_json& object, const NodeNamer& names)
      : object_(object), names_(names) {}

  template <class T>
  void operator()(std::string_view key, const T& value) {
    auto& slot = object_[std::string(key)];
    if constexpr (std::is_same_v<T, MessagePtr>) {
      slot = {{"type", value->name()}, {"bytes", value->wire_bytes()}, {"detail", value->describe()}};
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      slot = std::string_view(value);
    } else if constexpr (std::is_same_v<T, SimTime> || std::is_same_v<T, Duration>) {
      slot = value.as_micros();
    } else if constexpr (std::is_same_v<T, NodeId>) {
      slot = names_(value);
    } else if constexpr (IsStrongId<T>::value) {
      slot = value.value();
    } else {
      slot = value;
    }
  }

 private:
  nlohmann::ordered_json& object_;
  const NodeNamer& names_;
};

}  // namespace

std::string_view event_name(const TraceEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kName; }, event);
}

void Trace::record(SimTime time, NodeId node, TraceEvent event) {
  HashVisitor h(hash_);
  h.add(static_cast<std::uint64_t>(time.as_micros()));
  h.add(node.value());
  std::visit(
      [&h](const auto& e) {
        constexpr std::uint64_t kNameHash = fnv1a64(std::decay_t<decltype(e)>::kName);
        h.add(kNameHash);
        e.fields(h);
      },
      event);
  const TraceRecord record{count_++, time, node, event};
  for (TraceSink* sink : sinks_) sink->on_event(record);
}

std::string format_hash(std::uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

void TextTraceWriter::on_event(const TraceRecord& record) {
  std::string line = format_seconds(record.time);
  if (line.size() < 11) line.insert(0, 11 - line.size(), ' ');
  line += ' ';
  std::string node = record.node == kWorldNode ? "world" : names_(record.node);
  if (node.size() < 12) node.resize(12, ' ');
  line += node;
  line += ' ';
  line += event_name(record.event);
  TextVisitor v(line, names_);
  std::visit([&v](const auto& e) { e.fields(v); }, record.event);
  line += '\n';
  out_ << line;
}

void JsonlTraceWriter::on_event(const TraceRecord& record) {
  nlohmann::ordered_json object;
  object["i"] = record.index;
  object["timeUs"] = record.time.as_micros();
  object["node"] = record.node == kWorldNode ? "world" : names_(record.node);
  object["event"] = event_name(record.event);
  JsonVisitor v(object, names_);
  std::visit([&v](const auto& e) { e.fields(v); }, record.event);
  out_ << object.dump() << '\n';
}

}  // namespace kafkasim::sim
