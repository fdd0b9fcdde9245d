// Kafka's timing wheel, SystemTimer and purgatory, in the style of Kafka's TimerTest.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <map>
#include <set>

#include "model/timer/delayed_operation.h"
#include "sim/world.h"
#include "test_support.h"

using namespace kafkasim;
using namespace kafkasim::timer;

namespace {

// Records, for every task label, the times at which it ran, and the order of all runs.
struct Runs {
  std::map<int, std::vector<std::int64_t>> at;
  std::vector<std::pair<std::int64_t, int>> order;  // (time, label)
  std::int64_t* clock = nullptr;
};

class RecordingTask final : public TimerTask {
 public:
  RecordingTask(std::int64_t delay_ms, int label, Runs& runs) : TimerTask(delay_ms), label_(label), runs_(runs) {}
  void run() override {
    runs_.at[label_].push_back(*runs_.clock);
    runs_.order.emplace_back(*runs_.clock, label_);
  }
  int label() const { return label_; }

 private:
  int label_;
  Runs& runs_;
};

// The setup most tests share: a timer started at 0, and the record of what its tasks ran.
struct TimerAtZero {
  std::int64_t now = 0;
  Runs runs{{}, {}, &now};
  SystemTimer timer{now};
};

}  // namespace

TEST_CASE("Timer: a task already due runs at once", "[timer]") {
  std::int64_t now = 1000;
  Runs runs;
  runs.clock = &now;
  SystemTimer timer(now);
  timer.add(std::make_shared<RecordingTask>(0, 1, runs), now);
  timer.add(std::make_shared<RecordingTask>(-5, 2, runs), now);
  CHECK(runs.at[1] == std::vector<std::int64_t>{1000});
  CHECK(runs.at[2] == std::vector<std::int64_t>{1000});
  CHECK(timer.size() == 0);
}

TEST_CASE("Timer: thousands of tasks over several wheels fire once, on time, in deadline order", "[timer]") {
  // Kafka's 20 slots, a power of two (bucket arithmetic by shifts) and an odd size.
  const int wheel_size = GENERATE(20, 256, 7);
  CAPTURE(wheel_size);
  std::int64_t now = 0;
  Runs runs;
  runs.clock = &now;
  SystemTimer timer(now, 1, wheel_size);
  Rng rng(7);
  std::map<int, std::int64_t> deadline;
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t delay = rng.uniform_int(1, 200'000);  // up to the fifth wheel (span 3.2M ms)
    deadline[i] = delay;
    timer.add(std::make_shared<RecordingTask>(delay, i, runs), now);
  }
  CHECK(timer.size() == 5000);
  if (wheel_size == 20) CHECK(timer.wheel().overflow()->overflow()->overflow()->overflow() != nullptr);
  for (now = 1; now <= 200'000; ++now) timer.advance_clock(now);
  CHECK(timer.size() == 0);
  REQUIRE(runs.at.size() == 5000);
  for (const auto& [label, times] : runs.at) {
    REQUIRE(times.size() == 1);           // exactly once
    CHECK(times[0] == deadline[label]);   // never early, never late when the clock ticks each ms
  }
  REQUIRE(runs.order.size() == 5000);
  for (std::size_t i = 1; i < runs.order.size(); ++i) {
    CHECK(deadline[runs.order[i - 1].second] <= deadline[runs.order[i].second]);  // in deadline order
  }
}

TEST_CASE_METHOD(TimerAtZero, "Timer: a cancelled task never runs, and cancelling twice or after running is harmless", "[timer]") {
  std::vector<std::shared_ptr<RecordingTask>> tasks;
  for (int i = 0; i < 100; ++i) {
    tasks.push_back(std::make_shared<RecordingTask>(10 + i * 37, i, runs));
    timer.add(tasks.back(), now);
  }
  for (int i = 0; i < 100; i += 2) tasks[static_cast<std::size_t>(i)]->cancel();
  tasks[0]->cancel();
  CHECK(timer.size() == 50);
  for (now = 1; now <= 5000; ++now) timer.advance_clock(now);
  for (int i = 0; i < 100; ++i) CHECK(runs.at.count(i) == static_cast<std::size_t>(i % 2));
  tasks[1]->cancel();  // already ran
  CHECK(runs.at[1].size() == 1);
}

TEST_CASE("Timer: a task may schedule another while it runs", "[timer]") {
  std::int64_t now = 0;
  std::vector<std::int64_t> times;
  SystemTimer timer(now);
  struct Chain final : TimerTask {
    Chain(SystemTimer& t, std::int64_t& n, std::vector<std::int64_t>& out, int left)
        : TimerTask(25), timer(t), now(n), times(out), remaining(left) {}
    void run() override {
      times.push_back(now);
      if (remaining > 0) timer.add(std::make_shared<Chain>(timer, now, times, remaining - 1), now);
    }
    SystemTimer& timer;
    std::int64_t& now;
    std::vector<std::int64_t>& times;
    int remaining;
  };
  timer.add(std::make_shared<Chain>(timer, now, times, 3), now);
  for (now = 1; now <= 200; ++now) timer.advance_clock(now);
  CHECK(times == std::vector<std::int64_t>{25, 50, 75, 100});
}

TEST_CASE_METHOD(TimerAtZero, "Timer: a task cancelled by another of its bucket while the bucket runs never runs", "[timer]") {
  // Both due at 30 ms, in one bucket: the first, when it runs, cancels the second.
  auto victim = std::make_shared<RecordingTask>(30, 2, runs);
  struct Canceller final : TimerTask {
    Canceller(TimerTask& target, Runs& r) : TimerTask(30), victim(target), runs(r) {}
    void run() override {
      runs.order.emplace_back(*runs.clock, 1);
      victim.cancel();
    }
    TimerTask& victim;
    Runs& runs;
  };
  timer.add(std::make_shared<Canceller>(*victim, runs), now);
  timer.add(victim, now);
  CHECK(timer.size() == 2);
  for (now = 1; now <= 100; ++now) timer.advance_clock(now);
  CHECK(runs.order == std::vector<std::pair<std::int64_t, int>>{{30, 1}});
  CHECK_FALSE(victim->pending());
  CHECK(timer.size() == 0);
}

TEST_CASE_METHOD(TimerAtZero, "Timer: a bucket emptied by cancels takes new tasks, and the timer keeps the only reference", "[timer]") {
  auto first = std::make_shared<RecordingTask>(5, 1, runs);
  timer.add(first, now);
  first->cancel();
  auto second = std::make_shared<RecordingTask>(5, 2, runs);
  timer.add(second, now);
  timer.add(std::make_shared<RecordingTask>(5, 3, runs), now);  // nobody else holds it
  second->cancel();
  CHECK(timer.size() == 1);
  for (now = 1; now <= 10; ++now) timer.advance_clock(now);
  CHECK(runs.order == std::vector<std::pair<std::int64_t, int>>{{5, 3}});
}

TEST_CASE_METHOD(TimerAtZero, "Timer: a task added again while pending moves to its new deadline and runs once", "[timer]") {
  auto task = std::make_shared<RecordingTask>(50, 1, runs);
  timer.add(task, now);
  for (now = 1; now <= 10; ++now) timer.advance_clock(now);
  now = 10;
  timer.add(task, now);  // due at 60 now; its slot for 50 is left behind, dead
  CHECK(timer.size() == 1);
  CHECK(timer.dead_slots() == 1);
  for (; now <= 100; ++now) timer.advance_clock(now);
  CHECK(runs.order == std::vector<std::pair<std::int64_t, int>>{{60, 1}});
  CHECK(timer.dead_slots() == 0);  // dropped when its bucket came due
}

TEST_CASE_METHOD(TimerAtZero, "Timer: cancelled tasks are let go once their slots outnumber the pending tasks", "[timer]") {
  std::vector<std::shared_ptr<RecordingTask>> tasks;
  for (int i = 0; i < 5000; ++i) {
    tasks.push_back(std::make_shared<RecordingTask>(20'000 + i, i, runs));
    timer.add(tasks.back(), now);
  }
  std::vector<std::weak_ptr<RecordingTask>> cancelled;
  for (int i = 0; i < 5000; ++i) {
    if (i % 5 == 0) continue;
    tasks[static_cast<std::size_t>(i)]->cancel();
    cancelled.push_back(tasks[static_cast<std::size_t>(i)]);
    tasks[static_cast<std::size_t>(i)].reset();
  }
  // Dead slots are swept on the next add or clock advance once they outnumber pending tasks
  // (and at least a thousand or so): the timer's reference was the last one.
  CHECK(timer.size() == 1000);
  CHECK(timer.dead_slots() == 4000);
  for (const auto& task : cancelled) CHECK_FALSE(task.expired());  // held by their dead slots
  timer.advance_clock(++now);
  CHECK(timer.dead_slots() == 0);
  for (const auto& task : cancelled) CHECK(task.expired());
  for (now = 2; now <= 30'000; ++now) timer.advance_clock(now);
  REQUIRE(runs.order.size() == 1000);
  for (const auto& [time, label] : runs.order) {
    CHECK(label % 5 == 0);
    CHECK(time == 20'000 + label);
  }
}

TEST_CASE("Timer: tasks outlive their timer, no longer pending", "[timer]") {
  std::int64_t now = 0;
  Runs runs;
  runs.clock = &now;
  auto task = std::make_shared<RecordingTask>(500, 1, runs);
  auto cancelled = std::make_shared<RecordingTask>(500, 2, runs);
  {
    SystemTimer timer(now);
    timer.add(task, now);
    timer.add(cancelled, now);
    cancelled->cancel();
    CHECK(task->pending());
    CHECK(task.use_count() == 2);
  }
  CHECK_FALSE(task->pending());
  CHECK(task.use_count() == 1);
  CHECK(cancelled.use_count() == 1);
  task->cancel();  // harmless
  CHECK(runs.order.empty());
}

TEST_CASE("Timer: under heavy cancelling and re-adding, every task runs once at its last deadline", "[timer]") {
  // Enough cancels for many sweeps, checked against a plain model of what must run when.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    std::int64_t now = 0;
    Runs runs;
    runs.clock = &now;
    SystemTimer timer(now);
    Rng rng(seed);
    std::vector<std::shared_ptr<RecordingTask>> tasks;
    std::map<int, std::int64_t> due;  // label -> deadline of the tasks that must run
    for (int step = 0; step < 40'000; ++step) {
      const auto roll = rng.uniform_int(0, 99);
      if (roll < 45 || tasks.empty()) {
        const int label = static_cast<int>(tasks.size());
        tasks.push_back(std::make_shared<RecordingTask>(rng.uniform_int(1, 3000), label, runs));
        timer.add(tasks.back(), now);
        due[label] = now + tasks.back()->delay_ms();
      } else if (roll < 80) {
        const auto label = static_cast<int>(rng.uniform_int(0, static_cast<std::int64_t>(tasks.size()) - 1));
        tasks[static_cast<std::size_t>(label)]->cancel();
        due.erase(label);
      } else if (roll < 90) {
        const auto label = static_cast<int>(rng.uniform_int(0, static_cast<std::int64_t>(tasks.size()) - 1));
        if (!tasks[static_cast<std::size_t>(label)]->pending()) continue;
        timer.add(tasks[static_cast<std::size_t>(label)], now);  // moved to a later deadline
        due[label] = now + tasks[static_cast<std::size_t>(label)]->delay_ms();
      } else {
        timer.advance_clock(++now);
      }
      // Sweeps keep dead slots near the pending count (cancels in a row add a few between them).
      REQUIRE(timer.dead_slots() < std::max<std::size_t>(timer.size() + 40, 1024 + 40));
    }
    for (const std::int64_t end = now + 3001; now <= end; ++now) timer.advance_clock(now);
    CHECK(timer.size() == 0);
    CHECK(timer.dead_slots() == 0);
    std::map<int, std::int64_t> ran;
    for (const auto& [label, times] : runs.at) {
      REQUIRE(times.size() == 1);
      ran[label] = times[0];
    }
    // Tasks that ran before being cancelled or moved count as they ran.
    for (const auto& [label, deadline] : due) CHECK(ran.count(label) == 1);
    for (const auto& [label, time] : ran) {
      if (due.count(label)) CHECK(time == due[label]);
    }
  }
}

TEST_CASE("Property: with any clock jumps, every task runs once, never before its deadline", "[timer][property]") {
  rc::prop("the timing wheel keeps its promise", [] {
    std::int64_t now = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
    Runs runs;
    runs.clock = &now;
    SystemTimer timer(now);
    std::map<int, std::int64_t> deadline;
    std::map<int, std::shared_ptr<RecordingTask>> live;
    std::set<int> cancelled;
    std::int64_t last_advance = now;
    const int ops = *rc::gen::inRange(1, 200);
    for (int i = 0; i < ops; ++i) {
      switch (*rc::gen::inRange(0, 3)) {
        case 0: {
          const auto delay = *rc::gen::inRange<std::int64_t>(-10, 100'000);
          auto task = std::make_shared<RecordingTask>(delay, i, runs);
          deadline[i] = now + delay;
          live[i] = task;
          timer.add(task, now);
          break;
        }
        case 1:
          if (!live.empty()) {
            auto it = std::next(live.begin(), *rc::gen::inRange<std::size_t>(0, live.size()));
            if (runs.at.count(it->first) == 0) cancelled.insert(it->first);
            it->second->cancel();
          }
          break;
        case 2:
          last_advance = now;
          now += *rc::gen::inRange<std::int64_t>(0, 30'000);
          timer.advance_clock(now);
          for (const auto& [label, d] : deadline) {
            // Due by now and not cancelled: it ran, at or after its deadline.
            if (d <= now && !cancelled.count(label)) RC_ASSERT(runs.at.count(label) == 1);
          }
          break;
      }
    }
    now += 200'000;
    timer.advance_clock(now);
    for (const auto& [label, times] : runs.at) {
      RC_ASSERT(times.size() == 1u);
      RC_ASSERT(times[0] >= deadline[label]);
      RC_ASSERT(!cancelled.count(label));
    }
    RC_ASSERT(runs.at.size() + cancelled.size() == deadline.size());
    (void)last_advance;
  });
}

namespace {

// Completes when its flag is raised, or times out.
class FlagOperation final : public DelayedOperation {
 public:
  FlagOperation(std::int64_t delay_ms, const bool& flag, std::vector<std::string>& log, std::string name, Env& env)
      : DelayedOperation(delay_ms), flag_(flag), log_(log), name_(std::move(name)), env_(env) {}
  bool try_complete() override { return flag_ && force_complete(); }
  void on_complete() override { log_.push_back(name_ + " complete@" + std::to_string(env_.now().as_millis())); }
  void on_expiration() override { log_.push_back(name_ + " expired@" + std::to_string(env_.now().as_millis())); }

 private:
  const bool& flag_;
  std::vector<std::string>& log_;
  std::string name_;
  Env& env_;
};

// A node that owns a purgatory and runs a script of operations on its Env.
struct PurgatoryNode final : Node {
  PurgatoryNode(Env& e, std::function<void(Env&, DelayedOperationPurgatory&)> script)
      : env(e), purgatory(e, "Produce"), script_(std::move(script)) {}
  void start() override { script_(env, purgatory); }
  void on_message(NodeId, const MessagePtr&) override {}
  Env& env;
  DelayedOperationPurgatory purgatory;
  std::function<void(Env&, DelayedOperationPurgatory&)> script_;
};

}  // namespace

TEST_CASE("Purgatory: operations complete on their condition or expire on simulated time, once", "[timer][purgatory]") {
  sim::World world(sim::WorldConfig{});
  std::vector<std::string> log;
  bool ready_a = false, ready_b = false;
  std::vector<std::string> trace;
  struct TimerTrace final : sim::TraceSink {
    std::vector<std::string>& out;
    explicit TimerTrace(std::vector<std::string>& o) : out(o) {}
    void on_event(const sim::TraceRecord& r) override {
      if (const auto* f = std::get_if<TimerFired>(&r.event)) {
        out.push_back("fired " + std::to_string(f->task) + " deadline " + std::to_string(f->deadline_ms) + " now " +
                      std::to_string(f->now_ms));
      }
    }
  } sink(trace);
  world.trace().add_sink(&sink);
  const NodeId n = world.add_node("broker-1", [&](Env& env) {
    return std::make_unique<PurgatoryNode>(env, [&](Env& e, DelayedOperationPurgatory& p) {
      bool always = true;
      CHECK(p.try_complete_else_watch(std::make_shared<FlagOperation>(100, always, log, "now", e), {"orders-0"}));
      CHECK_FALSE(p.try_complete_else_watch(std::make_shared<FlagOperation>(100, ready_a, log, "a", e), {"orders-0"}));
      CHECK_FALSE(p.try_complete_else_watch(std::make_shared<FlagOperation>(300, ready_b, log, "b", e), {"orders-1"}));
      CHECK(p.watched() == 2);
      CHECK(p.delayed() == 2);
      e.after(Duration::millis(50), [&] {
        ready_a = true;
        CHECK(p.check_and_complete("orders-1") == 0);
        CHECK(p.check_and_complete("orders-0") == 1);
        CHECK(p.delayed() == 1);  // a's timeout was cancelled
      });
    });
  });
  world.start(n);
  world.run_until(SimTime::from_millis(1000));
  CHECK(log == std::vector<std::string>{"now complete@0", "a complete@50", "b complete@300", "b expired@300"});
  REQUIRE(trace.size() == 1);
  CHECK(trace[0] == "fired 2 deadline 300 now 300");  // "now" never entered the timer: a is 1, b is 2
}
