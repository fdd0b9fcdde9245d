#include "model/broker/metadata_cache.h"

namespace kafkasim::broker {

bool MetadataCache::update(const UpdateMetadataRequest& request) {
  if (request.controller_epoch < controller_epoch_) return false;
  controller_epoch_ = request.controller_epoch;
  controller_id_ = request.controller_id;
  live_brokers_.clear();
  for (const BrokerEndpoint& b : request.live_brokers) live_brokers_[b.id] = b;
  for (const PartitionState& p : request.partitions) topics_[p.tp.topic][p.tp.partition] = p;
  return true;
}

TopicMetadata MetadataCache::topic_metadata(const std::string& topic) const {
  TopicMetadata out{topic, Errors::NONE, {}};
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    out.error = Errors::UNKNOWN_TOPIC_OR_PARTITION;
    return out;
  }
  for (const auto& [partition, state] : it->second) {
    PartitionMetadata p{state.tp, Errors::NONE, state.leader, state.leader_epoch, state.replicas, state.isr};
    if (!live_brokers_.contains(state.leader)) {
      p.error = Errors::LEADER_NOT_AVAILABLE;
      p.leader = BrokerId{-1};
    }
    out.partitions.push_back(std::move(p));
  }
  return out;
}

MetadataResponse MetadataCache::metadata(const MetadataRequest& request) const {
  MetadataResponse out;
  out.correlation_id = request.correlation_id;
  out.controller_id = controller_id_;
  for (const auto& [id, b] : live_brokers_) out.brokers.push_back(b);
  if (request.topics.empty()) {
    for (const auto& [topic, partitions] : topics_) out.topics.push_back(topic_metadata(topic));
  } else {
    for (const std::string& topic : request.topics) out.topics.push_back(topic_metadata(topic));
  }
  return out;
}

std::optional<std::pair<BrokerId, NodeId>> MetadataCache::live_leader(const TopicPartition& tp) const {
  auto topic = topics_.find(tp.topic.str());
  if (topic == topics_.end()) return std::nullopt;
  auto partition = topic->second.find(tp.partition);
  if (partition == topic->second.end()) return std::nullopt;
  auto broker = live_brokers_.find(partition->second.leader);
  if (broker == live_brokers_.end()) return std::nullopt;
  return std::make_pair(broker->first, broker->second.node);
}

}  // namespace kafkasim::broker
