#include "model/broker/broker.h"

#include "model/controller/zk_layout.h"

namespace kafkasim::broker {

Broker::~Broker() {
  registration_retry_.cancel();
  shutdown_retry_.cancel();
}

void Broker::start() {
  auto logs = storage::LogManager::open(log_dir_, config_.data_dir, config_.log_configs(), env_.now().as_micros() / 1000);
  if (!logs.ok()) {
    // Unreadable logs (an I/O error halted the broker already).
    if (!log_dir_.offline()) env_.trace(Note{"log directory unreadable: " + logs.status().detail()});
    return;
  }
  logs_ = std::move(logs.value());
  for (const std::string& note : logs_->notes()) env_.trace(Note{"recovery: " + note});
  env_.trace(BrokerStarted{config_.broker_id.value()});
  replicas_ = std::make_unique<ReplicaManager>(env_, config_, *logs_);
  replicas_->trace_recovered_logs();
  offsets_log_ = std::make_unique<OffsetsLogOnReplicas>(*replicas_);
  groups_ = std::make_unique<group::GroupCoordinator>(env_, config_.group, *offsets_log_);
  replicas_->set_leadership_listener([this](const Partition& p) {
    if (p.tp().topic != group::kOffsetsTopic) return;
    if (p.is_leader()) {
      groups_->on_election(p.tp().partition);
    } else {
      groups_->on_resignation(p.tp().partition);
    }
  });
  producer_ids_ = std::make_unique<ProducerIdManager>(log_dir_, config_.data_dir, config_.broker_id);
  if (!config_.zookeeper) return;
  zk_ = std::make_unique<controller::ZkClient>(
      env_, *config_.zookeeper, config_.zookeeper_session_timeout_ms,
      controller::ZkClient::Handlers{[this] { register_broker(); },
                                     [this] {
                                       controller_->resign();
                                       zk_->connect();  // a new session: a new broker epoch
                                     },
                                     [this](const ZkWatchEvent& e) { controller_->on_watch(e); }});
  controller_ = std::make_unique<controller::Controller>(env_, config_.broker_id, config_.controller, *zk_);
  zk_->connect();
}

void Broker::log_dir_failed(const storage::IoStatus& status) {
  // Kafka's LogDirFailureHandler: the only log directory is offline, so every one is.
  env_.trace(Note{"log directory " + config_.data_dir + " failed (" + status.detail() +
                  "): every log directory is offline, the broker halts"});
  env_.probe(Probe::log_dir_offline);
  env_.halt();
}

void Broker::register_broker() {
  const std::string data = controller::zk::encode(controller::zk::BrokerRegistration{env_.self(), config_.rack});
  zk_->multi({ZkOp{ZkOpType::create, controller::zk::broker_path(config_.broker_id), data, -1, true}},
             [this](const ZkMultiResponse& r) {
               if (r.error == ZkError::ok) return on_registered();
               if (r.error == ZkError::session_expired) return;  // a new session registers again
               // The previous incarnation's znode stays until its session expires: try again.
               registration_retry_ = env_.after(Duration::millis(config_.registration_retry_ms), [this] { register_broker(); });
             });
}

void Broker::on_registered() {
  controller_->elect();
  if (registered_) return;  // a new session after an expiry: requests were never held
  registered_ = true;
  std::vector<std::pair<NodeId, MessagePtr>> waiting;
  waiting.swap(waiting_for_registration_);
  for (const auto& [from, message] : waiting) {
    const auto* leader_and_isr = body_cast<LeaderAndIsrRequest>(*message);
    if (leader_and_isr && config_.controller.broker_epoch_fencing) {
      // Sent to the previous incarnation's registration: a stale broker epoch (KIP-380). The
      // controller tells this incarnation its roles once it sees the registration.
      LeaderAndIsrResponse stale;
      stale.correlation_id = leader_and_isr->correlation_id;
      for (const auto& state : leader_and_isr->partitions) stale.partitions.emplace_back(state.tp, Errors::STALE_BROKER_EPOCH);
      env_.probe(Probe::stale_broker_epoch_request_refused);
      env_.send(from, make_message(std::move(stale)));
      continue;
    }
    handle_request(from, message);
  }
}

void Broker::begin_controlled_shutdown() {
  shutdown_attempts_ = 0;
  send_controlled_shutdown();
}

void Broker::send_controlled_shutdown() {
  if (shutdown_done_ || shutdown_attempts_ > config_.controlled_shutdown_max_retries) return;
  ++shutdown_attempts_;
  if (const auto controller = metadata_.controller_node()) {
    env_.send(*controller, make_message(ControlledShutdownRequest{shutdown_attempts_, config_.broker_id}));
  }
  shutdown_retry_ = env_.after(Duration::millis(config_.controlled_shutdown_retry_backoff_ms),
                               [this] { send_controlled_shutdown(); });
}

void Broker::on_message(NodeId from, const MessagePtr& message) {
  if (!replicas_) return;
  if (zk_ && (zk_->handle(*message) || controller_->handle(from, *message))) return;
  if (zk_ && !registered_) {
    waiting_for_registration_.emplace_back(from, message);
    return;
  }
  handle_request(from, message);
}

void Broker::on_disconnect(NodeId peer) {
  if (!replicas_) return;
  if (controller_) controller_->on_disconnect(peer);
  replicas_->on_disconnect(peer);
}

void Broker::handle_request(NodeId from, const MessagePtr& message) {
  if (const auto* leader_and_isr = body_cast<LeaderAndIsrRequest>(*message)) {
    env_.send(from, make_message(replicas_->become_leader_or_follower(from, *leader_and_isr)));
  } else if (const auto* shutdown = body_cast<ControlledShutdownResponse>(*message)) {
    if (shutdown->error == Errors::NONE && shutdown->partitions_remaining == 0) {
      shutdown_done_ = true;
      shutdown_retry_.cancel();
    }
  } else if (const auto* isr_answer = body_cast<AlterIsrResponse>(*message)) {
    replicas_->handle_alter_isr_response(*isr_answer);
  } else if (const auto* update = body_cast<UpdateMetadataRequest>(*message)) {
    const bool current = metadata_.update(*update);
    if (current) {
      replicas_->set_controller(from);
    } else {
      env_.probe(Probe::stale_controller_request_refused);
    }
    env_.send(from, make_message(UpdateMetadataResponse{update->correlation_id,
                                                        current ? Errors::NONE : Errors::STALE_CONTROLLER_EPOCH}));
  } else if (const auto* metadata = body_cast<MetadataRequest>(*message)) {
    env_.send(from, make_message(metadata_.metadata(*metadata)));
  } else if (const auto* init = body_cast<InitProducerIdRequest>(*message)) {
    const auto id = producer_ids_->next();
    env_.send(from, make_message(InitProducerIdResponse{init->correlation_id,
                                                        id ? Errors::NONE : Errors::KAFKA_STORAGE_ERROR,
                                                        id.value_or(ProducerId{-1}), id ? std::int16_t{0} : std::int16_t{-1}}));
  } else if (const auto* produce = body_cast<ProduceRequest>(*message)) {
    replicas_->handle_produce(from, *produce);
  } else if (const auto* fetch = body_cast<FetchRequest>(*message)) {
    replicas_->handle_fetch(from, *fetch);
  } else if (const auto* fetched = body_cast<FetchResponse>(*message)) {
    replicas_->handle_fetch_response(from, *fetched);
  } else if (const auto* list_offsets = body_cast<ListOffsetsRequest>(*message)) {
    replicas_->handle_list_offsets(from, *list_offsets);
  } else if (const auto* epoch_query = body_cast<OffsetsForLeaderEpochRequest>(*message)) {
    replicas_->handle_offsets_for_leader_epoch(from, *epoch_query);
  } else if (const auto* epoch_end = body_cast<OffsetsForLeaderEpochResponse>(*message)) {
    replicas_->handle_offsets_for_leader_epoch_response(from, *epoch_end);
  } else if (const auto* listed = body_cast<ListOffsetsResponse>(*message)) {
    replicas_->handle_list_offsets_response(from, *listed);
  } else if (const auto* find = body_cast<FindCoordinatorRequest>(*message)) {
    find_coordinator(from, *find);
  } else {
    groups_->handle(from, *message);
  }
}

void Broker::find_coordinator(NodeId from, const FindCoordinatorRequest& request) {
  // Any broker answers from its metadata: the leader of the group's __consumer_offsets partition.
  FindCoordinatorResponse response;
  response.correlation_id = request.correlation_id;
  const std::int32_t partition = group::partition_for(request.group_id, config_.group.offsets_topic_partitions);
  if (const auto leader = metadata_.live_leader(offsets_partition(partition))) {
    response.broker = leader->first;
    response.node = leader->second;
  } else {
    response.error = Errors::COORDINATOR_NOT_AVAILABLE;
  }
  env_.send(from, make_message(std::move(response)));
}

}  // namespace kafkasim::broker
