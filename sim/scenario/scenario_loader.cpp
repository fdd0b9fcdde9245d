#include "sim/scenario/scenario_loader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "model/group/offsets_records.h"
#include "sim/invariants/invariant_suite.h"
#include "sim/scenario/kafka_configs.h"
#include "sim/scenario/nemesis.h"

namespace kafkasim::sim::scenario {
namespace {

constexpr std::int64_t kMaxMs = 30LL * 24 * 3600 * 1000;  // a month of simulated time
constexpr std::int32_t kMaxBrokers = 64;
constexpr std::int32_t kMaxPartitions = 10000;

std::string in_quotes(const std::string& s) { return Json(s).dump(); }

bool legal_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace

std::optional<TopicPartition> parse_topic_partition(const std::string& text) {
  const auto dash = text.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
  std::int32_t p = 0;
  for (std::size_t i = dash + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || p > kMaxPartitions) return std::nullopt;
    p = p * 10 + (text[i] - '0');
  }
  return TopicPartition{text.substr(0, dash), p};
}

namespace {

class Loader {
 public:
  LoadResult load(const Json& doc) {
    ObjectReader top(doc, "", problems_);
    if (auto v = top.integer("version", 1, 1)) (void)v;
    s_.name = top.string("name", true).value_or("");
    if (top.has("name") && s_.name.empty()) problems_.add("/name", "must not be empty");
    s_.description = top.string("description").value_or("");
    s_.seed = top.unsigned_integer("seed").value_or(1);
    s_.duration_ms = top.integer("durationMs", 1, kMaxMs, true).value_or(0);

    if (const Json* c = top.raw("cluster")) cluster(*c);
    else if (doc.is_object()) problems_.add("/cluster", "required object is missing");
    if (const Json* n = top.raw("network")) network(*n);
    if (const Json* d = top.raw("disk")) disk(*d);
    if (const Json* t = top.raw("topics")) topics(*t);
    if (const Json* p = top.raw("producers")) each(*p, "/producers", [this](const Json& v, const std::string& path) { producer(v, path); });
    if (const Json* c = top.raw("consumers")) each(*c, "/consumers", [this](const Json& v, const std::string& path) { consumer(v, path); });
    check_client_ids();
    add_offsets_topic();
    if (const Json* f = top.raw("faults")) each(*f, "/faults", [this](const Json& v, const std::string& path) { fault(v, path); });
    if (const Json* n = top.raw("nemesis")) nemesis(*n);
    if (const Json* l = top.raw("liveness")) liveness(*l);
    invariants(top);
    if (const Json* e = top.raw("expect")) expect(*e);
    top.finish();

    LoadResult result;
    result.problems = problems_.lines();
    if (result.problems.empty()) result.scenario = std::move(s_);
    return result;
  }

 private:
  template <class F>
  void each(const Json& array, const std::string& path, F read) {
    if (!array.is_array()) {
      problems_.add(path, "expected an array, got " + json_kind(array));
      return;
    }
    for (std::size_t i = 0; i < array.size(); ++i) read(array[i], child_path(path, i));
  }

  void cluster(const Json& value) {
    ObjectReader r(value, "/cluster", problems_);
    if (const Json* b = r.raw("brokers")) brokers(*b);
    else if (value.is_object()) problems_.add("/cluster/brokers", "required: a broker count or a list of brokers");
    if (auto controller = r.choice("controller", {"zookeeper", "kraft"}); controller == "kraft") {
      problems_.add("/cluster/controller", "\"kraft\" is not supported yet; use \"zookeeper\"");
    }
    if (const Json* c = r.raw("configs")) apply_broker_configs(*c, "/cluster/configs", s_.broker, problems_);
    r.finish();
  }

  void brokers(const Json& value) {
    if (value.is_number()) {
      if (auto n = read_integer(value, "/cluster/brokers", 1, kMaxBrokers, problems_)) {
        for (std::int32_t i = 1; i <= *n; ++i) s_.brokers.push_back(BrokerSpec{i, ""});
      }
      return;
    }
    if (!value.is_array() || value.empty()) {
      problems_.add("/cluster/brokers", "expected a broker count or a non-empty array of {\"id\", \"rack\"}, got " +
                                            json_kind(value));
      return;
    }
    if (value.size() > kMaxBrokers) problems_.add("/cluster/brokers", "at most " + std::to_string(kMaxBrokers) + " brokers");
    std::set<std::int32_t> ids;
    for (std::size_t i = 0; i < value.size() && i < kMaxBrokers; ++i) {
      const std::string path = child_path("/cluster/brokers", i);
      ObjectReader r(value[i], path, problems_);
      auto id = r.integer("id", 1, 1000000, true);
      BrokerSpec b{static_cast<std::int32_t>(id.value_or(0)), r.string("rack").value_or("")};
      r.finish();
      if (!id) continue;
      if (!ids.insert(b.id).second) problems_.add(child_path(path, "id"), "broker " + std::to_string(b.id) + " is listed twice");
      else s_.brokers.push_back(b);
    }
  }

  void network(const Json& value) {
    ObjectReader r(value, "/network", problems_);
    LinkConfig& n = s_.network;
    if (auto v = r.integer("latencyMs", 0, kMaxMs)) n.latency = Duration::millis(*v);
    if (auto v = r.integer("jitterMs", 0, kMaxMs)) n.jitter = Duration::millis(*v);
    if (auto v = r.number("lossPercent", 0, 100)) n.loss_percent = *v;
    if (auto v = r.number("duplicatePercent", 0, 100)) n.duplicate_percent = *v;
    r.finish();
  }

  void disk(const Json& value) {
    ObjectReader r(value, "/disk", problems_);
    DiskConfig& d = s_.disk;
    if (auto v = r.integer("writeLatencyUs", 0, kMaxMs)) d.write_latency = Duration::micros(*v);
    if (auto v = r.integer("fsyncLatencyMs", 0, kMaxMs)) d.fsync_latency = Duration::millis(*v);
    if (auto v = r.integer("readLatencyUs", 0, kMaxMs)) d.read_latency = Duration::micros(*v);
    if (auto v = r.integer("writebackIntervalMs", 0, kMaxMs)) d.writeback_interval = Duration::millis(*v);
    if (auto v = r.integer("dirtyExpireMs", 0, kMaxMs)) d.dirty_expire = Duration::millis(*v);
    r.finish();
  }

  void topics(const Json& value) {
    if (!value.is_object()) {
      problems_.add("/topics", "expected an object of topic name to spec, got " + json_kind(value));
      return;
    }
    for (const auto& item : value.items()) {
      const std::string path = child_path("/topics", item.key());
      if (!legal_topic_name(item.key())) {
        problems_.add(path, "illegal topic name; Kafka allows 1 to 249 of a-z A-Z 0-9 . _ -");
        continue;
      }
      topic(item.key(), item.value(), path);
    }
  }

  void topic(const std::string& name, const Json& value, const std::string& path) {
    ObjectReader r(value, path, problems_);
    TopicSpec t;
    t.partitions = static_cast<std::int32_t>(r.integer("numPartitions", 1, kMaxPartitions, true).value_or(1));
    const auto rf = r.integer("replicationFactor", 1, kMaxBrokers, true);
    t.replication_factor = static_cast<std::int32_t>(rf.value_or(1));
    const auto broker_count = static_cast<std::int32_t>(s_.brokers.size());
    if (rf && !s_.brokers.empty() && *rf > broker_count) {
      problems_.add(r.path_of("replicationFactor"), std::to_string(*rf) + " replicas need " + std::to_string(*rf) +
                                                        " brokers; the cluster has " + std::to_string(broker_count));
    }
    if (const Json* a = r.raw("replicaAssignment")) replica_assignment(*a, r.path_of("replicaAssignment"), t);
    if (const Json* c = r.raw("configs")) {
      broker::TopicConfig config{s_.broker.min_insync_replicas, s_.broker.log};
      apply_topic_configs(*c, r.path_of("configs"), config, problems_);
      t.config = config;
    }
    r.finish();
    s_.topics[name] = t;
  }

  void replica_assignment(const Json& value, const std::string& path, TopicSpec& t) {
    if (!value.is_object()) {
      problems_.add(path, "expected an object of partition to broker ids, got " + json_kind(value));
      return;
    }
    for (const auto& item : value.items()) {
      const std::string p_path = child_path(path, item.key());
      const auto p = parse_topic_partition("t-" + item.key());
      if (!p || p->partition >= t.partitions) {
        problems_.add(p_path, "no partition " + in_quotes(item.key()) + "; the topic has partitions 0.." +
                                  std::to_string(t.partitions - 1));
        continue;
      }
      if (!item.value().is_array()) {
        problems_.add(p_path, "expected an array of broker ids, got " + json_kind(item.value()));
        continue;
      }
      std::vector<std::int32_t> replicas;
      for (std::size_t i = 0; i < item.value().size(); ++i) {
        const std::string r_path = child_path(p_path, i);
        auto id = read_integer(item.value()[i], r_path, 1, 1000000, problems_);
        if (!id) continue;
        const auto b = static_cast<std::int32_t>(*id);
        if (!has_broker(b)) problems_.add(r_path, "no broker " + std::to_string(b) + "; " + broker_list());
        else if (std::find(replicas.begin(), replicas.end(), b) != replicas.end()) problems_.add(r_path, "broker " + std::to_string(b) + " is listed twice");
        else replicas.push_back(b);
      }
      if (static_cast<std::int32_t>(item.value().size()) != t.replication_factor) {
        problems_.add(p_path, "lists " + std::to_string(item.value().size()) + " replicas; replicationFactor is " +
                                  std::to_string(t.replication_factor));
      }
      t.replica_assignment[p->partition] = replicas;
    }
  }

  void producer(const Json& value, const std::string& path) {
    ObjectReader r(value, path, problems_);
    ProducerSpec p;
    p.id = r.string("id", true).value_or("");
    p.workload.topic = r.string("topic", true).value_or("");
    require_topic(p.workload.topic, r.path_of("topic"), r.has("topic"));
    if (auto v = r.number("targetMessagesPerSec", 0.001, 1e6)) p.workload.messages_per_sec = *v;
    if (auto v = r.integer("valueBytes", 0, 1 << 20)) p.workload.value_bytes = static_cast<std::size_t>(*v);
    if (const Json* k = r.raw("keySpace"); k && k->is_null()) p.workload.key_space.reset();
    else if (k) p.workload.key_space = read_integer(*k, r.path_of("keySpace"), 1, 1LL << 40, problems_);
    if (auto v = r.integer("startMs", 0, kMaxMs)) p.workload.start_ms = *v;
    p.workload.duration_ms = nullable_integer(r, "durationMs", 0, kMaxMs);
    p.workload.max_messages = nullable_integer(r, "maxMessages", 0, 1LL << 40);
    p.config.client_id = p.id;
    if (const Json* c = r.raw("producerConf")) {
      apply_producer_configs(*c, r.path_of("producerConf"), p.config, problems_);
      check_idempotence(*c, r.path_of("producerConf"), p.config);
    } else {
      check_idempotence(Json::object(), r.path_of("producerConf"), p.config);
    }
    r.finish();
    s_.producers.push_back(std::move(p));
    client_paths_.push_back(child_path(path, "id"));
  }

  // Kafka 3.x: idempotence is on by default and turned off quietly by settings it cannot
  // keep; set explicitly, the same settings are an error.
  void check_idempotence(const Json& conf, const std::string& path, client::ProducerConfig& c) {
    const bool compatible = c.acks == -1 && c.max_in_flight_requests_per_connection <= 5 && c.retries > 0;
    if (compatible) return;
    if (conf.is_object() && conf.contains("enable.idempotence") && c.enable_idempotence) {
      problems_.add(child_path(path, "enable.idempotence"),
                    "idempotence needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5");
    }
    c.enable_idempotence = false;
  }

  void consumer(const Json& value, const std::string& path) {
    ObjectReader r(value, path, problems_);
    ConsumerSpec c;
    c.id = r.string("id", true).value_or("");
    if (const Json* g = r.raw("groupId"); g && !g->is_null()) {
      if (!g->is_string() || g->get<std::string>().empty()) {
        problems_.add(r.path_of("groupId"), "expected a group name or null, got " + g->dump());
      } else {
        c.config.group_id = g->get<std::string>();
      }
    }
    c.workload.topics = r.string_list("topics");
    if (!r.has("topics") || c.workload.topics.empty()) problems_.add(r.path_of("topics"), "required: a non-empty list of topics");
    for (std::size_t i = 0; i < c.workload.topics.size(); ++i) {
      require_topic(c.workload.topics[i], child_path(r.path_of("topics"), i), true);
    }
    if (auto v = r.integer("startMs", 0, kMaxMs)) c.workload.start_ms = *v;
    c.workload.duration_ms = nullable_integer(r, "durationMs", 0, kMaxMs);
    c.config.client_id = c.id;
    if (const Json* conf = r.raw("consumerConf")) apply_consumer_configs(*conf, r.path_of("consumerConf"), c.config, problems_);
    if (!c.config.group_id.empty()) check_group_timeouts(c.config, r.path_of("consumerConf"));
    r.finish();
    s_.consumers.push_back(std::move(c));
    client_paths_.push_back(child_path(path, "id"));
  }

  // What the coordinator would refuse forever (INVALID_SESSION_TIMEOUT) or Kafka's consumer
  // refuses to start with, said before the run.
  void check_group_timeouts(const client::ConsumerConfig& c, const std::string& conf_path) {
    const group::GroupCoordinatorConfig& g = s_.broker.group;
    if (c.session_timeout_ms < g.group_min_session_timeout_ms || c.session_timeout_ms > g.group_max_session_timeout_ms) {
      problems_.add(child_path(conf_path, "session.timeout.ms"),
                    std::to_string(c.session_timeout_ms) + " is outside the brokers' group.min.session.timeout.ms.." +
                        "group.max.session.timeout.ms (" + std::to_string(g.group_min_session_timeout_ms) + ".." +
                        std::to_string(g.group_max_session_timeout_ms) + ")");
    }
    if (c.heartbeat_interval_ms >= c.session_timeout_ms) {
      problems_.add(child_path(conf_path, "heartbeat.interval.ms"),
                    "must be below session.timeout.ms (" + std::to_string(c.session_timeout_ms) + ")");
    }
  }

  // Kafka creates __consumer_offsets when the first group looks for its coordinator; here it
  // exists from the start when a consumer has a groupId.
  void add_offsets_topic() {
    const bool groups = std::any_of(s_.consumers.begin(), s_.consumers.end(), [](const ConsumerSpec& c) { return !c.config.group_id.empty(); });
    if (!groups || s_.topics.contains(std::string(group::kOffsetsTopic))) return;
    TopicSpec t;
    t.partitions = s_.broker.group.offsets_topic_partitions;
    t.replication_factor = s_.broker.group.offsets_topic_replication_factor;
    if (t.replication_factor > static_cast<std::int32_t>(s_.brokers.size())) {
      problems_.add("/cluster/configs/offsets.topic.replication.factor",
                    "__consumer_offsets (for the consumers' groups) needs " + std::to_string(t.replication_factor) +
                        " brokers and the cluster has " + std::to_string(s_.brokers.size()) + "; set it to at most that");
      return;
    }
    s_.topics[std::string(group::kOffsetsTopic)] = t;
  }

  std::optional<std::int64_t> nullable_integer(ObjectReader& r, std::string_view key, std::int64_t min, std::int64_t max) {
    const Json* v = r.raw(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    return read_integer(*v, r.path_of(key), min, max, problems_);
  }

  void require_topic(const std::string& topic, const std::string& path, bool given) {
    if (!given || s_.topics.count(topic) != 0) return;
    std::vector<std::string> names;
    for (const auto& [name, spec] : s_.topics) names.push_back(name);
    problems_.add(path, "no topic " + in_quotes(topic) + (names.empty() ? "; the scenario declares no topics" : suggestion(topic, names)));
  }

  void check_client_ids() {
    std::vector<std::string> ids;
    for (const auto& p : s_.producers) ids.push_back(p.id);
    for (const auto& c : s_.consumers) ids.push_back(c.id);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string& id = ids[i];
      if (id.empty()) continue;  // reported as missing
      if (id == "zookeeper" || id.rfind("broker-", 0) == 0) problems_.add(client_paths_[i], in_quotes(id) + " is the name of a cluster node");
      else if (!seen.insert(id).second) problems_.add(client_paths_[i], "id " + in_quotes(id) + " is used twice");
    }
  }

  std::vector<std::string> node_names() const {
    std::vector<std::string> names;
    for (const auto& b : s_.brokers) names.push_back("broker-" + std::to_string(b.id));
    names.emplace_back("zookeeper");
    for (const auto& p : s_.producers) names.push_back(p.id);
    for (const auto& c : s_.consumers) names.push_back(c.id);
    return names;
  }

  bool has_broker(std::int32_t id) const {
    return std::any_of(s_.brokers.begin(), s_.brokers.end(), [id](const BrokerSpec& b) { return b.id == id; });
  }

  std::string broker_list() const {
    if (s_.brokers.empty()) return "the cluster has no brokers";
    std::string out = "brokers are ";
    bool consecutive = true;
    for (std::size_t i = 0; i < s_.brokers.size(); ++i) consecutive = consecutive && s_.brokers[i].id == static_cast<std::int32_t>(i + 1);
    if (consecutive && s_.brokers.size() > 2) return out + "broker-1..broker-" + std::to_string(s_.brokers.size());
    for (std::size_t i = 0; i < s_.brokers.size(); ++i) out += (i ? ", broker-" : "broker-") + std::to_string(s_.brokers[i].id);
    return out;
  }

  std::vector<std::string> node_list(const Json* value, const std::string& path) {
    std::vector<std::string> out;
    if (value == nullptr) return out;
    if (!value->is_array()) {
      problems_.add(path, "expected an array of node names, got " + json_kind(*value));
      return out;
    }
    const auto known = node_names();
    for (std::size_t i = 0; i < value->size(); ++i) {
      const Json& v = (*value)[i];
      const std::string item_path = child_path(path, i);
      if (!v.is_string()) {
        problems_.add(item_path, "expected a node name, got " + json_kind(v));
        continue;
      }
      const std::string name = v.get<std::string>();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        auto near = nearest_name(name, known);
        problems_.add(item_path, "no node " + in_quotes(name) + "; " + broker_list() +
                                     (near ? ", did you mean " + in_quotes(*near) + "?" : ""));
        continue;
      }
      out.push_back(name);
    }
    return out;
  }

  void fault(const Json& value, const std::string& path) {
    ObjectReader r(value, path, problems_);
    FaultEntry f;
    f.type = r.choice("type", fault_types(), true).value_or("");
    f.start_ms = r.integer("startMs", 0, kMaxMs, true).value_or(0);
    if (r.has("startMs") && f.start_ms >= s_.duration_ms && s_.duration_ms > 0) {
      problems_.add(r.path_of("startMs"), "starts at " + std::to_string(f.start_ms) + " ms, at or after the end of the run (durationMs " +
                                              std::to_string(s_.duration_ms) + "), so it would never run");
    }
    if (f.type.empty()) return;  // the other fields depend on the type: nothing more to say
    f.duration_ms = r.integer("durationMs", 1, kMaxMs);
    const bool kills = f.type == "process_kill" || f.type == "power_loss";
    if (kills) {
      f.restart_after_ms = r.integer("restartAfterMs", 1, kMaxMs);
      if (f.restart_after_ms && f.duration_ms) problems_.add(r.path_of("durationMs"), "give restartAfterMs or durationMs, not both");
    }
    if (f.type == "heal" && f.duration_ms) problems_.add(r.path_of("durationMs"), "heal has no duration");
    if (f.type == "restart" && f.duration_ms) problems_.add(r.path_of("durationMs"), "restart has no duration");
    if (f.type == "network_partition") partition_groups(r, f);
    else if (f.type != "heal") target(r, f);
    if (f.type == "degraded_network") {
      f.latency_ms = r.integer("latencyMs", 0, kMaxMs);
      f.jitter_ms = r.integer("jitterMs", 0, kMaxMs);
      f.loss_percent = r.number("lossPercent", 0, 100);
      f.rate_limit_kbit = r.integer("rateLimitKbit", 1, 1LL << 40);
      f.direction = r.choice("direction", {"to", "from", "both"}).value_or("");
      f.peers = node_list(r.raw("peers"), r.path_of("peers"));
    } else if (f.type == "slow_disk") {
      f.factor = r.number("factor", 1, 1e6);
      if (!f.factor) problems_.add(r.path_of("factor"), "required number >= 1 is missing");
    } else if (f.type == "disk_fault") {
      f.mode = r.choice("mode", {"fsync_error", "corrupt_tail", "full"}, true).value_or("");
    } else if (f.type == "clock_skew") {
      f.offset_ms = r.integer("offsetMs", -kMaxMs, kMaxMs, true);
    }
    r.finish();
    s_.faults.push_back(std::move(f));
  }

  void partition_groups(ObjectReader& r, FaultEntry& f) {
    const Json* groups = r.raw("partitions");
    const std::string path = r.path_of("partitions");
    if (groups == nullptr || !groups->is_array() || groups->size() < 2) {
      problems_.add(path, "required: at least two groups of node names, as [[\"broker-1\"], [\"broker-2\", \"broker-3\"]]");
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < groups->size(); ++i) {
      auto names = node_list(&(*groups)[i], child_path(path, i));
      for (const auto& n : names) {
        if (!seen.insert(n).second) problems_.add(child_path(path, i), in_quotes(n) + " is in two groups");
      }
      f.partitions.push_back(std::move(names));
    }
  }

  void target(ObjectReader& r, FaultEntry& f) {
    const bool named = r.has("nodeNames");
    const bool role = r.has("target");
    if (named == role) {
      problems_.add(r.path(), "give the target as nodeNames or as \"target\" (leader, follower, controller, any_broker), exactly one");
    }
    f.node_names = node_list(r.raw("nodeNames"), r.path_of("nodeNames"));
    if (named && f.node_names.empty() && r.raw("nodeNames")->is_array() && r.raw("nodeNames")->empty()) {
      problems_.add(r.path_of("nodeNames"), "names no node");
    }
    f.role = r.choice("target", {"leader", "follower", "controller", "any_broker"}).value_or("");
    const bool needs_partition = f.role == "leader" || f.role == "follower";
    if (needs_partition) {
      const auto text = r.string("topicPartition");
      if (!text) {
        problems_.add(r.path_of("topicPartition"), "required for target " + in_quotes(f.role) + ", as \"orders-0\"");
        return;
      }
      f.topic_partition = *text;
      const auto tp = parse_topic_partition(*text);
      const auto topic = tp ? s_.topics.find(tp->topic) : s_.topics.end();
      if (topic == s_.topics.end()) problems_.add(r.path_of("topicPartition"), "no topic partition " + in_quotes(*text));
      else if (tp->partition >= topic->second.partitions) problems_.add(r.path_of("topicPartition"), "no partition " + std::to_string(tp->partition) + " in topic " + in_quotes(tp->topic) + "; it has " + std::to_string(topic->second.partitions));
      else if (f.role == "follower" && topic->second.replication_factor < 2) problems_.add(r.path_of("topicPartition"), in_quotes(*text) + " has no followers (replicationFactor 1)");
    } else if (r.has("topicPartition")) {
      (void)r.raw("topicPartition");
      problems_.add(r.path_of("topicPartition"), "only for target \"leader\" or \"follower\"");
    }
  }

  void nemesis(const Json& value) {
    ObjectReader r(value, "/nemesis", problems_);
    NemesisSpec n;
    n.faults = r.string_list("faults");
    if (n.faults.empty()) problems_.add("/nemesis/faults", "required: a non-empty list of fault types");
    check_drawable(n.faults, "/nemesis/faults", nemesis_fault_types(), "");
    range(r, "intervalMs", n.interval_min_ms, n.interval_max_ms);
    range(r, "durationMs", n.duration_min_ms, n.duration_max_ms);
    if (auto v = r.integer("maxDown", 0, kMaxBrokers)) n.max_down = static_cast<std::int32_t>(*v);
    if (const Json* c = r.raw("clientFaults")) n.clients = client_nemesis(*c, n);
    r.finish();
    s_.nemesis = n;
  }

  // Beyond the contract: the clients' own nemesis, with the brokers' intervals and durations
  // unless it says otherwise.
  ClientNemesisSpec client_nemesis(const Json& value, const NemesisSpec& brokers) {
    ObjectReader r(value, "/nemesis/clientFaults", problems_);
    ClientNemesisSpec c{r.string_list("faults"), brokers.interval_min_ms, brokers.interval_max_ms,
                        brokers.duration_min_ms, brokers.duration_max_ms};
    if (c.faults.empty()) problems_.add(r.path_of("faults"), "required: a non-empty list of fault types");
    if (s_.producers.empty() && s_.consumers.empty()) {
      problems_.add("/nemesis/clientFaults", "the scenario has no producers or consumers to draw faults for");
    }
    check_drawable(c.faults, r.path_of("faults"), client_nemesis_fault_types(), " for a client");
    range(r, "intervalMs", c.interval_min_ms, c.interval_max_ms);
    range(r, "durationMs", c.duration_min_ms, c.duration_max_ms);
    r.finish();
    return c;
  }

  // Each fault type of a nemesis list at `path` must be one it can draw (`drawable`).
  void check_drawable(const std::vector<std::string>& faults, const std::string& path,
                      const std::vector<std::string>& drawable, std::string_view for_whom) {
    for (std::size_t i = 0; i < faults.size(); ++i) {
      if (std::find(drawable.begin(), drawable.end(), faults[i]) == drawable.end()) {
        problems_.add(child_path(path, i),
                      "the nemesis cannot draw " + in_quotes(faults[i]) + std::string(for_whom) + suggestion(faults[i], drawable));
      }
    }
  }

  void range(ObjectReader& r, std::string_view key, std::int64_t& lo, std::int64_t& hi) {
    const Json* v = r.raw(key);
    if (v == nullptr) return;
    const std::string path = r.path_of(key);
    if (!v->is_array() || v->size() != 2) {
      problems_.add(path, "expected [min, max] in ms, got " + v->dump());
      return;
    }
    auto a = read_integer((*v)[0], child_path(path, 0), 1, kMaxMs, problems_);
    auto b = read_integer((*v)[1], child_path(path, 1), 1, kMaxMs, problems_);
    if (a && b && *a > *b) problems_.add(path, "ends (" + std::to_string(*b) + ") before it starts (" + std::to_string(*a) + ")");
    if (a && b) {
      lo = *a;
      hi = *b;
    }
  }

  void liveness(const Json& value) {
    ObjectReader r(value, "/liveness", problems_);
    if (auto v = r.integer("settleMs", 0, kMaxMs)) s_.settle_ms = *v;
    r.finish();
  }

  std::vector<std::string> invariant_names(const Json& value, const std::string& path) {
    std::vector<std::string> out;
    if (!value.is_array()) {
      problems_.add(path, "expected an array of invariant names, got " + json_kind(value));
      return out;
    }
    const auto& contract = invariants::InvariantSuite::contract();
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string item_path = child_path(path, i);
      if (!value[i].is_string()) {
        problems_.add(item_path, "expected an invariant name, got " + json_kind(value[i]));
        continue;
      }
      const std::string name = value[i].get<std::string>();
      const auto& extensions = invariants::InvariantSuite::extensions();
      if (std::find(extensions.begin(), extensions.end(), name) != extensions.end()) {
        out.push_back(name);
      } else if (std::find(contract.begin(), contract.end(), name) == contract.end()) {
        problems_.add(item_path, "no invariant " + in_quotes(name) + suggestion(name, contract));
      } else {
        out.push_back(name);
      }
    }
    return out;
  }

  void invariants(ObjectReader& top) {
    if (const Json* v = top.raw("invariants")) s_.invariants = invariant_names(*v, "/invariants");
    else s_.invariants = invariants::InvariantSuite::implemented();
  }

  void expect(const Json& value) {
    ObjectReader r(value, "/expect", problems_);
    if (const Json* v = r.raw("violations")) s_.expect.violations = invariant_names(*v, "/expect/violations");
    if (const Json* v = r.raw("allowed")) s_.expect.allowed = invariant_names(*v, "/expect/allowed");
    r.finish();
    for (std::size_t i = 0; i < s_.expect.violations.size(); ++i) {
      const auto& name = s_.expect.violations[i];
      if (std::find(s_.invariants.begin(), s_.invariants.end(), name) == s_.invariants.end()) {
        problems_.add("/expect/violations", in_quotes(name) + " is expected but not among the invariants checked");
      }
    }
  }

  Scenario s_;
  Problems problems_;
  std::vector<std::string> client_paths_;  // the JSON path of each producer's, then consumer's, id
};

}  // namespace

const std::vector<std::string>& fault_types() {
  static const std::vector<std::string> types{"process_kill", "power_loss", "restart", "process_stop",
                                              "network_partition", "isolate", "degraded_network", "slow_disk",
                                              "disk_fault", "clock_skew", "heal"};
  return types;
}

const std::vector<std::string>& nemesis_fault_types() {
  static const std::vector<std::string> types{"process_kill", "power_loss", "process_stop", "network_partition",
                                              "isolate", "degraded_network", "slow_disk", "disk_fault", "clock_skew"};
  return types;
}

LoadResult parse_scenario(std::string_view text) {
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag;
    // also a number too large for a double (out_of_range.406), which the parser throws too.
    std::string what = e.what();
    if (auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos) what.erase(0, close + 2);
    return LoadResult{std::nullopt, {"/: not valid JSON: " + what}};
  }
  return Loader().load(doc);
}

std::optional<std::string> read_scenario_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

LoadResult load_scenario_file(const std::string& path) {
  const auto text = read_scenario_text(path);
  if (!text) return LoadResult{std::nullopt, {"/: cannot read the file " + path}};
  return parse_scenario(*text);
}

}  // namespace kafkasim::sim::scenario
