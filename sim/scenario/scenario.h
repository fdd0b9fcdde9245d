// A scenario of SCENARIO_FORMAT.md, validated and typed: what the loader produces and the
// runner consumes. Kafka settings are already applied to the model's config structs; faults
// keep the contract's shape (names and roles, resolved only when a fault starts) so that a
// report can print them back as plain `faults` entries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/broker/broker_config.h"
#include "model/client/consumer.h"
#include "model/client/consumer_node.h"
#include "model/client/producer_config.h"
#include "model/client/producer_node.h"
#include "sim/network.h"
#include "sim/sim_disk.h"

namespace kafkasim::sim::scenario {

struct BrokerSpec {
  std::int32_t id = 1;
  std::string rack;  // "" when none
};

struct TopicSpec {
  std::int32_t partitions = 1;
  std::int32_t replication_factor = 1;
  std::map<std::int32_t, std::vector<std::int32_t>> replica_assignment;  // given partitions only
  std::optional<broker::TopicConfig> config;  // when the topic has configs of its own
};

struct ProducerSpec {
  std::string id;
  client::ProducerConfig config;  // bootstrap filled in by the world builder
  client::ProducerWorkload workload;
};

struct ConsumerSpec {
  std::string id;
  client::ConsumerConfig config;
  client::ConsumerWorkload workload;
};

// A fault entry as the contract writes it. Fields that do not belong to `type` stay unset.
struct FaultEntry {
  std::string type;  // "process_kill", "network_partition", ...
  std::int64_t start_ms = 0;
  std::vector<std::string> node_names;  // the target when no role is given
  std::string role;                     // "leader" | "follower" | "controller" | "any_broker" | ""
  std::string topic_partition;          // for leader and follower
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> restart_after_ms;
  std::vector<std::vector<std::string>> partitions;  // network_partition groups
  // degraded_network
  std::optional<std::int64_t> latency_ms, jitter_ms, rate_limit_kbit;
  std::optional<double> loss_percent;
  std::string direction;  // "to" | "from" | "both"; "" means both
  std::vector<std::string> peers;
  std::optional<double> factor;   // slow_disk
  std::string mode;               // disk_fault
  std::optional<std::int64_t> offset_ms;  // clock_skew
  // How long the fault lasts before it undoes itself: durationMs, or restartAfterMs for kills.
  std::optional<std::int64_t> undo_after_ms() const { return restart_after_ms ? restart_after_ms : duration_ms; }
};

// Beyond the contract (`nemesis.clientFaults`): faults of producers and consumers, drawn on a
// timeline of their own, one client at a time; maxDown counts brokers only.
struct ClientNemesisSpec {
  std::vector<std::string> faults;  // process_stop, isolate, process_kill (restarted after the duration)
  std::int64_t interval_min_ms = 2000, interval_max_ms = 10000;
  std::int64_t duration_min_ms = 500, duration_max_ms = 8000;
};

struct NemesisSpec {
  std::vector<std::string> faults;  // fault types to draw from
  std::int64_t interval_min_ms = 2000, interval_max_ms = 10000;
  std::int64_t duration_min_ms = 500, duration_max_ms = 8000;
  std::int32_t max_down = 1;
  std::optional<ClientNemesisSpec> clients;
};

struct Expectation {
  std::vector<std::string> violations;  // each must be found
  std::vector<std::string> allowed;     // may be found
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::int64_t duration_ms = 0;
  std::vector<BrokerSpec> brokers;
  broker::BrokerConfig broker;  // cluster.configs applied; id, rack and store set per broker
  LinkConfig network;
  DiskConfig disk;
  std::map<std::string, TopicSpec> topics;
  std::vector<ProducerSpec> producers;
  std::vector<ConsumerSpec> consumers;
  std::vector<FaultEntry> faults;
  std::optional<NemesisSpec> nemesis;
  std::int64_t settle_ms = 30000;
  std::vector<std::string> invariants;  // the checkers to run
  Expectation expect;
};

}  // namespace kafkasim::sim::scenario
