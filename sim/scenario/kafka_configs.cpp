#include "sim/scenario/kafka_configs.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>

namespace kafkasim::sim::scenario {
namespace {

constexpr std::int64_t kLongMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();

std::optional<std::int64_t> config_long(const Json& v, const std::string& path, std::int64_t min, std::int64_t max,
                                        Problems& problems) {
  if (v.is_string()) {  // Kafka reads every config from a string
    const std::string s = v.get<std::string>();
    std::int64_t parsed = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (error != std::errc() || end != s.data() + s.size()) {
      problems.add(path, "expected an integer, got " + v.dump());
      return std::nullopt;
    }
    return read_integer(Json(parsed), path, min, max, problems);
  }
  return read_integer(v, path, min, max, problems);
}

std::optional<bool> config_bool(const Json& v, const std::string& path, Problems& problems) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && (v == "true" || v == "false")) return v == "true";
  problems.add(path, "expected true or false, got " + v.dump());
  return std::nullopt;
}

std::optional<std::string> config_choice(const Json& v, const std::string& path, const std::vector<std::string>& allowed,
                                         Problems& problems) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    for (const auto& a : allowed) {
      if (a == s) return s;
    }
    problems.add(path, "unknown value " + v.dump() + suggestion(s, allowed));
    return std::nullopt;
  }
  problems.add(path, "expected a string, got " + json_kind(v));
  return std::nullopt;
}

// Kafka's rule for a group.instance.id (JoinGroupRequest.validateGroupInstanceId): 1 to 249 of
// the characters a topic name may hold.
std::optional<std::string> config_group_instance_id(const Json& v, const std::string& path, Problems& problems) {
  if (!v.is_string()) {
    problems.add(path, "expected a string, got " + json_kind(v));
    return std::nullopt;
  }
  const std::string id = v.get<std::string>();
  const bool legal = std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
  });
  if (id.empty() || id.size() > 249 || !legal) {
    problems.add(path, "expected 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-', got " + v.dump());
    return std::nullopt;
  }
  return id;
}

// One config key: its name and how to apply a value at a path.
template <class T>
struct Key {
  std::string name;
  std::function<void(const Json&, const std::string&, T&, Problems&)> apply;
};

template <class T>
Key<T> long_key(std::string name, std::int64_t min, std::int64_t max, std::function<void(T&, std::int64_t)> set) {
  return {std::move(name), [=](const Json& v, const std::string& path, T& out, Problems& p) {
            if (auto n = config_long(v, path, min, max, p)) set(out, *n);
          }};
}

template <class T>
Key<T> bool_key(std::string name, std::function<void(T&, bool)> set) {
  return {std::move(name), [=](const Json& v, const std::string& path, T& out, Problems& p) {
            if (auto b = config_bool(v, path, p)) set(out, *b);
          }};
}

template <class T>
Key<T> choice_key(std::string name, std::vector<std::string> allowed, std::function<void(T&, const std::string&)> set) {
  return {std::move(name), [=](const Json& v, const std::string& path, T& out, Problems& p) {
            if (auto s = config_choice(v, path, allowed, p)) set(out, *s);
          }};
}

// An acks setting, as Kafka spells it ("all" or -1, 0, 1, as numbers or strings), limited to
// the values `allowed`.
template <class T>
Key<T> acks_key(std::string name, std::vector<std::int16_t> allowed, std::string expected,
                std::function<void(T&, std::int16_t)> set) {
  return {std::move(name), [=](const Json& v, const std::string& path, T& out, Problems& p) {
            for (const std::int16_t a : allowed) {
              const std::string text = std::to_string(a);
              if (v == text || v == a || (a == -1 && v == "all")) return set(out, a);
            }
            p.add(path, expected + ", got " + v.dump());
          }};
}

template <class T>
void apply(const std::vector<Key<T>>& keys, const Json& configs, const std::string& path, T& out,
           Problems& problems) {
  if (!configs.is_object()) {
    problems.add(path, "expected an object of Kafka config keys, got " + json_kind(configs));
    return;
  }
  for (const auto& item : configs.items()) {
    const std::string key_path = child_path(path, item.key());
    const Key<T>* found = nullptr;
    for (const auto& k : keys) {
      if (k.name == item.key()) found = &k;
    }
    if (found == nullptr) {
      std::vector<std::string> names;
      for (const auto& k : keys) names.push_back(k.name);
      problems.add(key_path, "unknown or unsupported Kafka config" + suggestion(item.key(), names));
      continue;
    }
    found->apply(item.value(), key_path, out, problems);
  }
}

template <class T>
std::vector<std::string> names_of(const std::vector<Key<T>>& keys) {
  std::vector<std::string> names;
  for (const auto& k : keys) names.push_back(k.name);
  return names;
}

// Log settings: the broker's log.* keys and the topic's own names for the same things.
struct LogKeyNames {
  const char *segment_bytes, *segment_ms, *index_interval_bytes, *flush_messages, *flush_ms, *retention_ms,
      *retention_bytes, *cleanup_policy, *delete_retention_ms, *max_message_bytes;
};

template <class T>
void add_log_keys(std::vector<Key<T>>& keys, const LogKeyNames& n, std::function<storage::LogConfig&(T&)> log) {
  keys.push_back(long_key<T>(n.segment_bytes, 14, kIntMax, [log](T& c, std::int64_t v) { log(c).segment_bytes = v; }));
  keys.push_back(long_key<T>(n.segment_ms, 1, kLongMax, [log](T& c, std::int64_t v) { log(c).segment_ms = v; }));
  keys.push_back(long_key<T>(n.index_interval_bytes, 0, kIntMax,
                             [log](T& c, std::int64_t v) { log(c).index_interval_bytes = v; }));
  keys.push_back(long_key<T>(n.flush_messages, 1, kLongMax,
                             [log](T& c, std::int64_t v) { log(c).flush_interval_messages = v; }));
  keys.push_back(long_key<T>(n.flush_ms, 0, kLongMax, [log](T& c, std::int64_t v) { log(c).flush_interval_ms = v; }));
  keys.push_back(long_key<T>(n.retention_ms, -1, kLongMax, [log](T& c, std::int64_t v) { log(c).retention_ms = v; }));
  keys.push_back(long_key<T>(n.retention_bytes, -1, kLongMax,
                             [log](T& c, std::int64_t v) { log(c).retention_bytes = v; }));
  keys.push_back(choice_key<T>(n.cleanup_policy, {"delete", "compact"},
                               [log](T& c, const std::string& v) { log(c).compact = v == "compact"; }));
  keys.push_back(long_key<T>(n.delete_retention_ms, 0, kLongMax,
                             [log](T& c, std::int64_t v) { log(c).delete_retention_ms = v; }));
  keys.push_back(long_key<T>(n.max_message_bytes, 0, kIntMax,
                             [log](T& c, std::int64_t v) { log(c).max_message_bytes = v; }));
}

using broker::BrokerConfig;

const std::vector<Key<BrokerConfig>>& broker_keys() {
  static const std::vector<Key<BrokerConfig>> keys = [] {
    using B = BrokerConfig;
    std::vector<Key<B>> k;
    k.push_back(long_key<B>("min.insync.replicas", 1, kIntMax, [](B& c, std::int64_t v) { c.min_insync_replicas = static_cast<std::int32_t>(v); }));
    k.push_back(bool_key<B>("unclean.leader.election.enable", [](B& c, bool v) { c.controller.unclean_leader_election_enable = v; }));
    k.push_back(bool_key<B>("auto.leader.rebalance.enable", [](B& c, bool v) { c.controller.auto_leader_rebalance_enable = v; }));
    k.push_back(long_key<B>("leader.imbalance.per.broker.percentage", 0, 100, [](B& c, std::int64_t v) { c.controller.leader_imbalance_per_broker_percentage = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("leader.imbalance.check.interval.seconds", 1, kLongMax / 1000, [](B& c, std::int64_t v) { c.controller.leader_imbalance_check_interval_ms = v * 1000; }));
    k.push_back(bool_key<B>("broker.epoch.fencing", [](B& c, bool v) { c.controller.broker_epoch_fencing = v; }));
    k.push_back(choice_key<B>("replica.truncation", {"leader-epoch", "leader-epoch-0.11", "high-watermark"}, [](B& c, const std::string& v) {
      c.replica_truncation = v == "leader-epoch"        ? broker::ReplicaTruncation::leader_epoch
                             : v == "leader-epoch-0.11" ? broker::ReplicaTruncation::leader_epoch_0_11
                                                        : broker::ReplicaTruncation::high_watermark;
    }));
    k.push_back(long_key<B>("replica.lag.time.max.ms", 1, kLongMax, [](B& c, std::int64_t v) { c.replica_lag_time_max_ms = v; }));
    k.push_back(long_key<B>("replica.high.watermark.checkpoint.interval.ms", 1, kLongMax, [](B& c, std::int64_t v) { c.replica_high_watermark_checkpoint_interval_ms = v; }));
    k.push_back(long_key<B>("replica.fetch.wait.max.ms", 0, kIntMax, [](B& c, std::int64_t v) { c.replica_fetch_wait_max_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("replica.fetch.min.bytes", 1, kIntMax, [](B& c, std::int64_t v) { c.replica_fetch_min_bytes = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("replica.fetch.max.bytes", 0, kIntMax, [](B& c, std::int64_t v) { c.replica_fetch_max_bytes = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("replica.fetch.backoff.ms", 0, kIntMax, [](B& c, std::int64_t v) { c.replica_fetch_backoff_ms = v; }));
    k.push_back(long_key<B>("replica.socket.timeout.ms", 1, kIntMax, [](B& c, std::int64_t v) { c.request_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("zookeeper.session.timeout.ms", 1, kIntMax, [](B& c, std::int64_t v) { c.zookeeper_session_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("controlled.shutdown.max.retries", 0, kIntMax, [](B& c, std::int64_t v) { c.controlled_shutdown_max_retries = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("controlled.shutdown.retry.backoff.ms", 0, kLongMax, [](B& c, std::int64_t v) { c.controlled_shutdown_retry_backoff_ms = v; }));
    k.push_back(long_key<B>("log.retention.check.interval.ms", 1, kLongMax, [](B& c, std::int64_t v) { c.log_retention_check_interval_ms = v; }));
    k.push_back(long_key<B>("log.flush.scheduler.interval.ms", 1, kLongMax, [](B& c, std::int64_t v) { c.log_flush_scheduler_interval_ms = v; }));
    k.push_back(long_key<B>("log.flush.offset.checkpoint.interval.ms", 0, kIntMax, [](B& c, std::int64_t v) { c.log_flush_offset_checkpoint_interval_ms = v; }));
    k.push_back(long_key<B>("log.flush.start.offset.checkpoint.interval.ms", 0, kIntMax, [](B& c, std::int64_t v) { c.log_flush_start_offset_checkpoint_interval_ms = v; }));
    // The group coordinator's.
    k.push_back(long_key<B>("offsets.topic.num.partitions", 1, 1000, [](B& c, std::int64_t v) { c.group.offsets_topic_partitions = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("offsets.topic.replication.factor", 1, 32767, [](B& c, std::int64_t v) { c.group.offsets_topic_replication_factor = static_cast<std::int16_t>(v); }));
    k.push_back(long_key<B>("offsets.topic.segment.bytes", 1, INT32_MAX, [](B& c, std::int64_t v) { c.group.offsets_topic_segment_bytes = static_cast<std::int32_t>(v); }));
    k.push_back(acks_key<B>("offsets.commit.required.acks", {-1, 1}, "expected -1 (all) or 1",
                            [](B& c, std::int16_t v) { c.group.offsets_commit_required_acks = v; }));
    k.push_back(long_key<B>("offsets.commit.timeout.ms", 1, kIntMax, [](B& c, std::int64_t v) { c.group.offsets_commit_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("group.initial.rebalance.delay.ms", 0, kIntMax, [](B& c, std::int64_t v) { c.group.group_initial_rebalance_delay_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("group.min.session.timeout.ms", 1, kIntMax, [](B& c, std::int64_t v) { c.group.group_min_session_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<B>("group.max.session.timeout.ms", 1, kIntMax, [](B& c, std::int64_t v) { c.group.group_max_session_timeout_ms = static_cast<std::int32_t>(v); }));
    add_log_keys<B>(k,
                    {"log.segment.bytes", "log.roll.ms", "log.index.interval.bytes", "log.flush.interval.messages",
                     "log.flush.interval.ms", "log.retention.ms", "log.retention.bytes", "log.cleanup.policy",
                     "log.cleaner.delete.retention.ms", "message.max.bytes"},
                    [](B& c) -> storage::LogConfig& { return c.log; });
    return k;
  }();
  return keys;
}

const std::vector<Key<broker::TopicConfig>>& topic_keys() {
  static const std::vector<Key<broker::TopicConfig>> keys = [] {
    using T = broker::TopicConfig;
    std::vector<Key<T>> k;
    k.push_back(long_key<T>("min.insync.replicas", 1, kIntMax, [](T& c, std::int64_t v) { c.min_insync_replicas = static_cast<std::int32_t>(v); }));
    add_log_keys<T>(k,
                    {"segment.bytes", "segment.ms", "index.interval.bytes", "flush.messages", "flush.ms",
                     "retention.ms", "retention.bytes", "cleanup.policy", "delete.retention.ms", "max.message.bytes"},
                    [](T& c) -> storage::LogConfig& { return c.log; });
    return k;
  }();
  return keys;
}

// reconnect.backoff.ms and reconnect.backoff.max.ms, which producers and consumers share.
template <class T>
void add_reconnect_keys(std::vector<Key<T>>& k) {
  k.push_back(long_key<T>("reconnect.backoff.ms", 0, kLongMax, [](T& c, std::int64_t v) { c.reconnect.reconnect_backoff_ms = v; }));
  k.push_back(long_key<T>("reconnect.backoff.max.ms", 0, kLongMax, [](T& c, std::int64_t v) { c.reconnect.reconnect_backoff_max_ms = v; }));
}

const std::vector<Key<client::ProducerConfig>>& producer_keys() {
  static const std::vector<Key<client::ProducerConfig>> keys = [] {
    using P = client::ProducerConfig;
    std::vector<Key<P>> k;
    k.push_back(acks_key<P>("acks", {-1, 0, 1}, "expected \"all\", -1, 0 or 1", [](P& c, std::int16_t v) { c.acks = v; }));
    k.push_back(bool_key<P>("enable.idempotence", [](P& c, bool v) { c.enable_idempotence = v; }));
    k.push_back(long_key<P>("linger.ms", 0, kIntMax, [](P& c, std::int64_t v) { c.linger_ms = v; }));
    k.push_back(long_key<P>("batch.size", 0, kIntMax, [](P& c, std::int64_t v) { c.batch_size = static_cast<std::size_t>(v); }));
    k.push_back(long_key<P>("retries", 0, kIntMax, [](P& c, std::int64_t v) { c.retries = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<P>("retry.backoff.ms", 0, kLongMax, [](P& c, std::int64_t v) { c.retry_backoff_ms = v; }));
    k.push_back(long_key<P>("delivery.timeout.ms", 1, kIntMax, [](P& c, std::int64_t v) { c.delivery_timeout_ms = v; }));
    k.push_back(long_key<P>("request.timeout.ms", 1, kIntMax, [](P& c, std::int64_t v) { c.request_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<P>("max.in.flight.requests.per.connection", 1, kIntMax, [](P& c, std::int64_t v) { c.max_in_flight_requests_per_connection = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<P>("metadata.max.age.ms", 0, kLongMax, [](P& c, std::int64_t v) { c.metadata_max_age_ms = v; }));
    add_reconnect_keys(k);
    return k;
  }();
  return keys;
}

const std::vector<Key<client::ConsumerConfig>>& consumer_keys() {
  static const std::vector<Key<client::ConsumerConfig>> keys = [] {
    using C = client::ConsumerConfig;
    std::vector<Key<C>> k;
    k.push_back(choice_key<C>("auto.offset.reset", {"earliest", "latest", "none"}, [](C& c, const std::string& v) {
      c.auto_offset_reset = v == "earliest" ? client::OffsetReset::earliest
                            : v == "latest" ? client::OffsetReset::latest
                                            : client::OffsetReset::none;
    }));
    k.push_back(long_key<C>("max.poll.records", 1, kIntMax, [](C& c, std::int64_t v) { c.max_poll_records = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("fetch.min.bytes", 0, kIntMax, [](C& c, std::int64_t v) { c.fetch_min_bytes = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("fetch.max.wait.ms", 0, kIntMax, [](C& c, std::int64_t v) { c.fetch_max_wait_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("max.partition.fetch.bytes", 0, kIntMax, [](C& c, std::int64_t v) { c.max_partition_fetch_bytes = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("request.timeout.ms", 0, kIntMax, [](C& c, std::int64_t v) { c.request_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("retry.backoff.ms", 0, kLongMax, [](C& c, std::int64_t v) { c.retry_backoff_ms = v; }));
    k.push_back(long_key<C>("metadata.max.age.ms", 0, kLongMax, [](C& c, std::int64_t v) { c.metadata_max_age_ms = v; }));
    add_reconnect_keys(k);
    // Group membership: without effect for a consumer without a groupId, as in Kafka.
    k.push_back(bool_key<C>("enable.auto.commit", [](C& c, bool v) { c.enable_auto_commit = v; }));
    k.push_back(long_key<C>("auto.commit.interval.ms", 1, kIntMax, [](C& c, std::int64_t v) { c.auto_commit_interval_ms = v; }));
    k.push_back({"partition.assignment.strategy", [](const Json& v, const std::string& path, C& c, Problems& p) {
                   if (auto s = config_choice(v, path, {"range", "roundrobin", "sticky", "cooperative-sticky"}, p)) {
                     c.assignment_strategy = *client::parse_assignment_strategy(*s);
                   }
                 }});
    k.push_back({"group.instance.id", [](const Json& v, const std::string& path, C& c, Problems& p) {
                   if (auto id = config_group_instance_id(v, path, p)) c.group_instance_id = *id;
                 }});
    k.push_back(long_key<C>("session.timeout.ms", 1, kIntMax, [](C& c, std::int64_t v) { c.session_timeout_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("heartbeat.interval.ms", 1, kIntMax, [](C& c, std::int64_t v) { c.heartbeat_interval_ms = static_cast<std::int32_t>(v); }));
    k.push_back(long_key<C>("max.poll.interval.ms", 1, kIntMax, [](C& c, std::int64_t v) { c.max_poll_interval_ms = static_cast<std::int32_t>(v); }));
    return k;
  }();
  return keys;
}

}  // namespace

void apply_broker_configs(const Json& configs, const std::string& path, broker::BrokerConfig& out, Problems& problems) {
  apply(broker_keys(), configs, path, out, problems);
}
void apply_topic_configs(const Json& configs, const std::string& path, broker::TopicConfig& out, Problems& problems) {
  apply(topic_keys(), configs, path, out, problems);
}
void apply_producer_configs(const Json& configs, const std::string& path, client::ProducerConfig& out,
                            Problems& problems) {
  apply(producer_keys(), configs, path, out, problems);
}
void apply_consumer_configs(const Json& configs, const std::string& path, client::ConsumerConfig& out,
                            Problems& problems) {
  apply(consumer_keys(), configs, path, out, problems);
}

std::vector<std::string> broker_config_keys() { return names_of(broker_keys()); }
std::vector<std::string> topic_config_keys() { return names_of(topic_keys()); }
std::vector<std::string> producer_config_keys() { return names_of(producer_keys()); }
std::vector<std::string> consumer_config_keys() { return names_of(consumer_keys()); }

}  // namespace kafkasim::sim::scenario
