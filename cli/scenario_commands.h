// The scenario commands of the kafkasim CLI: run (and replay), validate, sweep. main.cpp
// parses the flags; these load, run and print, and return the contract's exit code.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace kafkasim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitMismatch = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 70;

// A user error: reported in one line, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunArgs {
  std::string file;
  std::optional<std::uint64_t> seed;  // the scenario's own when absent
  bool json = false;
  std::string trace_path;
  std::string log_path;
  std::string command = "run";  // how the replay line is spelled
};

struct SweepArgs {
  std::string file;
  std::string seeds;  // "A..B"
  int jobs = 0;       // 0: the number of cores
  std::string shard;  // "I/N", "" for all
  bool json = false;
  bool fail_fast = false;
};

struct CheckArgs {
  std::string trace_path;
  std::vector<std::string> invariants;  // empty: every safety invariant
  bool json = false;
};

struct ShrinkArgs {
  std::string file;
  std::uint64_t seed = 0;
  std::string invariant;  // "" for the run's first unexpected finding
  std::string out;        // "" for stdout
};

int run_command(const RunArgs& args);
// A failing seed shrunk to a small scenario file (sim/scenario/shrink.h); 0 when written.
int shrink_command(const ShrinkArgs& args);
// The checkers over a saved JSONL trace: 0 nothing found, 1 violations, 2 unreadable trace.
int check_command(const CheckArgs& args);
// Loads a scenario; prints each problem as "FILE: /path: what" and throws UsageError when any.
sim::scenario::Scenario load_or_report(const std::string& file);
// "kafkasim run FILE --seed N".
std::string replay_command(const std::string& command, const std::string& file, std::uint64_t seed);
int validate_command(const std::vector<std::string>& files);
int sweep_command(const SweepArgs& args);

// A file to write the trace or log to; nothing for an empty path. Throws UsageError.
std::unique_ptr<std::ofstream> open_output(const std::string& path, const char* what);

// "A..B" with A <= B; throws UsageError.
std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& text);
// The seeds of shard "I/N" (contiguous, I in 1..N) of [first, last]; all of them for "".
std::pair<std::uint64_t, std::uint64_t> shard_range(std::uint64_t first, std::uint64_t last, const std::string& shard);

}  // namespace kafkasim::cli
