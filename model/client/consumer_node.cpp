#include "model/client/consumer_node.h"

#include <algorithm>
#include <iterator>

namespace kafkasim::client {

ConsumerNode::~ConsumerNode() {
  next_.cancel();
  group_.reset();  // before the consumer it refers to
}

void ConsumerNode::start() {
  const std::int64_t delay_ms = std::max<std::int64_t>(0, workload_.start_ms - env_.now().as_micros() / 1000);
  next_ = env_.after(Duration::millis(delay_ms), [this] {
    consumer_ = std::make_unique<Consumer>(env_, config_, workload_.topics);
    if (!config_.group_id.empty()) group_ = std::make_unique<ConsumerCoordinator>(env_, *consumer_, workload_.topics);
    poll_once();
  });
}

void ConsumerNode::poll_once() {
  const std::int64_t now_ms = env_.now().as_micros() / 1000;
  if (workload_.duration_ms && now_ms >= workload_.start_ms + *workload_.duration_ms) {
    if (group_) group_->close();
    return;
  }
  if (group_ && group_->closed()) return;  // fenced: the application's poll threw
  if (group_) {
    group_->poll();
  } else if (consumer_->assignment().empty()) {
    // Assign mode: every partition of every topic, once metadata names them all.
    std::vector<TopicPartition> all;
    bool known = true;
    for (const std::string& topic : workload_.topics) {
      const auto count = consumer_->metadata().partition_count(topic);
      known = known && count.has_value();
      for (std::int32_t i = 0; count && i < *count; ++i) all.push_back(TopicPartition{topic, i});
    }
    if (known && !all.empty()) consumer_->assign(all);
  }
  std::vector<ConsumerRecord> records = consumer_->poll();
  if (group_ && !config_.enable_auto_commit && !records.empty()) group_->commit();
  if (workload_.keep_records) std::move(records.begin(), records.end(), std::back_inserter(received_));
  next_ = env_.after(Duration::millis(workload_.poll_interval_ms), [this] { poll_once(); });
}

void ConsumerNode::on_message(NodeId from, const MessagePtr& message) {
  if (!consumer_ || consumer_->handle(from, *message)) return;
  if (group_) group_->handle(from, *message);
}

void ConsumerNode::on_disconnect(NodeId peer) {
  if (consumer_) consumer_->on_disconnect(peer);  // and, through it, the group's coordinator client
}

}  // namespace kafkasim::client
