// A bucket of a timing wheel: the tasks due in one tick's span, and the time the bucket expires
// (the start of its span).
//
// Kafka links a bucket's tasks in a doubly linked list, and cancelling unlinks a task. With a
// million timers pending, that costs a cache miss per task at every level a task passes
// through, which is most of the timer's time. Here a bucket holds slots, in the order the tasks
// were added, in a chain of fixed-size chunks: adding appends, and a flush walks the chain
// front to back. A slot carries the task's expiration, so a task moves down the wheels as its
// slot and is not touched until it runs. Cancelling is O(1) and touches only the task: it
// leaves the timer at once (it never runs, and no longer counts as pending), and its slot
// stays in its bucket, dead, until the bucket is flushed or the timer sweeps its buckets, which
// it does whenever dead slots outnumber pending tasks (so at most about half the slots are
// dead, and a sweep costs O(1) per cancel). The chunks come from a pool that every bucket of a
// timer shares, so a flushed bucket's memory serves the next bucket to fill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "model/timer/timer_task.h"

namespace kafkasim::timer {

class TimerObserver;

// What every bucket and pending task of one timer share: who to tell, and the counts.
struct TimerContext {
  TimerObserver* observer = nullptr;
  std::size_t pending = 0;     // tasks in the timer
  std::size_t dead_slots = 0;  // slots left behind by cancelled or re-added tasks
};

// A task's place in a bucket. The slot holds the reference that keeps the task alive.
struct TimerSlot {
  std::int64_t expiration_ms = 0;
  std::shared_ptr<TimerTask> task;
  std::uint32_t generation = 0;

  // Whether the task is still pending here (not run, cancelled or added again since).
  bool live() const { return task->generation_ == generation; }
};

// Room for 64 slots, of which the first `size` are made: a slot is constructed where it is
// added, so adding only writes memory (assigning over an empty slot would first read the line,
// often not in cache), and destroyed where it is taken out.
struct SlotChunk {
  static constexpr std::uint32_t kCapacity = 64;
  // Where slot i is made.
  TimerSlot* room(std::uint32_t i) { return reinterpret_cast<TimerSlot*>(storage) + i; }
  // Slot i, once made.
  TimerSlot& operator[](std::uint32_t i) { return *std::launder(room(i)); }

  alignas(TimerSlot) std::byte storage[kCapacity * sizeof(TimerSlot)];
  std::uint32_t size = 0;  // every chunk of a chain is full but its last
  SlotChunk* next = nullptr;
};

class SlotChunkPool {
 public:
  SlotChunkPool() = default;
  SlotChunkPool(const SlotChunkPool&) = delete;
  SlotChunkPool& operator=(const SlotChunkPool&) = delete;

  // An empty chunk, reused when one is free.
  SlotChunk* get();
  // Takes back a chain of chunks (none: nullptr) whose slots are empty.
  void put(SlotChunk* chain);

 private:
  std::vector<std::unique_ptr<SlotChunk>> owned_;
  SlotChunk* free_ = nullptr;  // a chain
};

class TimerTaskList {
 public:
  TimerTaskList(SlotChunkPool& pool, TimerContext& context) : pool_(pool), context_(context) {}
  TimerTaskList(const TimerTaskList&) = delete;
  TimerTaskList& operator=(const TimerTaskList&) = delete;
  // Tasks still pending leave the timer (they may outlive it), and the chunks go back.
  ~TimerTaskList();

  void add(TimerSlot&& slot) {
    if (tail_ == nullptr || tail_->size == SlotChunk::kCapacity) append_chunk();
    std::construct_at(tail_->room(tail_->size++), std::move(slot));
    // The line the next adds here write: a write to a line not in cache stalls the next atomic
    // operation (a task's reference count) until the line arrives.
    const std::size_t ahead = (tail_->size + 1) * sizeof(TimerSlot);
    if (ahead < sizeof(tail_->storage)) __builtin_prefetch(tail_->storage + ahead, 1);
  }

  // Takes out, in order, every slot the bucket holds when the flush starts and hands each to
  // `place`, which must empty it (move its task on, or drop it) and may add slots to any bucket
  // (this one included: they stay for a later flush). The tasks of slots that expire before
  // `runs_before_ms` are about to run: they are fetched a few slots ahead of `place`. The
  // bucket is then unset.
  template <class Place>
  void flush(Place&& place, std::int64_t runs_before_ms) {
    expiration_ms_ = -1;
    SlotChunk* const chain = head_;  // what `place` adds goes to a new chain
    head_ = tail_ = nullptr;
    Cursor lookahead{chain};
    for (std::uint32_t i = 0; i < kLookAhead && lookahead.chunk; ++i) prefetch_task(lookahead.next(), runs_before_ms);
    for (SlotChunk* chunk = chain; chunk != nullptr; chunk = chunk->next) {
      for (std::uint32_t i = 0; i < chunk->size; ++i) {
        prefetch_line(chunk->next, i);
        if (lookahead.chunk) prefetch_task(lookahead.next(), runs_before_ms);
        TimerSlot& slot = (*chunk)[i];
        place(slot);
        std::destroy_at(&slot);
      }
    }
    pool_.put(chain);
  }
  // Drops the dead slots, handing their task references to `dropped` (the caller lets them go
  // once no bucket is being rearranged); returns how many.
  std::size_t sweep(std::vector<std::shared_ptr<TimerTask>>& dropped);

  // Returns whether the expiration changed: a bucket is queued again only then.
  bool set_expiration(std::int64_t expiration_ms);
  std::int64_t expiration_ms() const { return expiration_ms_; }

 private:
  static constexpr std::uint32_t kLookAhead = 16;
  // A position in a chain; `chunk` is null past its end.
  struct Cursor {
    SlotChunk* chunk;
    std::uint32_t index = 0;
    const TimerSlot& next() {
      const TimerSlot& slot = (*chunk)[index];
      if (++index == chunk->size) {
        chunk = chunk->next;
        index = 0;
      }
      return slot;
    }
  };
  void append_chunk();
  // The prefetches are forced inline: GCC may take a function that only prefetches for one
  // without effects and drop the calls to it.
  //
  // Asks for the next chunk while this one is walked, a line for every other slot (all of it
  // by the end: two slots to a line, the header last): chunks are scattered in memory, which
  // the processor's own prefetcher cannot follow, and asking for a whole chunk at once fills
  // the queue of pending loads.
  [[gnu::always_inline]] static void prefetch_line(const SlotChunk* next, std::uint32_t slot) {
    static_assert(2 * sizeof(TimerSlot) == 64 && sizeof(SlotChunk) <= 64 * (SlotChunk::kCapacity / 2 + 1));
    if (next == nullptr || slot % 2 != 0) return;
    __builtin_prefetch(reinterpret_cast<const char*>(next) + slot * sizeof(TimerSlot));
    if (slot + 2 == SlotChunk::kCapacity) __builtin_prefetch(&next->next);
  }
  // Asks for what running a slot's task reads, if it is to run: the task's reference counts
  // (just before it when made with make_shared) and its first two lines. The slot keeps its
  // task alive, dead or not.
  [[gnu::always_inline]] static void prefetch_task(const TimerSlot& slot, std::int64_t runs_before_ms) {
    if (slot.expiration_ms >= runs_before_ms) return;
    const auto at = reinterpret_cast<std::uintptr_t>(slot.task.get());
    __builtin_prefetch(reinterpret_cast<const void*>(at - 16));
    __builtin_prefetch(reinterpret_cast<const void*>(at));
    __builtin_prefetch(reinterpret_cast<const void*>(at + 64));
  }

  SlotChunkPool& pool_;
  TimerContext& context_;
  SlotChunk* head_ = nullptr;
  SlotChunk* tail_ = nullptr;
  std::int64_t expiration_ms_ = -1;
};

// Told of every task scheduled, run and cancelled (the trace, for the timer checker).
class TimerObserver {
 public:
  virtual void on_scheduled(const TimerTask& task, std::int64_t now_ms) = 0;
  virtual void on_run(const TimerTask& task, std::int64_t now_ms) = 0;
  virtual void on_cancelled(const TimerTask& task) = 0;

 protected:
  ~TimerObserver() = default;
};

}  // namespace kafkasim::timer
