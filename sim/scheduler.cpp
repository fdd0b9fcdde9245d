#include "sim/scheduler.h"

#include <cassert>
#include <string>

namespace kafkasim::sim {
namespace {

constexpr std::size_t kArity = 4;

EventId make_id(std::uint32_t slot, std::uint32_t generation) {
  return (static_cast<EventId>(generation) << 32) | slot;
}

}  // namespace

EventId Scheduler::at(SimTime time, Callback fn, OwnerId owner) {
  assert(time >= now_ && "an event cannot be scheduled in the past");
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    assert(slot <= kSlotMask && "more than 16M events pending at once");
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.owner = owner;
  s.live = true;
  ++live_events_;
  push(make_entry(time, slot));
  return make_id(slot, s.generation);
}

bool Scheduler::pending(EventId id) const {
  const auto slot = static_cast<std::uint32_t>(id);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  return slot < slots_.size() && slots_[slot].live && slots_[slot].generation == generation;
}

bool Scheduler::cancel(EventId id) {
  if (!pending(id)) return false;
  // The slot stays reserved: its heap entry is dropped when it reaches the top.
  Slot& s = slots_[static_cast<std::uint32_t>(id)];
  s.fn = nullptr;
  s.live = false;
  --live_events_;
  // Timeouts are mostly cancelled long before they are due (a request's answer comes in
  // milliseconds, its timeout waits 30 s), so without this the heap would be mostly dead
  // entries, and every push and pop would walk them.
  if (++cancelled_in_heap_ > kMinCancelledToDrop && cancelled_in_heap_ > heap_.size() / 2) drop_cancelled();
  return true;
}

void Scheduler::drop_cancelled() {
  std::erase_if(heap_, [this](const Entry& e) {
    if (slots_[slot_of(e)].live) return false;
    release_slot(slot_of(e));
    return true;
  });
  for (std::size_t i = heap_.size() / kArity + 1; i-- > 0;) {
    if (i < heap_.size()) sift_down(i, heap_[i]);
  }
  cancelled_in_heap_ = 0;
}

void Scheduler::release_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.fn = nullptr;
  s.live = false;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;  // 0 would make a valid id of 0
  free_slots_.push_back(slot);
}

void Scheduler::push(Entry e) {
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!earlier(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

Scheduler::Entry Scheduler::pop() {
  const Entry top = heap_.front();
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0, last);
  return top;
}

void Scheduler::sift_down(std::size_t i, Entry e) {
  const std::size_t n = heap_.size();
  while (true) {
    const std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + kArity < n ? first + kArity : n;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (earlier(heap_[c], heap_[best])) best = c;
    }
    if (!earlier(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void Scheduler::skip_stale() {
  while (!heap_.empty() && !slots_[slot_of(heap_.front())].live) {
    release_slot(slot_of(pop()));
    if (cancelled_in_heap_ > 0) --cancelled_in_heap_;
  }
}

bool Scheduler::step() {
  skip_stale();
  if (heap_.empty()) return false;
  const Entry e = pop();
  events_at_now_ = e.time == now_ ? events_at_now_ + 1 : 0;
  if (events_at_now_ >= kMaxEventsAtOneInstant) {
    throw TimeStalled(std::to_string(kMaxEventsAtOneInstant) + " events in a row at " +
                      std::to_string(now_.as_micros()) + " us without time moving: a livelock "
                      "(a retry without backoff? a message loop?)");
  }
  now_ = e.time;
  const std::uint32_t slot = slot_of(e);
  Slot& s = slots_[slot];
  if (s.owner != kNoOwner && gate_ != nullptr) {
    const EventGate::Decision d = gate_->admit(s.owner);
    if (d.admit == EventGate::Admit::hold) {
      if (held_.size() <= s.owner) held_.resize(s.owner + 1);
      held_[s.owner].push_back(e);
      return true;
    }
    if (d.admit == EventGate::Admit::defer && d.until > now_) {
      // Its place among events due then is the one it had: a busy node takes its messages in
      // the order they arrived, not behind those that arrived while it was busy.
      push(Entry{d.until, e.key});
      return true;
    }
  }
  if (events_run_ >= event_budget_) {
    throw EventBudgetExceeded("event budget of " + std::to_string(event_budget_) +
                              " events used up at " + std::to_string(now_.as_micros()) +
                              " us: the run does not converge (a timer rescheduling itself "
                              "without delay?)");
  }
  Callback fn = std::move(s.fn);
  release_slot(slot);
  --live_events_;
  ++events_run_;
  heap_size_sum_ += heap_.size();
  fn();
  return true;
}

void Scheduler::run_until(SimTime end) {
  while (true) {
    skip_stale();
    if (heap_.empty() || heap_.front().time > end) break;
    step();
  }
  if (end > now_) now_ = end;
}

bool Scheduler::run_until(const std::function<bool()>& done, SimTime limit) {
  while (!done()) {
    skip_stale();
    if (heap_.empty() || heap_.front().time > limit) return false;
    step();
  }
  return true;
}

void Scheduler::release(OwnerId owner) {
  if (owner >= held_.size()) return;
  std::vector<Entry> entries = std::move(held_[owner]);
  held_[owner].clear();
  for (const Entry& e : entries) {
    if (slots_[slot_of(e)].live) {
      push(Entry{now_, e.key});  // in the order they were scheduled, before anything newer
    } else {
      release_slot(slot_of(e));  // cancelled while held
    }
  }
}

}  // namespace kafkasim::sim
