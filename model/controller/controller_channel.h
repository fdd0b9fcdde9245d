// The controller's requests to the brokers (LeaderAndIsr, UpdateMetadata), as Kafka's
// ControllerChannelManager sends them: one queue per broker, one request in flight at a time,
// the next leaving when the broker answers. A request left unanswered for the socket timeout
// (its connection broke: a network partition, a lost message) is sent again, so that a broker
// cut off for a moment still learns what the controller decided meanwhile. A broker's queue
// goes when the broker does; a resigning controller drops them all. A broker whose connection
// closed is tried again after a short backoff.
#pragma once

#include <deque>
#include <map>

#include "model/env.h"
#include "model/message.h"
#include "model/protocol/metadata.h"
#include "model/protocol/requests.h"

namespace kafkasim::controller {

class ControllerChannel {
 public:
  ControllerChannel(Env& env, std::int64_t socket_timeout_ms) : env_(env), socket_timeout_ms_(socket_timeout_ms) {}
  ~ControllerChannel() { clear(); }
  ControllerChannel(const ControllerChannel&) = delete;
  ControllerChannel& operator=(const ControllerChannel&) = delete;

  void send(BrokerId broker, NodeId node, LeaderAndIsrRequest request);
  void send(BrokerId broker, NodeId node, UpdateMetadataRequest request);
  // A broker's answer to the request in flight to it; true for every answer of either kind.
  bool handle(NodeId from, const Message& message);
  // The connection to `node` closed: the request in flight there goes again in 100 ms (Kafka's
  // RequestSendThread backs off that long before it tries the broker again).
  void on_disconnect(NodeId node);
  // The broker is gone: what was queued for it is dropped.
  void remove(BrokerId broker);
  void clear();

 private:
  struct Queued {
    std::int32_t correlation_id;
    MessagePtr message;
  };
  struct Queue {
    NodeId node;
    std::deque<Queued> requests;  // the front one is in flight
    TimerHandle timeout;
  };
  void enqueue(BrokerId broker, NodeId node, std::int32_t correlation_id, MessagePtr message);
  void send_front(Queue& queue);
  void answered(NodeId from, std::int32_t correlation_id);

  Env& env_;
  std::int64_t socket_timeout_ms_;
  std::int32_t correlation_id_ = 0;
  std::map<BrokerId, Queue> queues_;
};

}  // namespace kafkasim::controller
