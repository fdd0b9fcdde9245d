#include "model/client/producer_node.h"

namespace kafkasim::client {

void ProducerNode::start() {
  producer_ = std::make_unique<Producer>(env_, config_, std::vector<std::string>{workload_.topic});
  const std::int64_t delay_ms = std::max<std::int64_t>(0, workload_.start_ms - env_.now().as_micros() / 1000);
  next_ = env_.after(Duration::millis(delay_ms), [this] { produce_one(); });
}

void ProducerNode::produce_one() {
  const std::int64_t now_ms = env_.now().as_micros() / 1000;
  if (workload_.max_messages && produced_ >= *workload_.max_messages) return;
  if (workload_.duration_ms && now_ms >= workload_.start_ms + *workload_.duration_ms) return;
  std::optional<std::string> key;
  if (workload_.key_space) key = std::string("key-").append(std::to_string(env_.rng().below(static_cast<std::uint64_t>(*workload_.key_space))));
  producer_->send(workload_.topic, std::move(key), std::string(workload_.value_bytes, 'v'));
  ++produced_;
  const auto interval_us = static_cast<std::int64_t>(1e6 / workload_.messages_per_sec);
  next_ = env_.after(Duration::micros(std::max<std::int64_t>(1, interval_us)), [this] { produce_one(); });
}

void ProducerNode::on_message(NodeId from, const MessagePtr& message) {
  if (producer_) producer_->handle(from, *message);
}

void ProducerNode::on_disconnect(NodeId peer) {
  if (producer_) producer_->on_disconnect(peer);
}

}  // namespace kafkasim::client
