// Time and the strong id types shared by every part of the model.
//
// Time is an integer count of microseconds, never floating point, so that the same seed
// gives the same run on every machine. Kafka's quantities get their own types, so that an
// offset can never be passed where a leader epoch is expected.
#pragma once

#include <charconv>
#include <compare>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <limits>
#include <string>

#include "model/protocol/topic_name.h"

namespace kafkasim {

// A span of simulated time, in microseconds.
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration micros(std::int64_t us) { return Duration(us); }
  static constexpr Duration millis(std::int64_t ms) { return Duration(ms * 1000); }
  static constexpr Duration seconds(std::int64_t s) { return Duration(s * 1000000); }
  static constexpr Duration zero() { return Duration(0); }
  static constexpr Duration max() { return Duration(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t as_micros() const { return us_; }
  constexpr std::int64_t as_millis() const { return us_ / 1000; }

  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(us_ * k); }
  constexpr Duration operator/(std::int64_t k) const { return Duration(us_ / k); }
  constexpr Duration& operator+=(Duration o) { us_ += o.us_; return *this; }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(std::int64_t us) : us_(us) {}
  std::int64_t us_ = 0;
};

// A point on a clock, in microseconds since the start of the run.
class SimTime {
 public:
  constexpr SimTime() = default;
  static constexpr SimTime from_micros(std::int64_t us) { return SimTime(us); }
  static constexpr SimTime from_millis(std::int64_t ms) { return SimTime(ms * 1000); }
  static constexpr SimTime zero() { return SimTime(0); }
  static constexpr SimTime max() { return SimTime(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t as_micros() const { return us_; }
  constexpr std::int64_t as_millis() const { return us_ / 1000; }

  constexpr SimTime operator+(Duration d) const { return SimTime(us_ + d.as_micros()); }
  constexpr SimTime operator-(Duration d) const { return SimTime(us_ - d.as_micros()); }
  constexpr Duration operator-(SimTime o) const { return Duration::micros(us_ - o.us_); }
  constexpr SimTime& operator+=(Duration d) { us_ += d.as_micros(); return *this; }
  constexpr auto operator<=>(const SimTime&) const = default;

 private:
  constexpr explicit SimTime(std::int64_t us) : us_(us) {}
  std::int64_t us_ = 0;
};

// An integer that means one thing: Tag keeps ids of different kinds apart.
template <class Tag, class Rep>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  Rep v_{};
};

template <class T>
struct IsStrongId : std::false_type {};
template <class Tag, class Rep>
struct IsStrongId<StrongId<Tag, Rep>> : std::true_type {};

// A simulated process: broker, controller, coordination store, client. Dense, from 0.
using NodeId = StrongId<struct NodeIdTag, std::uint32_t>;
// Kafka's broker.id, from 1.
using BrokerId = StrongId<struct BrokerIdTag, std::int32_t>;
using PartitionId = StrongId<struct PartitionIdTag, std::int32_t>;
using Offset = StrongId<struct OffsetTag, std::int64_t>;
using LeaderEpoch = StrongId<struct LeaderEpochTag, std::int32_t>;
using ControllerEpoch = StrongId<struct ControllerEpochTag, std::int32_t>;
using ProducerId = StrongId<struct ProducerIdTag, std::int64_t>;
using Generation = StrongId<struct GenerationTag, std::int32_t>;

// A partition of a topic, named as Kafka names it: "orders-0".
struct TopicPartition {
  TopicName topic;
  std::int32_t partition = 0;
  std::string str() const {
    char number[12];
    const auto digits = static_cast<std::size_t>(std::to_chars(number, number + sizeof number, partition).ptr - number);
    std::string out;
    out.reserve(topic.str().size() + 1 + digits);
    return out.append(topic.str()).append(1, '-').append(number, digits);
  }
  auto operator<=>(const TopicPartition&) const = default;
};

}  // namespace kafkasim

template <class Tag, class Rep>
struct std::hash<kafkasim::StrongId<Tag, Rep>> {
  std::size_t operator()(kafkasim::StrongId<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
