// Scenario files (SCENARIO_FORMAT.md) to a validated Scenario. Comments are allowed. Every
// problem is one line naming its JSON path ("/faults/3/nodeNames/0: no node \"broker-7\";
// brokers are broker-1..broker-3"); a file with any problem yields no scenario, so nothing
// runs from a file that did not validate. Never throws on any input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"

namespace kafkasim::sim::scenario {

struct LoadResult {
  std::optional<Scenario> scenario;   // set exactly when problems is empty
  std::vector<std::string> problems;  // "<json path>: <what is wrong>"
};

LoadResult parse_scenario(std::string_view text);
// Reads the file first; an unreadable file is one problem naming the path.
LoadResult load_scenario_file(const std::string& path);
// A scenario file's text as written (comments and all); nothing when it cannot be read.
std::optional<std::string> read_scenario_text(const std::string& path);

// "orders-3" -> {orders, 3}; nothing for text that is not a topic name, a dash and a number.
std::optional<TopicPartition> parse_topic_partition(const std::string& text);

// The contract's fault types, and those the nemesis can draw.
const std::vector<std::string>& fault_types();
const std::vector<std::string>& nemesis_fault_types();

}  // namespace kafkasim::sim::scenario
