// Kafka's controller in ZooKeeper mode (KafkaController), one in every broker, active in the one
// that wins /controller.
//
// On winning it raises /controller_epoch, reads brokers, topics and partition states, starts
// new partitions, elects leaders for partitions whose leader is gone, and tells every broker
// (LeaderAndIsr to replicas, UpdateMetadata to all). Then it reacts, one event at a time, to
// brokers coming and going (/brokers/ids), new topics (/brokers/topics), leaders' ISR changes
// (AlterIsr), and, every leader.imbalance.check.interval.ms, to partitions led away from their
// preferred replica. Every write of a partition state is conditional on both its version and
// the controller epoch's znode version, so a deposed controller cannot write (KAFKA-7083); and
// every request it sends carries its epoch, so brokers ignore a deposed controller.
//
// A broker that registers again with a new broker epoch (a new session: it restarted) is,
// with broker.epoch.fencing (KIP-380), handled as failed and then started, so it leaves the ISR;
// without, as before Kafka 2.2, a bounce the controller did not see keeps it in the ISR.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "model/controller/controller_channel.h"
#include "model/controller/replica_assignment.h"
#include "model/controller/zk_client.h"
#include "model/env.h"
#include "model/protocol/metadata.h"
#include "model/protocol/requests.h"

namespace kafkasim::controller {

struct ControllerConfig {
  bool unclean_leader_election_enable = false;
  bool auto_leader_rebalance_enable = true;
  std::int32_t leader_imbalance_per_broker_percentage = 10;
  std::int64_t leader_imbalance_check_interval_ms = 300000;
  bool broker_epoch_fencing = true;
  // How long a request to a broker waits for its answer before it is sent again.
  std::int64_t controller_socket_timeout_ms = 30000;
  // Only for proving the invariant checkers: a deliberately broken controller that moves leader
  // epochs by this step (0 reuses an epoch, -1 lowers it). Kafka always steps by 1.
  std::int32_t test_only_leader_epoch_step = 1;
};

class Controller {
 public:
  Controller(Env& env, BrokerId self, ControllerConfig config, ZkClient& zk);
  ~Controller();

  // Runs for /controller: after this broker registered, and whenever /controller goes away.
  void elect();
  // The session is gone: stop acting as controller.
  void resign();
  void on_watch(const ZkWatchEvent& event);
  // AlterIsr from leaders, ControlledShutdown from brokers, CreateTopics from clients, and the
  // brokers' answers to LeaderAndIsr and UpdateMetadata; false for other messages.
  bool handle(NodeId from, const Message& message);
  // The connection to `node` closed: requests in flight to a broker there go again soon.
  void on_disconnect(NodeId node) { channel_.on_disconnect(node); }

  bool active() const { return active_; }
  ControllerEpoch epoch() const { return epoch_; }

 private:
  using Done = std::function<void()>;
  using Job = std::function<void(Done)>;
  struct LiveBroker {
    NodeId node;
    std::string rack;
    std::int64_t epoch = 0;  // czxid of its registration
  };
  struct Change {
    PartitionState state;  // the new state (partition_epoch: the version it replaces)
    bool create = false;   // a new partition: create its znodes
    bool unclean = false;
    std::string_view reason;  // for LeaderElected; "" when the leader stays
  };
  using Paths = std::map<std::string, ZkReadResponse>;

  void enqueue(Job job);
  void run_next();
  // Wraps a ZK callback so that it does nothing once this controller has resigned.
  template <class F>
  auto guarded(F f);

  void become_controller(Done done);
  // Reads every path (data, or children), then calls back with all the answers.
  void read_all(const std::vector<std::string>& paths, std::function<void(Paths)> done);
  // Reads /brokers/ids (watching it) and every registration.
  void read_brokers(std::function<void(std::map<BrokerId, LiveBroker>)> done);
  // Reads the assignments of `topics` and the states of their partitions.
  void load_topics(const std::vector<std::string>& topics, Done done);
  void on_broker_change(Done done);
  void on_topic_change(Done done);
  void on_brokers(std::map<BrokerId, LiveBroker> now, Done done);
  void handle_alter_isr(NodeId from, const AlterIsrRequest& request, Done done);
  void handle_create_topics(NodeId from, const CreateTopicsRequest& request, Done done);
  void handle_controlled_shutdown(NodeId from, const ControlledShutdownRequest& request, Done done);
  // The placement of a new topic, or why there is none.
  std::variant<Assignment, Errors> place(const NewTopic& topic);
  void rebalance_leaders(Done done);
  void schedule_rebalance();

  // New ISRs (and leader epochs) without the `gone` brokers, for partitions whose leader lives.
  std::vector<Change> remove_from_isrs(const std::set<BrokerId>& gone) const;
  // Brokers named in some ISR that are not registered.
  std::set<BrokerId> absent_isr_members() const;
  // New states for partitions needing a leader (no live leader, or offline until now), or a
  // new partition; a partition for which none can be elected is marked offline.
  std::vector<Change> elect_leaders(const std::vector<TopicPartition>& partitions);
  // Writes the changes to the store in one multi conditional on the controller epoch and each
  // state's version. On success applies and traces them, sends LeaderAndIsr to the live
  // replicas of each (with tell_replicas) and UpdateMetadata to every broker.
  // When the store's answer was lost (the write may have been applied) or a version no longer
  // matched (some write was), it first reads the written partitions' states again, as Kafka's
  // partition state machine reads them afresh before it elects: no later decision rests on
  // a state the store no longer holds.
  void commit(std::vector<Change> changes, bool tell_replicas, std::function<void(bool)> done);
  // Reads the states of `partitions` from the store into the cache; tells the replicas of
  // those that changed (a leader elected by a write whose answer was lost learns it here).
  void reload_states(const std::vector<TopicPartition>& partitions, Done done);
  // A state as the store holds it, for the trace (the checkers' view of leaders and ISRs).
  void trace_state(const PartitionState& s);
  void send_leader_and_isr(const std::vector<TopicPartition>& partitions, const std::set<BrokerId>& only_to);
  void send_update_metadata();
  std::set<BrokerId> live_ids() const;
  LeaderEpoch next_epoch(LeaderEpoch e) const { return LeaderEpoch{e.value() + config_.test_only_leader_epoch_step}; }
  std::vector<TopicPartition> all_partitions() const;

  Env& env_;
  BrokerId self_;
  ControllerConfig config_;
  ZkClient& zk_;
  ControllerChannel channel_;
  bool active_ = false;
  std::uint64_t generation_ = 0;  // rises on resign; callbacks of an older one are ignored
  ControllerEpoch epoch_{-1};
  std::int32_t epoch_version_ = -1;  // of /controller_epoch
  std::map<BrokerId, LiveBroker> live_;
  std::map<std::string, Assignment> topics_;
  std::map<TopicPartition, PartitionState> states_;
  std::set<TopicPartition> offline_;  // no leader could be elected: the next election is owed
  std::set<BrokerId> shutting_down_;  // asked for a controlled shutdown, not yet gone
  std::deque<Job> jobs_;
  bool running_ = false;
  TimerHandle rebalance_;
};

}  // namespace kafkasim::controller
