// The events model code reports through Env::trace, and that the invariant checkers read.
//
// Each event is a plain struct with a name and a `fields` function that hands every field to
// a visitor. That one function is all the trace needs to hash an event, print it as a log line
// and write it as JSON, so adding an event means adding a struct here and to ModelEvent.
// Field values are integers, bools, strings, SimTime, Duration or strong ids.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace kafkasim {

// Free text from a node, for the human log: a decision worth seeing when reading a trace.
struct Note {
  static constexpr std::string_view kName = "note";
  std::string text;
  template <class V>
  void fields(V& v) const { v("text", text); }
};

using ModelEvent = std::variant<Note>;

}  // namespace kafkasim
