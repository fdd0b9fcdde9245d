#include "model/client/client_metadata.h"

namespace kafkasim::client {
namespace {

std::int64_t now_ms(const Env& env) { return env.now().as_micros() / 1000; }

}  // namespace

ClientMetadata::ClientMetadata(Env& env, ClientMetadataConfig config, std::vector<std::string> topics,
                               std::function<void()> on_update, std::function<void(NodeId)> close_connection)
    : env_(env),
      config_(std::move(config)),
      topics_(std::move(topics)),
      on_update_(std::move(on_update)),
      close_connection_(std::move(close_connection)),
      connections_(env, config_.reconnect) {}

ClientMetadata::~ClientMetadata() {
  timeout_.cancel();
  refresh_.cancel();
}

NodeId ClientMetadata::any_node() {
  std::vector<NodeId> nodes;
  for (const auto& [id, node] : brokers_) nodes.push_back(node);
  if (nodes.empty()) nodes = config_.bootstrap;
  for (std::size_t tried = 0; tried < nodes.size(); ++tried) {
    const NodeId node = nodes[next_node_++ % nodes.size()];
    if (connections_.delay_ms(node) == 0) return node;
  }
  return nodes[next_node_++ % nodes.size()];
}

void ClientMetadata::request_update() {
  if (in_flight_) return;
  // Not more often than every retry.backoff.ms.
  const std::int64_t due = last_refresh_ms_ < 0 ? 0 : last_refresh_ms_ + config_.retry_backoff_ms;
  if (now_ms(env_) >= due) return send_request();
  refresh_.cancel();
  refresh_ = env_.after(Duration::millis(due - now_ms(env_)), [this] { request_update(); });
}

void ClientMetadata::send_request() {
  refresh_.cancel();
  in_flight_ = ++correlation_id_;
  last_refresh_ms_ = now_ms(env_);
  in_flight_to_ = any_node();
  env_.send(in_flight_to_, make_message(MetadataRequest{*in_flight_, topics_}));
  timeout_ = env_.after(Duration::millis(config_.request_timeout_ms), [this, node = in_flight_to_] { close_connection_(node); });
}

void ClientMetadata::request_failed() {
  timeout_.cancel();
  in_flight_.reset();
  request_update();  // the next broker in turn
}

void ClientMetadata::on_disconnect(NodeId node) {
  connections_.disconnected(node);
  if (in_flight_ && in_flight_to_ == node) request_failed();
}

void ClientMetadata::arm_refresh() {
  refresh_.cancel();
  refresh_ = env_.after(Duration::millis(config_.metadata_max_age_ms), [this] { request_update(); });
}

void ClientMetadata::handle_response(const MetadataResponse& response) {
  if (!in_flight_ || response.correlation_id != *in_flight_) return;
  in_flight_.reset();
  timeout_.cancel();
  if (!response.brokers.empty()) {
    brokers_.clear();
    for (const BrokerEndpoint& b : response.brokers) brokers_[b.id] = b.node;
  }
  bool incomplete = false;
  for (const TopicMetadata& topic : response.topics) {
    if (topic.error != Errors::NONE) {
      incomplete = true;
      continue;
    }
    partition_counts_[topic.topic] = static_cast<std::int32_t>(topic.partitions.size());
    for (const PartitionMetadata& p : topic.partitions) {
      auto known = leaders_.find(p.tp);
      if (known != leaders_.end() && p.leader_epoch < known->second.epoch) continue;  // older news
      auto node = brokers_.find(p.leader);
      if (p.error != Errors::NONE || node == brokers_.end()) {
        leaders_.erase(p.tp);
        incomplete = true;
        continue;
      }
      leaders_[p.tp] = LeaderInfo{p.leader, node->second, p.leader_epoch};
    }
  }
  arm_refresh();
  if (incomplete) request_update();
  on_update_();
}

std::optional<LeaderInfo> ClientMetadata::leader_for(const TopicPartition& tp) const {
  auto it = leaders_.find(tp);
  if (it == leaders_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> ClientMetadata::node_of(BrokerId broker) const {
  auto it = brokers_.find(broker);
  if (it == brokers_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int32_t> ClientMetadata::partition_count(const std::string& topic) const {
  auto it = partition_counts_.find(topic);
  if (it == partition_counts_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::int32_t> ClientMetadata::available_partitions(const std::string& topic) const {
  std::vector<std::int32_t> out;
  for (const auto& [tp, leader] : leaders_) {
    if (tp.topic == topic) out.push_back(tp.partition);
  }
  return out;
}

}  // namespace kafkasim::client
