// The one clock of a run: events ordered by (time, sequence number).
//
// The sequence number is the order in which events were scheduled, so two events at the
// same time run in the order they were made, never in heap or hash order. Events may belong
// to an owner (a node); an EventGate then decides whether an owned event runs now, waits
// until its owner is free (a node busy on its disk), or is held (a paused process) until
// `release(owner)`. A held or deferred event keeps its EventId, so it can still be cancelled.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "model/protocol/types.h"

namespace kafkasim::sim {

using Callback = std::function<void()>;
// 0 is never a valid id.
using EventId = std::uint64_t;
using OwnerId = std::uint32_t;
inline constexpr OwnerId kNoOwner = UINT32_MAX;

class EventGate {
 public:
  enum class Admit { run, defer, hold };
  struct Decision {
    Admit admit = Admit::run;
    SimTime until;  // for defer
  };
  virtual Decision admit(OwnerId owner) = 0;

 protected:
  ~EventGate() = default;
};

// Thrown when a run executes more events than its budget: a runaway run, for example a
// timer that keeps rescheduling itself with no delay.
class EventBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when simulated time stops moving: this many events in a row at one instant is a
// livelock (a retry without backoff, a message loop between nodes), never a busy cluster.
inline constexpr std::uint64_t kMaxEventsAtOneInstant = 1'000'000;
class TimeStalled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Scheduler {
 public:
  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  SimTime now() const { return now_; }

  // Schedules `fn` at `time`, which must not be in the past.
  EventId at(SimTime time, Callback fn, OwnerId owner = kNoOwner);
  EventId after(Duration delay, Callback fn, OwnerId owner = kNoOwner) {
    return at(now_ + delay, std::move(fn), owner);
  }
  // True when the event was pending and now never runs.
  bool cancel(EventId id);
  bool pending(EventId id) const;

  // Takes the next event, if any, and runs it, or defers or holds it as the gate decides.
  // False when there is nothing left.
  bool step();
  // Runs every event at or before `end`, then sets the clock to `end`.
  void run_until(SimTime end);
  // Runs events until `done()` holds (checked before each event) or the next event lies
  // after `limit`. Returns whether `done()` held.
  bool run_until(const std::function<bool()>& done, SimTime limit);

  void set_gate(EventGate* gate) { gate_ = gate; }
  // Held events of `owner` run again from now, in the order they were first due.
  void release(OwnerId owner);

  // Stops a run after this many executed events (default: unlimited).
  void set_event_budget(std::uint64_t max_events) { event_budget_ = max_events; }
  std::uint64_t events_run() const { return events_run_; }
  // Events scheduled and not yet run or cancelled (held ones included).
  std::size_t pending_count() const { return live_events_; }
  // The heap's mean size (entries pending, cancelled ones not yet dropped) over the events run:
  // what a bare loop must hold pending to be compared with this run (`kafkasim bench sim`).
  double mean_heap_size() const {
    return events_run_ == 0 ? 0.0 : static_cast<double>(heap_size_sum_) / static_cast<double>(events_run_);
  }

 private:
  // 16 bytes, so that the 4 children of a heap node share a cache line or two: at a million
  // pending events the heap is far larger than the caches, and misses set the pace.
  struct Entry {
    SimTime time;
    std::uint64_t key;  // sequence number << kSlotBits | slot: orders ties by sequence number
  };
  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  // A slot is reserved from `at` until its entry leaves the heap (or the held list), even when
  // cancelled earlier, so an entry never meets a reused slot and needs no generation.
  struct Slot {
    Callback fn;
    std::uint32_t generation = 1;
    OwnerId owner = kNoOwner;
    bool live = false;  // scheduled and neither run nor cancelled
  };

  static bool earlier(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.key < b.key);
  }
  static std::uint32_t slot_of(const Entry& e) { return static_cast<std::uint32_t>(e.key & kSlotMask); }
  Entry make_entry(SimTime time, std::uint32_t slot) { return Entry{time, next_seq_++ << kSlotBits | slot}; }
  void push(Entry e);
  Entry pop();
  // Puts `e` at `i` or below, moving smaller children up.
  void sift_down(std::size_t i, Entry e);
  // Takes every cancelled entry out of the heap at once, and rebuilds it.
  void drop_cancelled();
  // Below this, cancelled entries just wait to reach the top.
  static constexpr std::size_t kMinCancelledToDrop = 1024;
  void release_slot(std::uint32_t slot);
  // Drops cancelled entries from the top, so heap_.front() is a live event.
  void skip_stale();

  SimTime now_;
  std::uint64_t next_seq_ = 0;
  std::vector<Entry> heap_;  // 4-ary min-heap on (time, seq)
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::vector<Entry>> held_;  // by owner
  std::size_t live_events_ = 0;
  std::size_t cancelled_in_heap_ = 0;  // an estimate: cancels of held events count too
  EventGate* gate_ = nullptr;
  std::uint64_t events_run_ = 0;
  std::uint64_t heap_size_sum_ = 0;
  std::uint64_t event_budget_ = UINT64_MAX;
  std::uint64_t events_at_now_ = 0;  // run in a row without time moving
};

}  // namespace kafkasim::sim
