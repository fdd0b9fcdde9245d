// Broker: a Kafka broker as a simulated node. On start it opens its logs from its disk; then
// it answers LeaderAndIsr, UpdateMetadata, Metadata, InitProducerId, Produce and Fetch, and
// follows its leaders.
#pragma once

#include <memory>

#include "model/broker/broker_config.h"
#include "model/broker/metadata_cache.h"
#include "model/broker/producer_id_manager.h"
#include "model/broker/replica_manager.h"
#include "model/env.h"
#include "model/node.h"
#include "model/storage/log_manager.h"

namespace kafkasim::broker {

class Broker final : public Node {
 public:
  Broker(Env& env, BrokerConfig config) : env_(env), config_(std::move(config)) {}

  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;

  const BrokerConfig& config() const { return config_; }
  // Null while the log directory could not be opened (the broker then answers nothing).
  ReplicaManager* replica_manager() { return replicas_.get(); }
  storage::LogManager* log_manager() { return logs_.get(); }
  const MetadataCache& metadata_cache() const { return metadata_; }

 private:
  Env& env_;
  BrokerConfig config_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<ProducerIdManager> producer_ids_;
  MetadataCache metadata_;
};

}  // namespace kafkasim::broker
