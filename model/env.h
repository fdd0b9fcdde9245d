// Env: the only door from model code to the world it runs in.
//
// Model code (Kafka: brokers, controller, clients) sees time, timers, the network, its disk,
// its random stream and the trace only through this interface, so it never learns whether it
// runs in the simulator. In the simulator every call is deterministic.
#pragma once

#include <cstdint>
#include <functional>

#include "model/message.h"
#include "model/probes.h"
#include "model/protocol/types.h"
#include "model/rng.h"
#include "model/trace_events.h"

namespace kafkasim {
namespace storage {
class Disk;
}

class Env;

// A timer set with Env::after. Copyable; cancelling a fired or cancelled timer does nothing.
class TimerHandle {
 public:
  TimerHandle() = default;
  TimerHandle(Env* env, std::uint64_t id) : env_(env), id_(id) {}
  void cancel();
  // True until the timer fires or is cancelled.
  bool pending() const;

 private:
  Env* env_ = nullptr;
  std::uint64_t id_ = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual NodeId self() const = 0;
  // This node's local clock: the world's time plus this node's clock skew.
  virtual SimTime now() const = 0;
  // This node's steady clock, which clock skew does not move (Java's System.nanoTime, on which
  // Kafka's timing wheel runs): the world's time.
  virtual SimTime steady_now() const = 0;
  // Runs `fn` on this node after `delay`, unless the node dies first or the timer is cancelled.
  virtual TimerHandle after(Duration delay, std::function<void()> fn) = 0;
  virtual void send(NodeId to, MessagePtr message) = 0;
  // This node closes its connection to `peer`, as Kafka's NetworkClient does when a request on
  // it timed out: what it sends to `peer` from now on, and what `peer` answers, go on a new
  // connection, which does not wait behind the old one's retransmissions. The peer is not
  // told (a Kafka server only forgets a connection its client closed).
  virtual void disconnect(NodeId peer) = 0;
  virtual storage::Disk& disk() = 0;
  // This node's own random stream.
  virtual Rng& rng() = 0;
  virtual void trace(ModelEvent event) = 0;
  // This node took one of the model's rare paths (model/probes.h): counted, not traced.
  virtual void probe(Probe probe) = 0;
  // The process exits at once (Java's Runtime.halt, as `kill -9`): nothing it does after this
  // call leaves it (no message, no trace event), and it is down when its handler returns.
  virtual void halt() = 0;

 private:
  friend class TimerHandle;
  virtual bool cancel_timer(std::uint64_t id) = 0;
  virtual bool timer_pending(std::uint64_t id) const = 0;
};

inline void TimerHandle::cancel() {
  if (env_ != nullptr) env_->cancel_timer(id_);
  env_ = nullptr;
}

inline bool TimerHandle::pending() const { return env_ != nullptr && env_->timer_pending(id_); }

}  // namespace kafkasim
