#include "sim/scenario/shrink.h"

#include <algorithm>
#include <map>
#include <optional>

#include "sim/scenario/report.h"
#include "sim/scenario/scenario_loader.h"

namespace kafkasim::sim::scenario {
namespace {

using Json = nlohmann::ordered_json;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string plural(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Runs candidate files under one seed and remembers each verdict, since ddmin asks some twice.
class Judge {
 public:
  Judge(std::uint64_t seed, std::string invariant, const ShrinkOptions& options)
      : seed_(seed), invariant_(std::move(invariant)), options_(options) {}

  // The candidate's run when it still finds the invariant unexpectedly; null otherwise (also
  // when the loader rejects the candidate, or the run stops on an internal error).
  const RunReport* failing_run(const Json& doc) {
    const std::string text = doc.dump();
    auto [it, inserted] = verdicts_.try_emplace(text);
    if (!inserted) return it->second ? &*it->second : nullptr;
    auto loaded = parse_scenario(text);
    if (!loaded.scenario) return nullptr;
    ++runs_;
    try {
      RunReport report = run_scenario(*loaded.scenario, seed_);
      if (contains(report.unexpected, invariant_)) it->second = std::move(report);
    } catch (const std::exception& e) {
      say("a candidate stopped on an internal error (not the failure being shrunk): " + std::string(e.what()));
    }
    return it->second ? &*it->second : nullptr;
  }

  void say(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }
  int runs() const { return runs_; }

 private:
  std::uint64_t seed_;
  std::string invariant_;
  const ShrinkOptions& options_;
  std::map<std::string, std::optional<RunReport>> verdicts_;
  int runs_ = 0;
};

// `items` split into n runs of near-equal length, in order.
std::vector<std::vector<Json>> split(const std::vector<Json>& items, std::size_t n) {
  std::vector<std::vector<Json>> chunks;
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t end = start + (items.size() - start) / (n - i);
    chunks.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(start), items.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
  }
  return chunks;
}

// Zeller's ddmin over the array doc[key]: tries each chunk alone, then the rest without each
// chunk, at ever finer chunks, keeping any candidate that still fails; ends 1-minimal.
void ddmin(Json& doc, const std::string& key, Judge& judge) {
  if (!doc.contains(key) || !doc[key].is_array() || doc[key].empty()) return;
  std::vector<Json> items(doc[key].begin(), doc[key].end());
  const std::size_t before = items.size();
  auto with = [&](const std::vector<Json>& subset) {
    Json candidate = doc;
    candidate[key] = subset;
    return candidate;
  };
  std::size_t n = 2;
  while (!items.empty()) {
    if (items.size() == 1) {
      if (judge.failing_run(with({}))) items.clear();
      break;
    }
    n = std::min(n, items.size());
    const auto chunks = split(items, n);
    std::optional<std::vector<Json>> smaller;
    for (const auto& chunk : chunks) {
      if (judge.failing_run(with(chunk))) {
        smaller = chunk;
        n = 2;
        break;
      }
    }
    for (std::size_t i = 0; !smaller && n > 2 && i < chunks.size(); ++i) {
      std::vector<Json> rest;
      for (std::size_t j = 0; j < chunks.size(); ++j) {
        if (j != i) rest.insert(rest.end(), chunks[j].begin(), chunks[j].end());
      }
      if (judge.failing_run(with(rest))) {
        smaller = std::move(rest);
        n = std::max<std::size_t>(n - 1, 2);
      }
    }
    if (smaller) {
      items = std::move(*smaller);
      judge.say(key + ": " + std::to_string(before) + " -> " + std::to_string(items.size()) + " (run " +
                std::to_string(judge.runs()) + ")");
    } else if (n >= items.size()) {
      break;
    } else {
      n = std::min(items.size(), n * 2);
    }
  }
  doc[key] = items;
}

std::int64_t ms_field(const Json& object, const char* key) {
  return object.contains(key) && object[key].is_number_integer() ? object[key].get<std::int64_t>() : 0;
}

// The safety phase cut to a whole second past the last fault's end and the first finding
// (when that comes before the cut), when that is sooner than now.
void cut_duration(Json& doc, const RunReport& run, const std::string& invariant, Judge& judge) {
  const std::int64_t now_ms = ms_field(doc, "durationMs");
  std::int64_t last_ms = 0;
  for (const auto& f : doc["faults"]) {
    last_ms = std::max(last_ms, ms_field(f, "startMs") + std::max(ms_field(f, "durationMs"), ms_field(f, "restartAfterMs")));
  }
  for (const auto& v : run.violations) {
    if (v.invariant == invariant) {
      if (v.time_ms < now_ms) last_ms = std::max(last_ms, v.time_ms);
      break;
    }
  }
  const std::int64_t cut_ms = (last_ms / 1000 + 2) * 1000;
  if (cut_ms >= now_ms) return;
  Json candidate = doc;
  candidate["durationMs"] = cut_ms;
  if (judge.failing_run(candidate)) {
    doc = std::move(candidate);
    judge.say("durationMs: " + std::to_string(now_ms) + " -> " + std::to_string(cut_ms));
  }
}

// The file's name, description and seed first, where a reader looks.
Json with_leading_keys(const Json& doc, std::uint64_t seed, const std::string& description) {
  Json out;
  if (doc.contains("name")) out["name"] = doc["name"];
  out["description"] = description;
  out["seed"] = seed;
  for (const auto& [key, value] : doc.items()) {
    if (!out.contains(key)) out[key] = value;
  }
  return out;
}

}  // namespace

std::string scenario_file_text(const Json& doc) {
  std::string text = "{";
  const char* separator = "\n  ";
  for (const auto& [key, value] : doc.items()) {
    text += separator + Json(key).dump() + ": ";
    separator = ",\n  ";
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      const char* item_separator = "[\n    ";
      for (const auto& item : value) {
        text += item_separator + item.dump();
        item_separator = ",\n    ";
      }
      text += "\n  ]";
    } else {
      text += value.dump();
    }
  }
  return text + "\n}\n";
}

ShrinkResult shrink_scenario(std::string_view text, const std::string& source, std::uint64_t seed,
                             const ShrinkOptions& options) {
  auto loaded = parse_scenario(text);
  if (!loaded.scenario) throw ShrinkError(source + ": not a valid scenario (" + loaded.problems.front() + ")");
  const Scenario& original = *loaded.scenario;
  const RunReport first = run_scenario(original, seed);
  if (first.unexpected.empty()) {
    std::string why = source + " with seed " + std::to_string(seed) + " finds nothing that its expect does not allow";
    if (!first.missing.empty()) why += " (it fails only for want of an expected finding; shrinking keeps a finding)";
    throw ShrinkError(why);
  }
  std::string invariant = options.invariant;
  if (invariant.empty()) {
    // The earliest unexpected finding: what the run went wrong with first.
    for (const auto& v : first.violations) {
      if (contains(first.unexpected, v.invariant)) {
        invariant = v.invariant;
        break;
      }
    }
  } else if (!contains(first.unexpected, invariant)) {
    std::string found;
    for (const auto& name : first.unexpected) found += (found.empty() ? "" : ", ") + name;
    throw ShrinkError(source + " with seed " + std::to_string(seed) + " does not find " + invariant +
                      " unexpectedly; it finds " + found);
  }

  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  doc["durationMs"] = original.duration_ms;
  doc.erase("nemesis");
  doc["faults"] = Json::array();
  for (const auto& f : first.faults) doc["faults"].push_back(fault_json(f));

  Judge judge(seed, invariant, options);
  // The report's faults are the run's own, so replayed as plain entries they give the same run.
  const RunReport* replayed = judge.failing_run(doc);
  if (!replayed) throw std::logic_error("the run's faults, replayed as plain entries, do not find " + invariant);
  judge.say("keeping " + invariant + " (" + plural(first.faults.size(), "fault") + ")");
  for (const char* key : {"faults", "consumers", "producers"}) ddmin(doc, key, judge);
  // ddmin leaves doc as its last failing candidate, whose run is remembered.
  cut_duration(doc, *judge.failing_run(doc), invariant, judge);

  ShrinkResult result;
  result.invariant = invariant;
  result.faults_before = first.faults.size();
  result.faults_after = doc["faults"].size();
  result.duration_before_ms = original.duration_ms;
  result.duration_after_ms = ms_field(doc, "durationMs");
  result.scenario = with_leading_keys(doc, seed, "kafkasim shrink " + source + " --seed " + std::to_string(seed) +
                                                     ": finds " + invariant + " with " + std::to_string(result.faults_after) +
                                                     " of the run's " + plural(result.faults_before, "fault"));
  // The file as it will be written, run as `kafkasim run` runs it: under its own seed.
  auto written = parse_scenario(scenario_file_text(result.scenario));
  if (!written.scenario) throw std::logic_error("the shrunk file does not load: " + written.problems.front());
  result.report = run_scenario(*written.scenario, written.scenario->seed);
  result.runs = judge.runs() + 2;
  if (!contains(result.report.unexpected, invariant)) {
    throw std::logic_error("the shrunk file no longer finds " + invariant + " under seed " + std::to_string(seed));
  }
  return result;
}

}  // namespace kafkasim::sim::scenario
