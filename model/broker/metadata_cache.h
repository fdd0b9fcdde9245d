// What a broker knows of the cluster, from the controller's UpdateMetadata: live brokers and
// every partition's leader and ISR. Clients learn it with Metadata requests to any broker.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "model/protocol/metadata.h"

namespace kafkasim::broker {

class MetadataCache {
 public:
  // Applies the controller's view. False, and nothing changes, when it comes from a controller
  // older than the last one heard (a deposed controller).
  bool update(const UpdateMetadataRequest& request);
  MetadataResponse metadata(const MetadataRequest& request) const;
  ControllerEpoch controller_epoch() const { return controller_epoch_; }
  // Where the controller of the latest UpdateMetadata can be reached.
  std::optional<NodeId> controller_node() const {
    auto it = live_brokers_.find(controller_id_);
    if (it == live_brokers_.end()) return std::nullopt;
    return it->second.node;
  }
  // The live leader of a partition and where it can be reached (FindCoordinator asks this of
  // __consumer_offsets).
  std::optional<std::pair<BrokerId, NodeId>> live_leader(const TopicPartition& tp) const;

 private:
  TopicMetadata topic_metadata(const std::string& topic) const;

  ControllerEpoch controller_epoch_{-1};
  BrokerId controller_id_{-1};
  std::map<BrokerId, BrokerEndpoint> live_brokers_;
  std::map<std::string, std::map<std::int32_t, PartitionState>> topics_;  // by partition number
};

}  // namespace kafkasim::broker
