#include "model/controller/zk_layout.h"

#include <charconv>
#include <map>

namespace kafkasim::controller::zk {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

template <class T>
std::optional<T> number(const std::string& text) {
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// "k=v;k=v" as a map; nothing when a field has no '='.
std::optional<std::map<std::string, std::string>> fields(const std::string& data) {
  std::map<std::string, std::string> out;
  for (const std::string& f : split(data, ';')) {
    const auto eq = f.find('=');
    if (eq == std::string::npos) return std::nullopt;
    out[f.substr(0, eq)] = f.substr(eq + 1);
  }
  return out;
}

}  // namespace

std::string broker_path(BrokerId id) { return kBrokerIds + "/" + std::to_string(id.value()); }
std::string topic_path(const std::string& topic) { return kTopics + "/" + topic; }
std::string partition_state_path(const TopicPartition& tp) {
  return topic_path(tp.topic) + "/partitions/" + std::to_string(tp.partition) + "/state";
}
std::vector<std::string> partition_parents(const TopicPartition& tp) {
  return {topic_path(tp.topic) + "/partitions", topic_path(tp.topic) + "/partitions/" + std::to_string(tp.partition)};
}

std::string encode(const BrokerRegistration& b) {
  return "node=" + std::to_string(b.node.value()) + ";rack=" + b.rack;
}

std::optional<BrokerRegistration> decode_broker(const std::string& data) {
  const auto f = fields(data);
  if (!f || !f->contains("node") || !f->contains("rack")) return std::nullopt;
  const auto node = number<std::uint32_t>(f->at("node"));
  if (!node) return std::nullopt;
  return BrokerRegistration{NodeId{*node}, f->at("rack")};
}

std::string encode(const Assignment& a) {
  std::string out;
  for (const auto& [p, replicas] : a) out.append(out.empty() ? "" : ";").append(std::to_string(p)).append("=").append(broker_list(replicas));
  return out;
}

std::optional<Assignment> decode_assignment(const std::string& data) {
  const auto f = fields(data);
  if (!f) return std::nullopt;
  Assignment out;
  for (const auto& [p, replicas] : *f) {
    const auto partition = number<std::int32_t>(p);
    const auto ids = parse_broker_list(replicas);
    if (!partition || !ids || ids->empty()) return std::nullopt;
    out[*partition] = *ids;
  }
  return out;
}

std::string encode(const LeaderAndIsr& s) {
  return "leader=" + std::to_string(s.leader.value()) + ";leader_epoch=" + std::to_string(s.leader_epoch.value()) +
         ";isr=" + broker_list(s.isr) + ";controller_epoch=" + std::to_string(s.controller_epoch.value());
}

std::optional<LeaderAndIsr> decode_leader_and_isr(const std::string& data) {
  const auto f = fields(data);
  if (!f || !f->contains("leader") || !f->contains("leader_epoch") || !f->contains("isr") ||
      !f->contains("controller_epoch")) {
    return std::nullopt;
  }
  const auto leader = number<std::int32_t>(f->at("leader"));
  const auto epoch = number<std::int32_t>(f->at("leader_epoch"));
  const auto isr = parse_broker_list(f->at("isr"));
  const auto controller_epoch = number<std::int32_t>(f->at("controller_epoch"));
  if (!leader || !epoch || !isr || !controller_epoch) return std::nullopt;
  return LeaderAndIsr{BrokerId{*leader}, LeaderEpoch{*epoch}, *isr, ControllerEpoch{*controller_epoch}};
}

std::optional<std::int32_t> decode_broker_id(const std::string& data) {
  const auto f = fields(data);
  if (!f || !f->contains("brokerid")) return std::nullopt;
  return number<std::int32_t>(f->at("brokerid"));
}

std::optional<std::int32_t> decode_number(const std::string& text) { return number<std::int32_t>(text); }

std::vector<ZkOp> initial_ops(const std::vector<std::pair<std::string, Assignment>>& topics) {
  std::vector<ZkOp> ops;
  for (const std::string& path : {kBrokers, kBrokerIds, kTopics}) ops.push_back(ZkOp{ZkOpType::create, path, "", -1, false});
  for (const auto& [topic, assignment] : topics) {
    ops.push_back(ZkOp{ZkOpType::create, topic_path(topic), encode(assignment), -1, false});
  }
  return ops;
}

}  // namespace kafkasim::controller::zk
