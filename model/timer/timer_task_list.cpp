#include "model/timer/timer_task_list.h"

namespace kafkasim::timer {

void TimerTask::cancel() {
  if (list_ == nullptr) return;
  TimerTaskList* list = list_;
  // Held until the end of this function: the bucket's reference may be the last one.
  const std::shared_ptr<TimerTask> hold = list->remove(this);
  if (TimerObserver* o = list->observer()) o->on_cancelled(*this);
}

TimerTaskList::~TimerTaskList() {
  for (std::shared_ptr<TimerTask>& task : slots_) {
    if (task) task->list_ = nullptr;
  }
  context_.pending -= size_;
}

void TimerTaskList::add(std::shared_ptr<TimerTask> task) {
  if (task->list_ != nullptr) task->list_->remove(task.get());
  task->list_ = this;
  task->slot_ = slots_.size();
  slots_.push_back(std::move(task));
  ++size_;
  ++context_.pending;
}

std::shared_ptr<TimerTask> TimerTaskList::remove(TimerTask* task) {
  if (task->list_ != this) return nullptr;
  task->list_ = nullptr;
  --size_;
  --context_.pending;
  std::shared_ptr<TimerTask> held = std::move(slots_[task->slot_]);
  // The last task out of a bucket that is not flushing leaves an array to reuse from the start.
  if (size_ == 0 && !flushing_) slots_.clear();
  return held;
}

void TimerTaskList::drop_flushed(std::size_t count) {
  if (slots_.size() == count) {
    slots_.clear();
    return;
  }
  // Tasks added to this bucket while it flushed move to the front.
  slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(count));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]) slots_[i]->slot_ = i;
  }
}

bool TimerTaskList::set_expiration(std::int64_t expiration_ms) {
  const bool changed = expiration_ms_ != expiration_ms;
  expiration_ms_ = expiration_ms;
  return changed;
}

}  // namespace kafkasim::timer
