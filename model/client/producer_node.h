// A simulated producer process: a Producer fed by a steady load (a scenario's `producers`
// entry): targetMessagesPerSec records of valueBytes, keyed from keySpace keys (or keyless),
// from startMs, for durationMs or maxMessages.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/client/producer.h"
#include "model/node.h"

namespace kafkasim::client {

struct ProducerWorkload {
  TopicName topic;
  double messages_per_sec = 100;
  std::size_t value_bytes = 100;
  std::optional<std::int64_t> key_space = 64;  // nothing: records without keys
  std::int64_t start_ms = 0;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> max_messages;
};

class ProducerNode final : public Node {
 public:
  ProducerNode(Env& env, ProducerConfig config, ProducerWorkload workload)
      : env_(env), config_(std::move(config)), workload_(std::move(workload)) {}
  ~ProducerNode() override { next_.cancel(); }

  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;
  void on_disconnect(NodeId peer) override;
  Producer& producer() { return *producer_; }

 private:
  void produce_one();

  Env& env_;
  ProducerConfig config_;
  ProducerWorkload workload_;
  std::unique_ptr<Producer> producer_;
  std::int64_t produced_ = 0;
  TimerHandle next_;
};

}  // namespace kafkasim::client
