// Broker: a Kafka broker as a simulated node. On start it opens its logs from its disk; then
// it answers LeaderAndIsr, UpdateMetadata, Metadata, InitProducerId, Produce and Fetch, and
// follows its leaders. In ZooKeeper mode it also opens a session with the store, registers
// (/brokers/ids/<id>, ephemeral) and runs for controller; when its session expires it
// registers again with a new session, that is a new broker epoch.
#pragma once

#include <memory>
#include <vector>

#include "model/broker/broker_config.h"
#include "model/broker/log_dir_failure_channel.h"
#include "model/broker/metadata_cache.h"
#include "model/broker/offsets_log_on_replicas.h"
#include "model/broker/producer_id_manager.h"
#include "model/broker/replica_manager.h"
#include "model/env.h"
#include "model/group/group_coordinator.h"
#include "model/node.h"
#include "model/storage/log_manager.h"

namespace kafkasim::broker {

class Broker final : public Node {
 public:
  Broker(Env& env, BrokerConfig config)
      : env_(env), config_(std::move(config)), log_dir_(env.disk(), [this](const storage::IoStatus& s) { log_dir_failed(s); }) {}

  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;
  void on_disconnect(NodeId peer) override;
  ~Broker() override;

  const BrokerConfig& config() const { return config_; }
  // Null until the logs are open.
  ReplicaManager* replica_manager() { return replicas_.get(); }
  storage::LogManager* log_manager() { return logs_.get(); }
  const MetadataCache& metadata_cache() const { return metadata_; }
  // Null outside ZooKeeper mode.
  const controller::Controller* controller() const { return controller_.get(); }
  // Asks the controller to move this broker's leaderships away before it stops (SIGTERM in
  // Kafka), retrying up to controlled.shutdown.max.retries times; done() once it is safe.
  void begin_controlled_shutdown();
  bool controlled_shutdown_done() const { return shutdown_done_; }

 private:
  void register_broker();
  void on_registered();
  void handle_request(NodeId from, const MessagePtr& message);
  void send_controlled_shutdown();
  void log_dir_failed(const storage::IoStatus& status);
  void find_coordinator(NodeId from, const FindCoordinatorRequest& request);

  Env& env_;
  BrokerConfig config_;
  LogDirFailureChannel log_dir_;  // the disk as the broker's storage uses it
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<ProducerIdManager> producer_ids_;
  std::unique_ptr<OffsetsLogOnReplicas> offsets_log_;
  std::unique_ptr<group::GroupCoordinator> groups_;
  std::unique_ptr<controller::ZkClient> zk_;
  std::unique_ptr<controller::Controller> controller_;
  TimerHandle registration_retry_;
  TimerHandle shutdown_retry_;
  std::int32_t shutdown_attempts_ = 0;
  bool shutdown_done_ = false;
  MetadataCache metadata_;
  // ZooKeeper mode: as Kafka's startup, requests are processed only once this incarnation has
  // registered; until then they wait here, in arrival order.
  bool registered_ = false;
  std::vector<std::pair<NodeId, MessagePtr>> waiting_for_registration_;
};

}  // namespace kafkasim::broker
