// The events model code reports through Env::trace, and that the invariant checkers read.
//
// Each event is a plain struct with a name and a `fields` function that hands every field to
// a visitor. That one function is all the trace needs to hash an event, print it as a log line
// and write it as JSON, so adding an event means adding a struct here and to ModelEvent.
// Field values are integers, bools, strings, SimTime, Duration or strong ids.
#pragma once

#include <cstdint>
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

// Kafka's timer (model/timer): a task scheduled, run, or cancelled before it ran. `timer` names
// the timer ("Produce", "Fetch", ...); `task` is unique within it.
struct TimerScheduled {
  static constexpr std::string_view kName = "timer_scheduled";
  std::string_view timer;
  std::uint64_t task;
  std::int64_t deadline_ms;
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
    v("deadlineMs", deadline_ms);
  }
};

struct TimerFired {
  static constexpr std::string_view kName = "timer_fired";
  std::string_view timer;
  std::uint64_t task;
  std::int64_t deadline_ms;
  std::int64_t now_ms;  // the timer's clock when it ran
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
    v("deadlineMs", deadline_ms);
    v("nowMs", now_ms);
  }
};

struct TimerCancelled {
  static constexpr std::string_view kName = "timer_cancelled";
  std::string_view timer;
  std::uint64_t task;
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
  }
};

using ModelEvent = std::variant<Note, TimerScheduled, TimerFired, TimerCancelled>;

}  // namespace kafkasim
