#include "model/timer/timer_task_list.h"

namespace kafkasim::timer {

void TimerTask::cancel() {
  if (timer_ == nullptr) return;
  TimerObserver* observer = timer_->observer;
  withdraw();
  if (observer) observer->on_cancelled(*this);
}

void TimerTask::withdraw() {
  // The slot stays behind, dead, holding the task until the slot is dropped.
  --timer_->pending;
  ++timer_->dead_slots;
  timer_ = nullptr;
  ++generation_;
}

SlotChunk* SlotChunkPool::get() {
  if (free_ == nullptr) {
    owned_.push_back(std::make_unique<SlotChunk>());
    return owned_.back().get();
  }
  SlotChunk* chunk = free_;
  free_ = chunk->next;
  if (free_ != nullptr) __builtin_prefetch(&free_->next);  // for the next get(): free chunks are cold
  chunk->next = nullptr;
  chunk->size = 0;
  return chunk;
}

void SlotChunkPool::put(SlotChunk* chain) {
  while (chain != nullptr) {
    SlotChunk* next = chain->next;
    chain->next = free_;
    free_ = chain;
    chain = next;
  }
}

TimerTaskList::~TimerTaskList() {
  for (SlotChunk* chunk = head_; chunk != nullptr; chunk = chunk->next) {
    for (std::uint32_t i = 0; i < chunk->size; ++i) {
      TimerSlot& slot = (*chunk)[i];
      if (slot.live()) {
        slot.task->timer_ = nullptr;
        --context_.pending;
      } else {
        --context_.dead_slots;
      }
      std::destroy_at(&slot);
    }
  }
  pool_.put(head_);
}

void TimerTaskList::append_chunk() {
  SlotChunk* chunk = pool_.get();
  if (tail_ == nullptr) {
    head_ = chunk;
  } else {
    tail_->next = chunk;
  }
  tail_ = chunk;
}

std::size_t TimerTaskList::sweep(std::vector<std::shared_ptr<TimerTask>>& dropped) {
  // Compacts in place: live slots move toward the front, never past the one being read.
  const std::size_t dropped_before = dropped.size();
  SlotChunk* write = head_;
  std::uint32_t written = 0;
  for (SlotChunk* read = head_; read != nullptr; read = read->next) {
    for (std::uint32_t i = 0; i < read->size; ++i) {
      TimerSlot& slot = (*read)[i];
      if (!slot.live()) {
        dropped.push_back(std::move(slot.task));
        std::destroy_at(&slot);
        continue;
      }
      if (written == SlotChunk::kCapacity) {
        write = write->next;
        written = 0;
      }
      // Every place before this one is either kept or already destroyed.
      TimerSlot* to = write->room(written++);
      if (to != &slot) {
        std::construct_at(to, std::move(slot));
        std::destroy_at(&slot);
      }
    }
  }
  if (written == 0) {  // nothing lives
    pool_.put(head_);
    head_ = tail_ = nullptr;
  } else {
    write->size = written;
    pool_.put(write->next);
    write->next = nullptr;
    tail_ = write;
  }
  return dropped.size() - dropped_before;
}

bool TimerTaskList::set_expiration(std::int64_t expiration_ms) {
  const bool changed = expiration_ms_ != expiration_ms;
  expiration_ms_ = expiration_ms;
  return changed;
}

}  // namespace kafkasim::timer
