// ConsumerCoordinator: a group member's side of the consumer group protocol (Kafka's
// AbstractCoordinator and ConsumerCoordinator; eager rebalancing, and cooperative (KIP-429)
// with the cooperative-sticky assignor).
//
// It finds the group's coordinator (FindCoordinator to any broker), joins (JoinGroup, again
// with the member id the coordinator hands out: KIP-394), and the leader assigns every
// member's partitions with the configured assignor and sends them in its SyncGroup. With its
// assignment a member fetches the committed offsets (OffsetFetch) and starts from them, or by
// auto.offset.reset where none was committed. Heartbeats every heartbeat.interval.ms keep the
// session; REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID send it back to
// join (after committing when auto commit is on). An eager member gives up its partitions
// before joining. A cooperative one consumes them on through the rebalance, gives up what its
// new assignment leaves out, and then rejoins so that their new owners get them; it loses
// them all only with its generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID);
// NOT_COORDINATOR or silence sends it looking for the coordinator again. A heartbeat's or
// commit's ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID about a membership the
// member has since left is ignored. A static member (group.instance.id, KIP-345) joins under
// its instance id and does not leave when it closes. Told another process holds its instance
// id (FENCED_INSTANCE_ID), it joins again without its member id when a heartbeat says so, and
// stops for good when a JoinGroup, a SyncGroup or a commit of its current generation does
// (FencedInstanceIdException), as Kafka's consumer. Offsets are committed
// every auto.commit.interval.ms, or when the application calls commit().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/client/consumer.h"
#include "model/protocol/group_requests.h"

namespace kafkasim::client {

class ConsumerCoordinator {
 public:
  ConsumerCoordinator(Env& env, Consumer& consumer, std::vector<std::string> topics);
  ~ConsumerCoordinator();

  // Called on every poll: moves the membership on (find, join, sync) when nothing is in flight.
  void poll();
  // Commits the consumer's positions (one commit in flight at a time).
  void commit();
  // consumer.close(): commits with auto commit on, leaves the group (a dynamic member), and
  // does nothing more.
  void close();
  // Closed, or stopped for good (fenced): the application polls no more.
  bool closed() const { return state_ == State::closed; }
  bool handle(NodeId from, const Message& message);
  // The connection to `node` closed: a coordinator there is lost (Kafka's
  // markCoordinatorUnknown), a FindCoordinator sent there failed.
  void on_disconnect(NodeId node);

 private:
  enum class State { unjoined, joining, syncing, fetching_offsets, stable, closed };
  // A request waiting for its answer, with its timeout and the membership it was sent under.
  struct InFlight {
    std::int32_t correlation_id = 0;
    TimerHandle timeout;
    Generation generation{-1};
    std::string member_id;
  };

  void find_coordinator();
  void join();
  void sync(const JoinGroupResponse& joined);
  void fetch_committed();
  // The member has its assignment and positions; a cooperative member that gave up partitions
  // rejoins now.
  void become_stable();
  void send_heartbeat();
  void schedule_heartbeat();
  void schedule_auto_commit();
  // Joins the group again (Kafka's onJoinPrepare, then JoinGroup unless one is out): commits
  // with auto commit on; an eager member gives up its partitions, a cooperative one only with
  // its generation.
  void rejoin(std::string_view why);
  // Rejoins without a member id or generation: the coordinator no longer knows this one.
  void rejoin_as_new_member(std::string_view why);
  bool cooperative() const { return is_cooperative(config_.assignment_strategy); }
  // The partitions its JoinGroup tells the assignor it owned.
  std::vector<TopicPartition> owned_for_assignor() const;
  void coordinator_lost(std::string_view why);
  // Ends the membership: no more requests, timers or heartbeats.
  void stop();
  // Another member holds this static member's instance id: it stops for good, consuming nothing.
  void fenced(std::string_view request);
  // What any group response's error asks of the member (rejoin, find the coordinator, retry).
  void on_group_error(Errors error, std::string_view request);
  void send_to_coordinator(MessagePtr message);
  // A new correlation id, awaited in `slot` until the request timeout.
  std::int32_t expect(InFlight& slot);
  // True when `correlation_id` is the one awaited in `slot`, which is then free.
  bool answered(InFlight& slot, std::int32_t correlation_id);
  // Gives up the request awaited in `slot`: a late answer to it is ignored.
  void forget(InFlight& slot);
  // True (and traced) when `error`, answering the request of `slot`, says the member's
  // generation or member id is gone, but the member has left that one already (Kafka's
  // generationUnchanged() false): the answer is ignored.
  bool stale_answer(const InFlight& slot, Errors error, std::string_view request);
  void retry_later();
  bool topics_known() const;

  Env& env_;
  Consumer& consumer_;
  const ConsumerConfig& config_;
  std::vector<std::string> topics_;
  State state_ = State::unjoined;
  std::optional<NodeId> coordinator_;
  std::string member_id_;
  Generation generation_{-1};
  std::vector<TopicPartition> last_assignment_;  // of the last generation it learnt
  bool rejoin_when_stable_ = false;              // it gave up partitions (cooperative)
  std::int32_t correlation_id_ = 0;
  InFlight step_;  // FindCoordinator, JoinGroup, SyncGroup or OffsetFetch
  InFlight heartbeat_;
  InFlight commit_;
  std::size_t next_bootstrap_ = 0;
  NodeId finding_from_;  // the broker asked FindCoordinator last
  SimTime last_heartbeat_ok_;
  TimerHandle retry_;
  TimerHandle heartbeat_timer_;
  TimerHandle auto_commit_timer_;
};

}  // namespace kafkasim::client
