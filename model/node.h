// A simulated process: broker, controller, coordination store, producer, consumer.
#pragma once

#include "model/message.h"
#include "model/protocol/types.h"

namespace kafkasim {

// A node reacts to messages and to its own timers, and nothing else. Handlers are short and
// never block. A crash destroys the object; a restart builds a new one on the same Env and
// disk, which must recover from what the disk holds, as a real process does.
class Node {
 public:
  virtual ~Node() = default;
  // Called once after construction, on first boot and after every restart.
  virtual void start() = 0;
  virtual void on_message(NodeId from, const MessagePtr& message) = 0;
  // The connection to `peer` closed under it (the peer's process exited, or its host refused a
  // message): what was in flight to the peer will never be answered. Kafka's NetworkClient
  // fails those requests at once, as it would at their request timeout.
  virtual void on_disconnect(NodeId peer) { (void)peer; }
};

}  // namespace kafkasim
