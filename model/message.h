// Messages between nodes: typed structs behind one small interface.
//
// A message is immutable once sent and travels as a shared pointer, so duplicating it on a
// lossy link or keeping it in a queue costs no copy of its payload.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

namespace kafkasim {

class Message {
 public:
  virtual ~Message() = default;
  // Kafka's request or response name, e.g. "Produce", "FetchResponse".
  virtual std::string_view name() const = 0;
  // Size on the wire, for rate-limited links.
  virtual std::size_t wire_bytes() const = 0;
  // The fields that matter, for the human-readable trace ("partition=orders-0 offset=41").
  virtual std::string describe() const { return {}; }
};

using MessagePtr = std::shared_ptr<const Message>;

// The message as its concrete type, or nullptr when it is another type.
template <class T>
const T* message_cast(const Message& message) {
  return typeid(message) == typeid(T) ? static_cast<const T*>(&message) : nullptr;
}

}  // namespace kafkasim
