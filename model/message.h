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
#include <utility>

#include "model/rng.h"

namespace kafkasim {

class Message {
 public:
  virtual ~Message() = default;
  // Kafka's request or response name, e.g. "Produce", "FetchResponse".
  virtual std::string_view name() const = 0;
  // fnv1a64(name()), for the trace hash; an Envelope's is computed when it is compiled.
  virtual std::uint64_t name_hash() const { return fnv1a64(name()); }
  // Size on the wire, for rate-limited links.
  virtual std::size_t wire_bytes() const = 0;
  // The fields that matter, for the human-readable trace ("partition=orders-0 offset=41").
  virtual std::string describe() const { return {}; }
  // A response, or a server's notification (a ZooKeeper watch event): it goes back on the
  // connection its peer opened, and never opens one (a Kafka broker does not connect to its
  // clients to answer them).
  virtual bool answers_peer() const { return false; }
};

using MessagePtr = std::shared_ptr<const Message>;

// The message as its concrete type, or nullptr when it is another type.
template <class T>
const T* message_cast(const Message& message) {
  return typeid(message) == typeid(T) ? static_cast<const T*>(&message) : nullptr;
}

// A plain request or response struct of model/protocol carried as a Message. Body gives
// kName, wire_bytes() and describe().
template <class Body>
class Envelope final : public Message {
 public:
  explicit Envelope(Body b) : body(std::move(b)) {}
  std::string_view name() const override { return Body::kName; }
  std::uint64_t name_hash() const override { return kNameHash; }
  std::size_t wire_bytes() const override { return body.wire_bytes(); }
  std::string describe() const override { return body.describe(); }
  bool answers_peer() const override { return kAnswersPeer; }
  const Body body;

 private:
  static constexpr std::uint64_t kNameHash = fnv1a64(Body::kName);
  static constexpr bool kAnswersPeer =
      std::string_view(Body::kName).ends_with("Response") || requires { Body::kSentOnClientConnection; };
};

template <class Body>
MessagePtr make_message(Body body) {
  return std::make_shared<const Envelope<Body>>(std::move(body));
}

// The body of a message carrying a Body, or nullptr.
template <class Body>
const Body* body_cast(const Message& message) {
  const auto* envelope = message_cast<Envelope<Body>>(message);
  return envelope ? &envelope->body : nullptr;
}

}  // namespace kafkasim
