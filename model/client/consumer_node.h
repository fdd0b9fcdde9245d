// A simulated consumer process (a scenario's `consumers` entry). Without a group id it
// assigns itself every partition of its topics once metadata names them; with one it is a
// group member and consumes what the group assigns it, committing offsets automatically
// (enable.auto.commit) or after every poll that returned records, as an application that
// commits what it processed. It polls every poll interval from startMs, for durationMs, and
// then closes (a group member leaves its group).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/client/consumer.h"
#include "model/client/consumer_coordinator.h"
#include "model/node.h"

namespace kafkasim::client {

struct ConsumerWorkload {
  std::vector<std::string> topics;
  std::int64_t start_ms = 0;
  std::optional<std::int64_t> duration_ms;
  std::int64_t poll_interval_ms = 20;  // how often the application calls poll()
  // Keep every polled record for received(). Off in scenarios: the checkers follow consumption
  // in the trace, and a busy run's records would otherwise pile up for nobody.
  bool keep_records = false;
};

class ConsumerNode final : public Node {
 public:
  ConsumerNode(Env& env, ConsumerConfig config, ConsumerWorkload workload)
      : env_(env), config_(std::move(config)), workload_(std::move(workload)) {}
  ~ConsumerNode() override;

  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;
  void on_disconnect(NodeId peer) override;
  Consumer& consumer() { return *consumer_; }
  // Every record polled so far, in poll order, when the workload keeps them.
  const std::vector<ConsumerRecord>& received() const { return received_; }

 private:
  void poll_once();

  Env& env_;
  ConsumerConfig config_;
  ConsumerWorkload workload_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<ConsumerCoordinator> group_;  // with a group id only
  std::vector<ConsumerRecord> received_;
  TimerHandle next_;
};

}  // namespace kafkasim::client
