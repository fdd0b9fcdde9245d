#include "sim/scenario/trace_check.h"

#include <deque>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "sim/invariants/invariant_suite.h"

namespace kafkasim::sim::scenario {
namespace {

using Json = nlohmann::json;

// What decoding needs across lines: node names to ids, and storage for string_view fields.
struct DecodeContext {
  std::map<std::string, NodeId> nodes;
  std::vector<std::string> names;
  std::deque<std::string> strings;  // stable addresses for the events' string_views

  NodeId node(const std::string& name) {
    if (name == "world") return kWorldNode;
    auto [it, fresh] = nodes.try_emplace(name, NodeId{static_cast<std::uint32_t>(names.size())});
    if (fresh) names.push_back(name);
    return it->second;
  }
};

// Fills an event's fields from its JSON object, through the same `fields` visitor the writers
// use. The event is a fresh non-const object, so writing through the visitor's const view is
// sound.
class FieldReader {
 public:
  FieldReader(const Json& object, DecodeContext& context, std::string_view event)
      : object_(object), context_(context), event_(event) {}

  template <class T>
  void operator()(std::string_view key, const T& field) {
    T& out = const_cast<T&>(field);
    if constexpr (std::is_same_v<T, MessagePtr>) {
      return;  // message bodies are not in the trace, and no checker reads them
    } else {
      auto it = object_.find(std::string(key));
      if (it == object_.end()) throw TraceFormatError("no field \"" + std::string(key) + "\" in a \"" + std::string(event_) + "\" event");
      const Json& v = *it;
      if constexpr (std::is_same_v<T, std::string>) {
        out = v.get<std::string>();
      } else if constexpr (std::is_same_v<T, std::string_view>) {
        out = context_.strings.emplace_back(v.get<std::string>());
      } else if constexpr (std::is_same_v<T, SimTime>) {
        out = SimTime::from_micros(v.get<std::int64_t>());
      } else if constexpr (std::is_same_v<T, Duration>) {
        out = Duration::micros(v.get<std::int64_t>());
      } else if constexpr (std::is_same_v<T, NodeId>) {
        out = context_.node(v.get<std::string>());
      } else if constexpr (IsStrongId<T>::value) {
        out = T{v.get<typename T::rep_type>()};
      } else {
        out = v.get<T>();
      }
    }
  }

 private:
  const Json& object_;
  DecodeContext& context_;
  std::string_view event_;
};

template <class E>
TraceEvent decode_as(const Json& object, DecodeContext& context) {
  E event{};
  FieldReader reader(object, context, E::kName);
  event.fields(reader);
  return event;
}

using Decoder = TraceEvent (*)(const Json&, DecodeContext&);

template <std::size_t... I>
std::map<std::string_view, Decoder> decoders(std::index_sequence<I...>) {
  return {{std::variant_alternative_t<I, TraceEvent>::kName, &decode_as<std::variant_alternative_t<I, TraceEvent>>}...};
}

const std::map<std::string_view, Decoder>& all_decoders() {
  static const auto table = decoders(std::make_index_sequence<std::variant_size_v<TraceEvent>>{});
  return table;
}

}  // namespace

TraceCheck check_trace(std::istream& jsonl, const std::vector<std::string>& invariants) {
  std::vector<std::string> names = invariants;
  if (names.empty()) {
    for (const auto& n : invariants::InvariantSuite::implemented()) {
      if (n != "liveness") names.push_back(n);
    }
  }
  invariants::InvariantSuite suite(names);
  DecodeContext context;
  TraceCheck result;
  std::string line;
  std::uint64_t number = 0;
  SimTime last;
  while (std::getline(jsonl, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      const Json object = Json::parse(line);
      if (!object.is_object()) throw TraceFormatError("not a JSON object");
      const std::string event = object.at("event").get<std::string>();
      auto decoder = all_decoders().find(event);
      if (decoder == all_decoders().end()) throw TraceFormatError("unknown event \"" + event + "\"");
      const TraceEvent decoded = decoder->second(object, context);
      last = SimTime::from_micros(object.at("timeUs").get<std::int64_t>());
      const NodeId node = context.node(object.at("node").get<std::string>());
      suite.on_event(TraceRecord{object.at("i").get<std::uint64_t>(), last, node, decoded});
      ++result.events;
    } catch (const TraceFormatError& e) {
      throw TraceFormatError("line " + std::to_string(number) + ": " + e.what());
    } catch (const Json::exception& e) {
      throw TraceFormatError("line " + std::to_string(number) + ": " + e.what());
    }
  }
  suite.finish(last);
  result.violations = suite.violations();
  result.node_names = context.names;
  return result;
}

}  // namespace kafkasim::sim::scenario
