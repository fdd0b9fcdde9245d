// A topic's name, interned: every TopicName with the same text refers to one stored copy, so
// copying a name copies a pointer and telling two names apart compares pointers. Partitions
// are map keys all over the model (a broker's partitions, a client's metadata, a fetch
// session), and comparing their topic strings character by character was a measurable part
// of every request.
//
// Order is the names' alphabetical order, never their addresses', so a map keyed by names
// iterates the same way in every run and every process.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace kafkasim {

class TopicName {
 public:
  TopicName();  // the empty name
  TopicName(std::string_view name);  // NOLINT(google-explicit-constructor): a name is its text
  TopicName(const std::string& name) : TopicName(std::string_view(name)) {}  // NOLINT
  TopicName(const char* name) : TopicName(std::string_view(name)) {}         // NOLINT

  const std::string& str() const { return *text_; }
  operator const std::string&() const { return *text_; }  // NOLINT: usable wherever text is
  bool empty() const { return text_->empty(); }

  friend bool operator==(TopicName a, TopicName b) { return a.text_ == b.text_; }
  friend bool operator==(TopicName a, const std::string& b) { return *a.text_ == b; }
  friend bool operator==(TopicName a, const char* b) { return *a.text_ == b; }
  friend std::strong_ordering operator<=>(TopicName a, TopicName b) {
    if (a.text_ == b.text_) return std::strong_ordering::equal;
    return *a.text_ <=> *b.text_;
  }

 private:
  const std::string* text_;  // the interned copy, alive until the process ends
};

}  // namespace kafkasim
