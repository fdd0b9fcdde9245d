// kafkasim sweep: every seed of a range in its own process (a crash or an assertion in one
// seed cannot take the sweep down), --jobs at a time, results printed in seed order whatever
// the parallelism, so that a sweep's output depends only on the scenario and the seeds.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/scenario_commands.h"
#include "model/probes.h"
#include "sim/scenario/report.h"
#include "sim/scenario/runner.h"
#include "sim/scenario/scenario_loader.h"

namespace kafkasim::cli {

namespace {

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::uint64_t seed = 0;
  std::string output;
};

struct SeedResult {
  int exit_code = 0;
  std::string line;  // the run report as one JSON line; "" when the run died
};

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// In the child: run one seed, write its report line, exit with the run's code.
[[noreturn]] void run_child(const sim::scenario::Scenario& scenario, const std::string& file, std::uint64_t seed, int fd) {
  int code = kExitInternal;
  try {
    const auto report = sim::scenario::run_scenario(scenario, seed);
    write_all(fd, sim::scenario::report_json(report, replay_command("run", file, seed)).dump() + "\n");
    code = report.pass ? kExitOk : kExitMismatch;
  } catch (const std::exception& e) {
    std::cerr << "kafkasim: internal error in scenario " << scenario.name << " with seed " << seed << ": " << e.what()
              << "\nreplay: " << replay_command("run", file, seed) << '\n';
  }
  ::close(fd);
  std::_Exit(code);
}

Child spawn(const sim::scenario::Scenario& scenario, const std::string& file, std::uint64_t seed) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    run_child(scenario, file, seed, fds[1]);
  }
  ::close(fds[1]);
  return Child{pid, fds[0], seed, ""};
}

SeedResult reap(Child& c) {
  ::close(c.fd);
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  SeedResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal;  // killed by a signal: an abort
  if (r.exit_code == kExitInternal && WIFSIGNALED(status)) {
    std::cerr << "kafkasim: seed " << c.seed << " died of signal " << WTERMSIG(status) << '\n';
  }
  if (r.exit_code != kExitInternal) r.line = c.output.substr(0, c.output.find('\n'));
  return r;
}

class Progress {
 public:
  Progress(std::uint64_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) != 0), start_(Clock::now()) {}
  void update(std::uint64_t done, std::uint64_t failed) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%llu/%llu seeds  %.1f seeds/s  %llu failed  ETA %.0f s   ",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate,
                 static_cast<unsigned long long>(failed), eta);
    if (done == total_) std::fputc('\n', stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::uint64_t total_;
  bool enabled_;
  Clock::time_point start_;
};

// The rare paths (model/probes.h) a sweep's seeds took, in Probe order: how many seeds took
// each, and which none took (what this sweep has not tested).
nlohmann::ordered_json probes_summary_json(const std::map<std::string, std::uint64_t>& seeds_taking) {
  nlohmann::ordered_json taken = nlohmann::ordered_json::object();
  nlohmann::ordered_json never = nlohmann::ordered_json::array();
  for (std::string_view name : kProbeNames) {
    const auto it = seeds_taking.find(std::string(name));
    if (it == seeds_taking.end()) never.push_back(name);
    else taken[it->first] = it->second;
  }
  return {{"seedsTaking", taken}, {"neverTaken", never}};
}

std::string probes_summary_text(const std::map<std::string, std::uint64_t>& seeds_taking) {
  const nlohmann::ordered_json summary = probes_summary_json(seeds_taking);
  std::string text = "rare paths (probes) taken by some seed: " + std::to_string(summary["seedsTaking"].size()) + " of " +
                     std::to_string(kProbeCount) + "\n";
  if (!summary["neverTaken"].empty()) {
    text += "never taken:";
    const char* separator = " ";
    for (const auto& name : summary["neverTaken"]) {
      text += separator + name.get<std::string>();
      separator = ", ";
    }
    text += '\n';
  }
  return text;
}

// The invariants a seed's JSON report found, each once.
std::set<std::string> invariants_found(const nlohmann::json& report) {
  std::set<std::string> names;
  for (const auto& v : report["violations"]) names.insert(v["invariant"].get<std::string>());
  return names;
}

}  // namespace

std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& text) {
  const auto dots = text.find("..");
  auto number = [&](const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) {
      throw UsageError("--seeds " + text + ": expected A..B with 0 <= A <= B, as 1..1000");
    }
    return std::stoull(s);
  };
  if (dots == std::string::npos) throw UsageError("--seeds " + text + ": expected A..B, as 1..1000");
  const auto first = number(text.substr(0, dots));
  const auto last = number(text.substr(dots + 2));
  if (first > last) throw UsageError("--seeds " + text + ": the range ends before it starts");
  return {first, last};
}

std::pair<std::uint64_t, std::uint64_t> shard_range(std::uint64_t first, std::uint64_t last, const std::string& shard) {
  if (shard.empty()) return {first, last};
  const auto slash = shard.find('/');
  const auto bad = [&] { return UsageError("--shard " + shard + ": expected I/N with 1 <= I <= N, as 2/8"); };
  if (slash == std::string::npos) throw bad();
  const std::string i_text = shard.substr(0, slash), n_text = shard.substr(slash + 1);
  for (const auto& t : {i_text, n_text}) {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) throw bad();
  }
  const std::uint64_t i = std::stoull(i_text), n = std::stoull(n_text);
  if (i < 1 || i > n) throw bad();
  // Shard i of n takes the i-th of n contiguous slices, the first ones a seed longer.
  const std::uint64_t count = last - first + 1;
  const std::uint64_t base = count / n, extra = count % n;
  const std::uint64_t begin = first + (i - 1) * base + std::min(i - 1, extra);
  const std::uint64_t size = base + (i - 1 < extra ? 1 : 0);
  if (size == 0) throw UsageError("--shard " + shard + ": the seed range has fewer seeds than shards");
  return {begin, begin + size - 1};
}

int sweep_command(const SweepArgs& a) {
  const auto scenario = load_or_report(a.file);
  const auto [all_first, all_last] = parse_seed_range(a.seeds);
  const auto [first, last] = shard_range(all_first, all_last, a.shard);
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const std::size_t jobs = static_cast<std::size_t>(a.jobs > 0 ? a.jobs : std::max(1L, cores));
  const std::uint64_t total = last - first + 1;

  std::vector<Child> running;
  std::map<std::uint64_t, SeedResult> finished;  // waiting to be printed in seed order
  std::uint64_t next_seed = first, next_print = first, done = 0, failed = 0, errors = 0;
  std::optional<std::uint64_t> first_failing;
  std::map<std::string, std::uint64_t> by_invariant;
  std::map<std::string, std::uint64_t> found_passing;  // invariant -> passing seeds that found it (expected or allowed)
  std::map<std::string, std::uint64_t> seeds_taking;  // probe -> seeds that took that rare path
  bool stop = false;
  Progress progress(total);

  auto print = [&](std::uint64_t seed, const SeedResult& r) {
    const std::string replay = replay_command("run", a.file, seed);
    nlohmann::json report;
    if (!r.line.empty()) report = nlohmann::json::parse(r.line, nullptr, false);
    const bool ok = r.exit_code == kExitOk;
    if (report.is_object() && report.contains("probes")) {
      for (const auto& [name, count] : report["probes"].items()) ++seeds_taking[name];
    }
    if (ok && report.is_object()) {
      for (const auto& name : invariants_found(report)) ++found_passing[name];
    }
    if (!ok) {
      ++failed;
      if (!first_failing) first_failing = seed;
      if (r.exit_code == kExitInternal || report.is_discarded()) {
        ++errors;
      } else {
        std::set<std::string> seen = invariants_found(report);
        for (const auto& m : report["missing"]) seen.insert(m.get<std::string>());
        for (const auto& name : seen) ++by_invariant[name];
      }
    }
    if (a.json) {
      if (!r.line.empty()) std::cout << r.line << '\n';
      else std::cout << nlohmann::json{{"scenario", scenario.name}, {"seed", seed}, {"outcome", "error"}, {"replay", replay}}.dump() << '\n';
    } else if (!ok) {
      std::string what = r.exit_code == kExitInternal ? "internal error" : "fail";
      if (!report.is_discarded() && report.is_object()) {
        std::map<std::string, int> found;  // invariant -> violations
        for (const auto& v : report["violations"]) ++found[v["invariant"].get<std::string>()];
        std::string names;
        for (const auto& [name, count] : found) names += (names.empty() ? "" : ", ") + name + " x" + std::to_string(count);
        for (const auto& m : report["missing"]) names += (names.empty() ? "missing " : ", missing ") + m.get<std::string>();
        if (!names.empty()) what += " (" + names + ")";
      }
      std::cout << "seed " << seed << ": " << what << "\n  replay: " << replay << '\n';
    }
    std::cout.flush();
    stop = stop || (a.fail_fast && !ok);
  };

  while (!running.empty() || (next_seed <= last && !stop)) {
    while (!stop && next_seed <= last && running.size() < jobs) running.push_back(spawn(scenario, a.file, next_seed++));
    std::vector<pollfd> fds;
    for (const auto& c : running) fds.push_back(pollfd{c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    for (std::size_t i = running.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t n = ::read(running[i].fd, buf, sizeof buf);
      if (n > 0) {
        running[i].output.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      finished[running[i].seed] = reap(running[i]);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      ++done;
    }
    while (!finished.empty() && finished.begin()->first == next_print) {
      print(next_print, finished.begin()->second);
      finished.erase(finished.begin());
      ++next_print;
    }
    progress.update(done, failed);
  }
  const std::uint64_t run = next_print - first;
  if (a.json) {
    nlohmann::ordered_json summary;
    summary["seeds"] = run;
    summary["failed"] = failed;
    summary["byInvariant"] = by_invariant;
    summary["errors"] = errors;
    summary["firstFailingSeed"] = first_failing ? nlohmann::ordered_json(*first_failing) : nlohmann::ordered_json(nullptr);
    summary["probes"] = probes_summary_json(seeds_taking);
    summary["foundByPassingSeeds"] = found_passing;
    std::cout << summary.dump() << '\n';
  } else {
    std::cout << run << " seeds (" << first << ".." << (first + run - 1) << "), " << failed << " failed";
    for (const auto& [name, count] : by_invariant) std::cout << "; " << name << ": " << count;
    if (errors) std::cout << "; internal errors: " << errors;
    std::cout << '\n';
    if (!found_passing.empty()) {
      std::cout << "found as the file expects or allows";
      for (const auto& [name, count] : found_passing) std::cout << "; " << name << ": " << count << (count == 1 ? " seed" : " seeds");
      std::cout << '\n';
    }
    std::cout << probes_summary_text(seeds_taking);
  }
  if (errors) return kExitInternal;
  return failed ? kExitMismatch : kExitOk;
}

}  // namespace kafkasim::cli
