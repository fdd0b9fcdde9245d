// Kafka's error codes, as far as the simulated protocol uses them.
#pragma once

#include <cstdint>
#include <string_view>

namespace kafkasim {

enum class Errors : std::int16_t {
  NONE = 0,
  OFFSET_OUT_OF_RANGE = 1,
  CORRUPT_MESSAGE = 2,
  UNKNOWN_TOPIC_OR_PARTITION = 3,
  NOT_LEADER_OR_FOLLOWER = 6,
  REQUEST_TIMED_OUT = 7,
  STALE_CONTROLLER_EPOCH = 11,
  INVALID_REQUEST = 42,
  NOT_ENOUGH_REPLICAS = 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
  OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
  DUPLICATE_SEQUENCE_NUMBER = 46,
  KAFKA_STORAGE_ERROR = 56,
  FENCED_LEADER_EPOCH = 74,
  UNKNOWN_LEADER_EPOCH = 75,
  STALE_BROKER_EPOCH = 77,
  INVALID_PRODUCER_EPOCH = 90,
  INVALID_UPDATE_VERSION = 95,
};

constexpr std::string_view error_name(Errors e) {
  switch (e) {
    case Errors::NONE: return "NONE";
    case Errors::OFFSET_OUT_OF_RANGE: return "OFFSET_OUT_OF_RANGE";
    case Errors::CORRUPT_MESSAGE: return "CORRUPT_MESSAGE";
    case Errors::UNKNOWN_TOPIC_OR_PARTITION: return "UNKNOWN_TOPIC_OR_PARTITION";
    case Errors::NOT_LEADER_OR_FOLLOWER: return "NOT_LEADER_OR_FOLLOWER";
    case Errors::REQUEST_TIMED_OUT: return "REQUEST_TIMED_OUT";
    case Errors::STALE_CONTROLLER_EPOCH: return "STALE_CONTROLLER_EPOCH";
    case Errors::INVALID_REQUEST: return "INVALID_REQUEST";
    case Errors::NOT_ENOUGH_REPLICAS: return "NOT_ENOUGH_REPLICAS";
    case Errors::NOT_ENOUGH_REPLICAS_AFTER_APPEND: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case Errors::OUT_OF_ORDER_SEQUENCE_NUMBER: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case Errors::DUPLICATE_SEQUENCE_NUMBER: return "DUPLICATE_SEQUENCE_NUMBER";
    case Errors::KAFKA_STORAGE_ERROR: return "KAFKA_STORAGE_ERROR";
    case Errors::FENCED_LEADER_EPOCH: return "FENCED_LEADER_EPOCH";
    case Errors::UNKNOWN_LEADER_EPOCH: return "UNKNOWN_LEADER_EPOCH";
    case Errors::STALE_BROKER_EPOCH: return "STALE_BROKER_EPOCH";
    case Errors::INVALID_PRODUCER_EPOCH: return "INVALID_PRODUCER_EPOCH";
    case Errors::INVALID_UPDATE_VERSION: return "INVALID_UPDATE_VERSION";
  }
  return "UNKNOWN_SERVER_ERROR";
}

}  // namespace kafkasim
