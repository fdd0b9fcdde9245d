#include "model/controller/controller_channel.h"

namespace kafkasim::controller {
namespace {
constexpr std::int64_t kReconnectBackoffMs = 100;
}  // namespace

void ControllerChannel::send(BrokerId broker, NodeId node, LeaderAndIsrRequest request) {
  request.correlation_id = ++correlation_id_;
  enqueue(broker, node, request.correlation_id, make_message(std::move(request)));
}

void ControllerChannel::send(BrokerId broker, NodeId node, UpdateMetadataRequest request) {
  request.correlation_id = ++correlation_id_;
  enqueue(broker, node, request.correlation_id, make_message(std::move(request)));
}

void ControllerChannel::enqueue(BrokerId broker, NodeId node, std::int32_t correlation_id, MessagePtr message) {
  Queue& queue = queues_.try_emplace(broker, Queue{node, {}, {}}).first->second;
  queue.requests.push_back(Queued{correlation_id, std::move(message)});
  if (queue.requests.size() == 1) send_front(queue);
}

void ControllerChannel::send_front(Queue& queue) {
  if (queue.requests.empty()) return;
  env_.send(queue.node, queue.requests.front().message);
  // Unanswered in time: as Kafka's RequestSendThread, close the connection and send again on a new one.
  queue.timeout = env_.after(Duration::millis(socket_timeout_ms_), [this, &queue] {
    env_.disconnect(queue.node);
    send_front(queue);
  });
}

bool ControllerChannel::handle(NodeId from, const Message& message) {
  if (const auto* r = body_cast<LeaderAndIsrResponse>(message)) {
    answered(from, r->correlation_id);
  } else if (const auto* u = body_cast<UpdateMetadataResponse>(message)) {
    answered(from, u->correlation_id);
  } else {
    return false;
  }
  return true;
}

void ControllerChannel::answered(NodeId from, std::int32_t correlation_id) {
  for (auto& [broker, queue] : queues_) {
    if (queue.node != from || queue.requests.empty() || queue.requests.front().correlation_id != correlation_id) continue;
    queue.timeout.cancel();
    queue.requests.pop_front();
    send_front(queue);
    return;
  }
}

void ControllerChannel::on_disconnect(NodeId node) {
  for (auto& entry : queues_) {
    auto& queue = entry.second;  // a plain reference: clang before 16 cannot capture a structured binding
    if (queue.node != node || queue.requests.empty()) continue;
    queue.timeout.cancel();
    queue.timeout = env_.after(Duration::millis(kReconnectBackoffMs), [this, &queue] { send_front(queue); });
  }
}

void ControllerChannel::remove(BrokerId broker) {
  auto it = queues_.find(broker);
  if (it == queues_.end()) return;
  it->second.timeout.cancel();
  queues_.erase(it);
}

void ControllerChannel::clear() {
  for (auto& [broker, queue] : queues_) queue.timeout.cancel();
  queues_.clear();
}

}  // namespace kafkasim::controller
