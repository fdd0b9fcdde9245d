// GroupCoordinator: Kafka's consumer group coordinator, on every broker, for the groups whose
// __consumer_offsets partition that broker leads (eager rebalance protocol).
//
// A group moves Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and back to
// PreparingRebalance whenever a member joins, leaves or misses its session timeout. A
// rebalance completes when every known member has rejoined or the rebalance timeout passes
// (DelayedJoin; the first one of a new group waits group.initial.rebalance.delay.ms more):
// members that did not rejoin are dropped, the generation goes up, and the leader is sent
// every member's subscription. The leader's SyncGroup carries the assignment, which is
// written to __consumer_offsets before any member is told its part (Stable). Session
// timeouts are DelayedHeartbeats on the heartbeat purgatory's timing wheel.
//
// Static members (KIP-345, group.instance.id) join without MEMBER_ID_REQUIRED. One rejoining
// under a new member id (a restarted process) takes the old id's place and assignment: in a
// stable group without a rebalance, once the new id is written. The old id is fenced: its
// requests are answered FENCED_INSTANCE_ID.
//
// Offset commits are accepted only from a member of the current generation (or from a
// consumer outside any group, generation -1), and answered once written with
// offsets.commit.required.acks. A broker elected leader of a __consumer_offsets partition
// loads its groups and offsets from the log; one that stops leading it drops them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/env.h"
#include "model/group/group_config.h"
#include "model/group/offsets_records.h"
#include "model/protocol/group_requests.h"
#include "model/timer/delayed_operation.h"

namespace kafkasim::group {

// What the coordinator needs of its broker's __consumer_offsets partitions.
class OffsetsLog {
 public:
  virtual ~OffsetsLog() = default;
  // Appends `batch` to the partition as its leader with `acks`; `done` runs once, with NONE
  // when the write is as durable as acks asked, or the error.
  virtual void append(std::int32_t partition, ByteView batch, std::int16_t acks, std::int32_t timeout_ms,
                      std::function<void(Errors)> done) = 0;
  // The partition's batches from its log start to its log end, or nothing on an I/O error.
  virtual std::optional<std::vector<ByteView>> read_all(std::int32_t partition) = 0;
};

class GroupCoordinator {
 public:
  GroupCoordinator(Env& env, GroupCoordinatorConfig config, OffsetsLog& log);
  ~GroupCoordinator();

  // This broker became leader of __consumer_offsets-<partition>: load its groups.
  void on_election(std::int32_t partition);
  // It no longer leads that partition: forget its groups.
  void on_resignation(std::int32_t partition);

  // True when the message was a group request, which is then answered.
  bool handle(NodeId from, const Message& message);

 private:
  friend class DelayedJoin;
  friend class DelayedHeartbeat;

  enum class State { empty, preparing_rebalance, completing_rebalance, stable };
  struct Member {
    StoredMember stored;
    std::string protocol;
    std::optional<std::pair<NodeId, std::int32_t>> awaiting_join;  // where to answer, and the correlation id
    std::optional<std::pair<NodeId, std::int32_t>> awaiting_sync;
    std::shared_ptr<timer::DelayedOperation> session;  // the member's current DelayedHeartbeat
  };
  struct Group {
    std::string id;
    std::int32_t partition = 0;
    State state = State::empty;
    Generation generation{0};
    std::string protocol;
    std::string leader;
    std::map<std::string, Member> members;  // by member id
    std::set<std::string> pending_members;   // given an id (MEMBER_ID_REQUIRED), not yet joined
    std::map<TopicPartition, CommittedOffset> offsets;
  };

  void join(NodeId from, const JoinGroupRequest& request);
  // Sets the member (adding it if new) from its JoinGroup, which waits for its answer.
  void update_member(NodeId from, Group& g, const std::string& member_id, const JoinGroupRequest& request);
  // The member joins the rebalance in progress, or starts one.
  void add_to_rebalance(NodeId from, Group& g, const std::string& member_id, const JoinGroupRequest& request,
                        std::string_view reason);
  // A static member joining without a member id: new, or taking its instance's place.
  void join_static_member(NodeId from, Group& g, const JoinGroupRequest& request);
  std::optional<std::string> static_member_id(const Group& g, const std::string& group_instance_id) const;
  // Kafka's validateCurrentMember: FENCED_INSTANCE_ID when another member id holds the static
  // member's instance, UNKNOWN_MEMBER_ID when the member is not in the group.
  std::optional<Errors> membership_error(const Group& g, const std::string& member_id,
                                         const std::string& group_instance_id) const;
  // Gives member `from_id`'s place to `to_id`; requests waiting on `from_id` get `waiting_error`.
  void rename_member(Group& g, const std::string& from_id, const std::string& to_id, Errors waiting_error);
  void sync(NodeId from, const SyncGroupRequest& request);
  void heartbeat(NodeId from, const HeartbeatRequest& request);
  void leave(NodeId from, const LeaveGroupRequest& request);
  void commit(NodeId from, const OffsetCommitRequest& request);
  // Traces the answer (what the stale_commit_accepted checker reads) and sends it.
  void answer_commit(NodeId to, const OffsetCommitRequest& request, Errors error);
  void fetch_offsets(NodeId from, const OffsetFetchRequest& request);

  // NOT_COORDINATOR unless this broker leads the group's partition and has loaded it.
  std::optional<Errors> coordinator_error(const std::string& group_id) const;
  Group* find(const std::string& id);
  // The group, made empty on first use, on the partition of __consumer_offsets its id hashes to.
  Group& get_or_create(const std::string& id);
  void prepare_rebalance(Group& g, std::string_view reason);
  bool all_members_joined(const Group& g) const;
  void complete_join(const std::string& group_id);
  // Appends the group's metadata record, each member with its part of `assignment`.
  void write_group(const Group& g, const std::map<std::string, std::vector<TopicPartition>>& assignment,
                   std::function<void(Errors)> done);
  // Writes the leader's assignment; once written, the group is Stable and its members told.
  void store_group(Group& g, std::map<std::string, std::vector<TopicPartition>> assignment);
  void answer_sync_waiters(Group& g, Errors error);
  // Ends the member's session and starts the next, of its session.timeout.ms.
  void schedule_heartbeat(Group& g, Member& m);
  // A session ran out: `session` is the DelayedHeartbeat that expired (a pending id's, or a member's).
  void member_expired(const std::string& group_id, const std::string& member_id, const timer::DelayedOperation& session);
  void remove_member(Group& g, const std::string& member_id, std::string_view reason);
  // Drops the member and ends its session without a rebalance.
  void erase_member(Group& g, const std::string& member_id);
  // "<prefix>-<random>", the prefix a static member's instance id or else its client id.
  std::string new_member_id(const std::string& prefix);
  ByteView batch_of(const std::vector<EncodedRecord>& records);
  void load(std::int32_t partition, const std::vector<ByteView>& batches);

  Env& env_;
  GroupCoordinatorConfig config_;
  OffsetsLog& log_;
  std::set<std::int32_t> owned_partitions_;
  std::map<std::string, Group> groups_;
  timer::DelayedOperationPurgatory join_purgatory_;
  timer::DelayedOperationPurgatory heartbeat_purgatory_;
};

}  // namespace kafkasim::group
