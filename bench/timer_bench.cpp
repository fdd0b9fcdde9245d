#include "bench/timer_bench.h"

#include <chrono>
#include <memory>
#include <queue>
#include <vector>

#include "model/rng.h"
#include "model/timer/system_timer.h"

namespace kafkasim::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Shared {
  Rng rng{1};
  std::int64_t now = 0;
  std::uint64_t fired = 0;
  std::int64_t max_delay_ms = 0;
  bool rearm = true;  // a fired timer is set again
};

// Sets itself again when it fires.
class Rearming final : public timer::TimerTask, public std::enable_shared_from_this<Rearming> {
 public:
  Rearming(timer::SystemTimer& t, Shared& s) : TimerTask(0), timer_(t), shared_(s) {}
  void arm() {
    set_delay_ms(shared_.rng.uniform_int(1, shared_.max_delay_ms));
    timer_.add(shared_from_this(), shared_.now);
  }
  void run() override {
    ++shared_.fired;
    if (shared_.rearm) arm();
  }

 private:
  timer::SystemTimer& timer_;
  Shared& shared_;
};

// The same tasks on a timer built on std::priority_queue: entries refer to the task, and a
// popped task runs, then is set again.
class HeapTimer {
 public:
  struct Task {
    std::int64_t delay_ms = 0;
    virtual ~Task() = default;
    virtual void run() = 0;
  };
  void add(const std::shared_ptr<Task>& task, std::int64_t now) { queue_.push({now + task->delay_ms, seq_++, task}); }
  void advance_clock(std::int64_t now) {
    while (!queue_.empty() && queue_.top().deadline <= now) {
      std::shared_ptr<Task> task = queue_.top().task;
      queue_.pop();
      task->run();
    }
  }

 private:
  struct Entry {
    std::int64_t deadline;
    std::uint64_t seq;
    std::shared_ptr<Task> task;
    bool operator>(const Entry& other) const {
      return deadline > other.deadline || (deadline == other.deadline && seq > other.seq);
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
};

class HeapRearming final : public HeapTimer::Task, public std::enable_shared_from_this<HeapRearming> {
 public:
  HeapRearming(HeapTimer& t, Shared& s) : timer_(t), shared_(s) {}
  void arm() {
    delay_ms = shared_.rng.uniform_int(1, shared_.max_delay_ms);
    timer_.add(shared_from_this(), shared_.now);
  }
  void run() override {
    ++shared_.fired;
    if (shared_.rearm) arm();
  }

 private:
  HeapTimer& timer_;
  Shared& shared_;
};

// Arms `pending` tasks on the timer, then times how fast it fires (and re-arms) `fires` of them.
template <class Task, class Timer>
double measure_steady(const TimerBenchOptions& o, Timer& timer) {
  Shared s;
  s.rng = Rng(o.seed);
  s.max_delay_ms = o.max_delay_ms;
  std::vector<std::shared_ptr<Task>> tasks;
  tasks.reserve(o.pending);
  for (std::uint64_t i = 0; i < o.pending; ++i) {
    tasks.push_back(std::make_shared<Task>(timer, s));
    tasks.back()->arm();
  }
  const auto start = Clock::now();
  while (s.fired < o.fires) timer.advance_clock(++s.now);
  return static_cast<double>(s.fired) / seconds_since(start);
}

// Times adding `pending` tasks (made beforehand) and running the clock until every one fired.
// A first round, untimed, warms the timer as a long-running broker's is: its arrays have grown
// and their memory is mapped, so the timed rounds measure the timer, not the kernel's page
// faults (which a fresh timer takes for every new page, and which made a cold round's figures
// swing by a third between runs on this VM). The fastest of three timed rounds counts: this
// VM slows down for seconds at a time.
template <class Task, class Timer>
double measure_insert_expire(const TimerBenchOptions& o, Timer& timer) {
  Shared s;
  s.rng = Rng(o.seed);
  s.max_delay_ms = o.max_delay_ms;
  s.rearm = false;
  std::vector<std::shared_ptr<Task>> tasks;
  tasks.reserve(o.pending);
  for (std::uint64_t i = 0; i < o.pending; ++i) tasks.push_back(std::make_shared<Task>(timer, s));
  const auto insert_expire = [&] {
    s.fired = 0;
    for (const auto& task : tasks) task->arm();
    while (s.fired < o.pending) timer.advance_clock(++s.now);
  };
  insert_expire();
  double fastest = 0;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    insert_expire();
    const double seconds = seconds_since(start);
    if (round == 0 || seconds < fastest) fastest = seconds;
  }
  return static_cast<double>(o.pending) / fastest;
}

template <class Measure>
TimerWorkloadResult measure_workload(const TimerBenchOptions& o, Measure&& measure) {
  TimerWorkloadResult r;
  {
    HeapTimer heap;
    r.heap_ops_per_sec = measure(heap, static_cast<HeapRearming*>(nullptr));
  }
  {
    timer::SystemTimer wheel(0, 1, o.wheel_size);
    r.wheel_ops_per_sec = measure(wheel, static_cast<Rearming*>(nullptr));
  }
  {
    timer::SystemTimer wide(0, 1, kWideWheelSize);
    r.wide_wheel_ops_per_sec = measure(wide, static_cast<Rearming*>(nullptr));
  }
  return r;
}

}  // namespace

TimerBenchResult run_timer_bench(const TimerBenchOptions& options) {
  TimerBenchResult r;
  r.steady = measure_workload(options, [&]<class Timer, class Task>(Timer& t, Task*) {
    return measure_steady<Task>(options, t);
  });
  r.insert_expire = measure_workload(options, [&]<class Timer, class Task>(Timer& t, Task*) {
    return measure_insert_expire<Task>(options, t);
  });
  return r;
}

}  // namespace kafkasim::bench
