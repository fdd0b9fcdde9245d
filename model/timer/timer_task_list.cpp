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
  while (root_.next_ != &root_) remove(root_.next_);
}

void TimerTaskList::add(std::shared_ptr<TimerTask> task) {
  if (task->list_ != nullptr) task->list_->remove(task.get());
  TimerTask* t = task.get();
  t->keep_alive_ = std::move(task);
  t->list_ = this;
  t->prev_ = root_.prev_;
  t->next_ = &root_;
  root_.prev_->next_ = t;
  root_.prev_ = t;
  ++size_;
  ++context_.pending;
}

std::shared_ptr<TimerTask> TimerTaskList::remove(TimerTask* task) {
  if (task->list_ != this) return nullptr;
  task->prev_->next_ = task->next_;
  task->next_->prev_ = task->prev_;
  task->prev_ = task->next_ = nullptr;
  task->list_ = nullptr;
  --size_;
  --context_.pending;
  return std::move(task->keep_alive_);
}

bool TimerTaskList::set_expiration(std::int64_t expiration_ms) {
  const bool changed = expiration_ms_ != expiration_ms;
  expiration_ms_ = expiration_ms;
  return changed;
}

}  // namespace kafkasim::timer
