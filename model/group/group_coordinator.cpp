#include "model/group/group_coordinator.h"

#include <algorithm>
#include <cstdio>

#include "model/storage/record_batch.h"

namespace kafkasim::group {

namespace {

std::string join_key(const std::string& group_id) { return "join:" + group_id; }

std::int64_t now_ms(const Env& env) { return env.now().as_millis(); }

// What a member is told when the group's write failed, as Kafka maps storage errors.
Errors coordinator_error_of(Errors append_error) {
  switch (append_error) {
    case Errors::NONE: return Errors::NONE;
    case Errors::NOT_LEADER_OR_FOLLOWER:
    case Errors::UNKNOWN_TOPIC_OR_PARTITION:
    case Errors::KAFKA_STORAGE_ERROR:
    case Errors::FENCED_LEADER_EPOCH: return Errors::NOT_COORDINATOR;
    default: return Errors::COORDINATOR_NOT_AVAILABLE;  // timeouts, too few replicas
  }
}

std::string offsets_text(const std::vector<CommittedOffset>& offsets) {
  std::string out;
  for (const auto& o : offsets) out.append(out.empty() ? "" : ",").append(o.tp.str()).append("@").append(std::to_string(o.offset.value()));
  return out;
}

}  // namespace

// A rebalance: completes when every member has rejoined, or at its timeout. The first
// rebalance of an empty group only ends at its timeout (group.initial.rebalance.delay.ms), so
// that members starting together join one generation.
class DelayedJoin final : public timer::DelayedOperation {
 public:
  DelayedJoin(GroupCoordinator& coordinator, std::string group_id, std::int64_t delay_ms, bool initial)
      : DelayedOperation(delay_ms), coordinator_(coordinator), group_id_(std::move(group_id)), initial_(initial) {}
  bool try_complete() override {
    const auto* g = coordinator_.find(group_id_);
    if (!g || g->state != GroupCoordinator::State::preparing_rebalance) return force_complete();
    return !initial_ && coordinator_.all_members_joined(*g) && force_complete();
  }
  void on_complete() override { coordinator_.complete_join(group_id_); }
  void on_expiration() override {}

 private:
  GroupCoordinator& coordinator_;
  std::string group_id_;
  bool initial_;
};

// A member's session: expires unless a heartbeat (or any request of the member) comes first,
// which completes it and starts the next.
class DelayedHeartbeat final : public timer::DelayedOperation {
 public:
  DelayedHeartbeat(GroupCoordinator& coordinator, std::string group_id, std::string member_id, std::int64_t timeout_ms)
      : DelayedOperation(timeout_ms), coordinator_(coordinator), group_id_(std::move(group_id)),
        member_id_(std::move(member_id)) {}
  bool try_complete() override { return false; }
  void on_complete() override {}
  void on_expiration() override { coordinator_.member_expired(group_id_, member_id_, *this); }

 private:
  GroupCoordinator& coordinator_;
  std::string group_id_;
  std::string member_id_;
};

GroupCoordinator::GroupCoordinator(Env& env, GroupCoordinatorConfig config, OffsetsLog& log)
    : env_(env), config_(config), log_(log), join_purgatory_(env, "Rebalance"), heartbeat_purgatory_(env, "Heartbeat") {}

GroupCoordinator::~GroupCoordinator() = default;

GroupCoordinator::Group& GroupCoordinator::get_or_create(const std::string& id) {
  auto [it, fresh] = groups_.try_emplace(id);
  if (fresh) {
    it->second.id = id;
    it->second.partition = partition_for(id, config_.offsets_topic_partitions);
  }
  return it->second;
}

GroupCoordinator::Group* GroupCoordinator::find(const std::string& id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

std::optional<Errors> GroupCoordinator::coordinator_error(const std::string& group_id) const {
  if (group_id.empty()) return Errors::INVALID_REQUEST;
  if (!owned_partitions_.contains(partition_for(group_id, config_.offsets_topic_partitions))) return Errors::NOT_COORDINATOR;
  return std::nullopt;
}

bool GroupCoordinator::handle(NodeId from, const Message& message) {
  if (const auto* j = body_cast<JoinGroupRequest>(message)) {
    join(from, *j);
  } else if (const auto* s = body_cast<SyncGroupRequest>(message)) {
    sync(from, *s);
  } else if (const auto* h = body_cast<HeartbeatRequest>(message)) {
    heartbeat(from, *h);
  } else if (const auto* l = body_cast<LeaveGroupRequest>(message)) {
    leave(from, *l);
  } else if (const auto* c = body_cast<OffsetCommitRequest>(message)) {
    commit(from, *c);
  } else if (const auto* f = body_cast<OffsetFetchRequest>(message)) {
    fetch_offsets(from, *f);
  } else {
    return false;
  }
  return true;
}

std::string GroupCoordinator::new_member_id(const std::string& prefix) {
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(env_.rng().next_u64()));
  return prefix + "-" + suffix;
}

void GroupCoordinator::join(NodeId from, const JoinGroupRequest& request) {
  auto reply = [&](Errors error, std::string member_id) {
    JoinGroupResponse r;
    r.correlation_id = request.correlation_id;
    r.error = error;
    r.member_id = std::move(member_id);
    env_.send(from, make_message(std::move(r)));
  };
  if (const auto error = coordinator_error(request.group_id)) return reply(*error, request.member_id);
  if (request.session_timeout_ms < config_.group_min_session_timeout_ms ||
      request.session_timeout_ms > config_.group_max_session_timeout_ms) {
    return reply(Errors::INVALID_SESSION_TIMEOUT, request.member_id);
  }
  Group* g = find(request.group_id);
  if (!g) {
    if (!request.member_id.empty()) return reply(Errors::UNKNOWN_MEMBER_ID, request.member_id);
    g = &get_or_create(request.group_id);
  }
  // Every member must speak the assignment strategy the others do (each offers one here).
  for (const auto& [id, m] : g->members) {
    if (id != request.member_id && m.protocol != request.protocol) return reply(Errors::INCONSISTENT_GROUP_PROTOCOL, request.member_id);
  }
  const std::string& instance = request.group_instance_id;
  if (request.member_id.empty()) {
    if (!instance.empty()) return join_static_member(from, *g, request);
    // KIP-394: a new member is given its id first and joins with it.
    std::string id = new_member_id(request.client_id);
    g->pending_members.insert(id);
    // A member that never comes back with its id stops holding up rebalances after its session.
    heartbeat_purgatory_.try_complete_else_watch(
        std::make_shared<DelayedHeartbeat>(*this, g->id, id, request.session_timeout_ms), {g->id + "/" + id});
    return reply(Errors::MEMBER_ID_REQUIRED, id);
  }
  if (const auto error = membership_error(*g, request.member_id, instance)) {
    // A dynamic member's id handed out by MEMBER_ID_REQUIRED joins for the first time.
    if (*error != Errors::UNKNOWN_MEMBER_ID || !instance.empty() || !g->pending_members.erase(request.member_id)) {
      return reply(*error, request.member_id);
    }
  }
  const bool known = g->members.contains(request.member_id);
  add_to_rebalance(from, *g, request.member_id, request, known ? "a member rejoined" : "a member joined");
}

void GroupCoordinator::update_member(NodeId from, Group& g, const std::string& member_id, const JoinGroupRequest& request) {
  Member& m = g.members[member_id];
  m.stored.member_id = member_id;
  m.stored.group_instance_id = request.group_instance_id;
  m.stored.client_id = request.client_id;
  m.stored.session_timeout_ms = request.session_timeout_ms;
  m.stored.rebalance_timeout_ms = request.rebalance_timeout_ms;
  m.stored.subscription = request.subscription;
  m.protocol = request.protocol;
  m.awaiting_join = std::make_pair(from, request.correlation_id);
  g.protocol = request.protocol;
  schedule_heartbeat(g, m);
}

void GroupCoordinator::add_to_rebalance(NodeId from, Group& g, const std::string& member_id,
                                        const JoinGroupRequest& request, std::string_view reason) {
  update_member(from, g, member_id, request);
  if (g.state != State::preparing_rebalance) {
    prepare_rebalance(g, reason);
  } else {
    join_purgatory_.check_and_complete(join_key(g.id));
  }
}

void GroupCoordinator::join_static_member(NodeId from, Group& g, const JoinGroupRequest& request) {
  const std::string member_id = new_member_id(request.group_instance_id);
  const auto old_id = static_member_id(g, request.group_instance_id);
  if (!old_id) return add_to_rebalance(from, g, member_id, request, "a static member joined");
  // KIP-345: the new member id takes the old one's place and its assignment; the old id is fenced.
  env_.probe(Probe::group_static_member_replaced);
  env_.trace(Note{"group " + g.id + ": static member " + request.group_instance_id + " rejoined as " + member_id +
                  ", fencing " + *old_id});
  const std::string leader_before = g.leader;
  rename_member(g, *old_id, member_id, Errors::FENCED_INSTANCE_ID);
  // A stable group whose protocol stays the same hands the member its place without a
  // rebalance, once the new id is written. Otherwise it rebalances, so that no assignment the
  // leader is computing names the old id.
  if (g.state != State::stable || request.protocol != g.protocol) {
    return add_to_rebalance(from, g, member_id, request, "a static member rejoined");
  }
  update_member(from, g, member_id, request);
  std::map<std::string, std::vector<TopicPartition>> assignment;
  for (const auto& [id, m] : g.members) assignment[id] = m.stored.assignment;
  write_group(g, assignment, [this, group_id = g.id, generation = g.generation, member_id, old_id = *old_id,
                              leader_before](Errors error) {
    Group* stored = find(group_id);
    if (!stored || stored->generation != generation || stored->state != State::stable) return;  // a rebalance answers it
    auto it = stored->members.find(member_id);
    if (it == stored->members.end() || !it->second.awaiting_join) return;
    const auto [to, correlation_id] = *it->second.awaiting_join;
    it->second.awaiting_join.reset();
    JoinGroupResponse r;
    r.correlation_id = correlation_id;
    r.member_id = member_id;
    if (error != Errors::NONE) {
      // Kafka gives the old id its place back; the member joins again.
      if (!stored->members.contains(old_id)) rename_member(*stored, member_id, old_id, Errors::UNKNOWN_MEMBER_ID);
      r.error = Errors::UNKNOWN_MEMBER_ID;
      env_.send(to, make_message(std::move(r)));
      return;
    }
    r.generation = generation;
    r.protocol = stored->protocol;
    // The leader as it was: a rejoining leader sees an id not its own and assigns nothing,
    // which a stable group would not pass on anyway.
    r.leader = leader_before;
    env_.send(to, make_message(std::move(r)));
  });
}

std::optional<std::string> GroupCoordinator::static_member_id(const Group& g, const std::string& group_instance_id) const {
  for (const auto& [id, m] : g.members) {
    if (m.stored.group_instance_id == group_instance_id) return id;
  }
  return std::nullopt;
}

std::optional<Errors> GroupCoordinator::membership_error(const Group& g, const std::string& member_id,
                                                         const std::string& group_instance_id) const {
  if (!group_instance_id.empty()) {
    const auto holder = static_member_id(g, group_instance_id);
    if (holder && *holder != member_id) return Errors::FENCED_INSTANCE_ID;
    if (!holder) return Errors::UNKNOWN_MEMBER_ID;
  }
  if (!g.members.contains(member_id)) return Errors::UNKNOWN_MEMBER_ID;
  return std::nullopt;
}

void GroupCoordinator::rename_member(Group& g, const std::string& from_id, const std::string& to_id, Errors waiting_error) {
  auto entry = g.members.extract(from_id);
  Member& m = entry.mapped();
  // Requests the old id left waiting are answered: it no longer holds the place.
  if (m.awaiting_join) {
    JoinGroupResponse r;
    r.correlation_id = m.awaiting_join->second;
    r.error = waiting_error;
    r.member_id = from_id;
    env_.send(m.awaiting_join->first, make_message(std::move(r)));
    m.awaiting_join.reset();
  }
  if (m.awaiting_sync) {
    env_.send(m.awaiting_sync->first, make_message(SyncGroupResponse{m.awaiting_sync->second, waiting_error, {}}));
    m.awaiting_sync.reset();
  }
  entry.key() = to_id;
  m.stored.member_id = to_id;
  Member& renamed = g.members.insert(std::move(entry)).position->second;
  if (g.leader == from_id) g.leader = to_id;
  schedule_heartbeat(g, renamed);  // the old id's session ends without expiring
}

void GroupCoordinator::prepare_rebalance(Group& g, std::string_view reason) {
  if (g.state == State::completing_rebalance) answer_sync_waiters(g, Errors::REBALANCE_IN_PROGRESS);
  const bool initial = g.state == State::empty && config_.group_initial_rebalance_delay_ms > 0;
  g.state = State::preparing_rebalance;
  std::int64_t timeout_ms = 0;
  for (const auto& [id, m] : g.members) timeout_ms = std::max<std::int64_t>(timeout_ms, m.stored.rebalance_timeout_ms);
  if (initial) timeout_ms = std::min<std::int64_t>(timeout_ms, config_.group_initial_rebalance_delay_ms);
  env_.trace(Note{"group " + g.id + " preparing rebalance in generation " + std::to_string(g.generation.value()) + ": " +
                  std::string(reason)});
  join_purgatory_.try_complete_else_watch(std::make_shared<DelayedJoin>(*this, g.id, timeout_ms, initial), {join_key(g.id)});
}

bool GroupCoordinator::all_members_joined(const Group& g) const {
  return g.pending_members.empty() &&
         std::all_of(g.members.begin(), g.members.end(), [](const auto& m) { return m.second.awaiting_join.has_value(); });
}

void GroupCoordinator::complete_join(const std::string& group_id) {
  Group* g = find(group_id);
  if (!g || g->state != State::preparing_rebalance) return;
  // Members that did not rejoin in time are out (Kafka removes them when the join completes).
  std::vector<std::string> gone;
  for (const auto& [id, m] : g->members) {
    if (!m.awaiting_join) gone.push_back(id);
  }
  for (const std::string& id : gone) erase_member(*g, id);
  g->pending_members.clear();
  g->generation = Generation{g->generation.value() + 1};
  if (g->members.empty()) {
    g->state = State::empty;
    g->leader.clear();
    env_.trace(GroupRebalanced{g->id, g->generation.value(), "", 0});
    // Kafka writes the empty group too, so that a new coordinator does not reload old members.
    store_group(*g, {});
    return;
  }
  if (!g->members.contains(g->leader)) g->leader = g->members.begin()->first;
  g->state = State::completing_rebalance;
  env_.trace(GroupRebalanced{g->id, g->generation.value(), g->leader, static_cast<std::int32_t>(g->members.size())});
  for (auto& [id, m] : g->members) {
    JoinGroupResponse r;
    r.correlation_id = m.awaiting_join->second;
    r.generation = g->generation;
    r.protocol = g->protocol;
    r.leader = g->leader;
    r.member_id = id;
    if (id == g->leader) {
      for (const auto& [other_id, other] : g->members) r.members.push_back(JoinGroupMember{other_id, other.stored.subscription});
    }
    const NodeId to = m.awaiting_join->first;
    m.awaiting_join.reset();
    env_.send(to, make_message(std::move(r)));
    schedule_heartbeat(*g, m);
  }
}

void GroupCoordinator::sync(NodeId from, const SyncGroupRequest& request) {
  auto reply = [&](Errors error, std::vector<TopicPartition> assignment = {}) {
    env_.send(from, make_message(SyncGroupResponse{request.correlation_id, error, std::move(assignment)}));
  };
  if (const auto error = coordinator_error(request.group_id)) return reply(*error);
  Group* g = find(request.group_id);
  if (!g) return reply(Errors::UNKNOWN_MEMBER_ID);
  if (const auto error = membership_error(*g, request.member_id, request.group_instance_id)) return reply(*error);
  if (request.generation != g->generation) return reply(Errors::ILLEGAL_GENERATION);
  Member& m = g->members.at(request.member_id);
  switch (g->state) {
    case State::empty: return reply(Errors::UNKNOWN_MEMBER_ID);
    case State::preparing_rebalance: return reply(Errors::REBALANCE_IN_PROGRESS);
    case State::stable:
      schedule_heartbeat(*g, m);
      return reply(Errors::NONE, m.stored.assignment);
    case State::completing_rebalance: break;
  }
  m.awaiting_sync = std::make_pair(from, request.correlation_id);
  schedule_heartbeat(*g, m);
  if (request.member_id != g->leader) return;
  std::map<std::string, std::vector<TopicPartition>> assignment;
  for (const auto& [id, member] : g->members) assignment[id];  // members the leader left out get nothing
  for (const MemberAssignment& a : request.assignments) {
    if (assignment.contains(a.member_id)) assignment[a.member_id] = a.partitions;
  }
  store_group(*g, std::move(assignment));
}

ByteView GroupCoordinator::batch_of(const std::vector<EncodedRecord>& records) {
  storage::RecordBatchBuilder builder(Offset{0}, now_ms(env_));
  for (const EncodedRecord& r : records) {
    builder.append(now_ms(env_), std::optional<storage::ByteSpan>(r.key), std::optional<storage::ByteSpan>(r.value), {});
  }
  return builder.build();
}

void GroupCoordinator::write_group(const Group& g, const std::map<std::string, std::vector<TopicPartition>>& assignment,
                                   std::function<void(Errors)> done) {
  GroupMetadataRecord record{g.id, g.generation, g.protocol, g.leader, {}};
  for (const auto& [id, m] : g.members) {
    StoredMember stored = m.stored;
    const auto it = assignment.find(id);
    stored.assignment = it == assignment.end() ? std::vector<TopicPartition>{} : it->second;
    record.members.push_back(std::move(stored));
  }
  log_.append(g.partition, batch_of({encode(record)}), config_.offsets_commit_required_acks,
              config_.offsets_commit_timeout_ms, std::move(done));
}

void GroupCoordinator::store_group(Group& g, std::map<std::string, std::vector<TopicPartition>> assignment) {
  auto on_written = [this, group_id = g.id, generation = g.generation, assignment](Errors error) {
    Group* stored = find(group_id);
    if (!stored || stored->generation != generation) return;  // moved on, or no longer ours
    if (stored->state != State::completing_rebalance) return;
    if (error != Errors::NONE) {
      // Kafka: the members learn the error and the group rebalances again.
      answer_sync_waiters(*stored, coordinator_error_of(error));
      prepare_rebalance(*stored, "its assignment could not be written");
      return;
    }
    for (auto& [id, m] : stored->members) m.stored.assignment = assignment.at(id);
    stored->state = State::stable;
    env_.trace(GroupStable{group_id, generation.value(), static_cast<std::int32_t>(stored->members.size())});
    answer_sync_waiters(*stored, Errors::NONE);
  };
  write_group(g, assignment, std::move(on_written));
}

void GroupCoordinator::answer_sync_waiters(Group& g, Errors error) {
  for (auto& [id, m] : g.members) {
    if (!m.awaiting_sync) continue;
    std::vector<TopicPartition> assignment;
    if (error == Errors::NONE) assignment = m.stored.assignment;
    env_.send(m.awaiting_sync->first, make_message(SyncGroupResponse{m.awaiting_sync->second, error, std::move(assignment)}));
    m.awaiting_sync.reset();
  }
}

void GroupCoordinator::heartbeat(NodeId from, const HeartbeatRequest& request) {
  auto reply = [&](Errors error) { env_.send(from, make_message(HeartbeatResponse{request.correlation_id, error})); };
  if (const auto error = coordinator_error(request.group_id)) return reply(*error);
  Group* g = find(request.group_id);
  if (!g || g->state == State::empty) return reply(Errors::UNKNOWN_MEMBER_ID);
  if (const auto error = membership_error(*g, request.member_id, request.group_instance_id)) return reply(*error);
  if (request.generation != g->generation) return reply(Errors::ILLEGAL_GENERATION);
  Member& m = g->members.at(request.member_id);
  schedule_heartbeat(*g, m);
  reply(g->state == State::preparing_rebalance ? Errors::REBALANCE_IN_PROGRESS : Errors::NONE);
}

void GroupCoordinator::leave(NodeId from, const LeaveGroupRequest& request) {
  auto reply = [&](Errors error) { env_.send(from, make_message(LeaveGroupResponse{request.correlation_id, error})); };
  if (const auto error = coordinator_error(request.group_id)) return reply(*error);
  Group* g = find(request.group_id);
  if (!g || !g->members.contains(request.member_id)) return reply(Errors::UNKNOWN_MEMBER_ID);
  remove_member(*g, request.member_id, "a member left");
  reply(Errors::NONE);
}

void GroupCoordinator::schedule_heartbeat(Group& g, Member& m) {
  if (m.session) m.session->force_complete();  // the previous session ends without expiring
  m.session = std::make_shared<DelayedHeartbeat>(*this, g.id, m.stored.member_id, m.stored.session_timeout_ms);
  heartbeat_purgatory_.try_complete_else_watch(m.session, {g.id + "/" + m.stored.member_id});
}

void GroupCoordinator::member_expired(const std::string& group_id, const std::string& member_id,
                                      const timer::DelayedOperation& session) {
  Group* g = find(group_id);
  if (!g) return;
  auto it = g->members.find(member_id);
  if (it == g->members.end()) {
    if (g->pending_members.erase(member_id)) join_purgatory_.check_and_complete(join_key(g->id));
    return;
  }
  if (it->second.session.get() != &session) return;  // the pending id's session, after the member joined
  if (it->second.awaiting_join) {
    // Waiting for the rebalance to complete keeps a member alive until its rebalance timeout.
    schedule_heartbeat(*g, it->second);
    return;
  }
  env_.probe(Probe::group_member_session_expired);
  remove_member(*g, member_id, "a member's session timed out");
}

void GroupCoordinator::erase_member(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  if (it->second.session) it->second.session->force_complete();
  g.members.erase(it);
}

void GroupCoordinator::remove_member(Group& g, const std::string& member_id, std::string_view reason) {
  erase_member(g, member_id);
  switch (g.state) {
    case State::stable:
    case State::completing_rebalance: prepare_rebalance(g, reason); break;
    case State::preparing_rebalance: join_purgatory_.check_and_complete(join_key(g.id)); break;
    case State::empty: break;
  }
}

void GroupCoordinator::commit(NodeId from, const OffsetCommitRequest& request) {
  auto reply = [this, from, &request](Errors error) { answer_commit(from, request, error); };
  if (const auto error = coordinator_error(request.group_id)) return reply(*error);
  Group* g = find(request.group_id);
  const bool simple = request.generation.value() < 0 && request.member_id.empty();
  if (!simple) {
    if (!g) return reply(Errors::UNKNOWN_MEMBER_ID);
    if (const auto error = membership_error(*g, request.member_id, request.group_instance_id)) return reply(*error);
    if (request.generation != g->generation) return reply(Errors::ILLEGAL_GENERATION);
    if (g->state == State::completing_rebalance) return reply(Errors::REBALANCE_IN_PROGRESS);
    Member& m = g->members.at(request.member_id);
    schedule_heartbeat(*g, m);
  } else if (g && !g->members.empty()) {
    return reply(Errors::UNKNOWN_MEMBER_ID);  // a group with members takes commits only from them
  }
  if (!g) g = &get_or_create(request.group_id);
  std::vector<EncodedRecord> records;
  for (const CommittedOffset& o : request.offsets) records.push_back(encode(OffsetCommitRecord{request.group_id, o, now_ms(env_)}));
  log_.append(g->partition, batch_of(records), config_.offsets_commit_required_acks, config_.offsets_commit_timeout_ms,
              [this, from, request](Errors error) {
                Group* stored = find(request.group_id);
                const Errors answer = stored ? coordinator_error_of(error) : Errors::NOT_COORDINATOR;  // unloaded meanwhile
                if (answer == Errors::NONE) {
                  for (const CommittedOffset& o : request.offsets) stored->offsets[o.tp] = o;
                }
                answer_commit(from, request, answer);
              });
}

void GroupCoordinator::answer_commit(NodeId to, const OffsetCommitRequest& request, Errors error) {
  OffsetCommitResponse r;
  r.correlation_id = request.correlation_id;
  for (const auto& o : request.offsets) r.partitions.emplace_back(o.tp, error);
  const Group* g = find(request.group_id);
  env_.trace(OffsetCommitAnswered{request.group_id, request.member_id, request.generation.value(),
                                  g ? g->generation.value() : -1, error_name(error), offsets_text(request.offsets)});
  env_.send(to, make_message(std::move(r)));
}

void GroupCoordinator::fetch_offsets(NodeId from, const OffsetFetchRequest& request) {
  OffsetFetchResponse r;
  r.correlation_id = request.correlation_id;
  if (const auto error = coordinator_error(request.group_id)) {
    r.error = *error;
  } else {
    const Group* g = find(request.group_id);
    for (const TopicPartition& tp : request.partitions) {
      auto it = g ? g->offsets.find(tp) : decltype(g->offsets.end()){};
      r.offsets.push_back(g && it != g->offsets.end() ? it->second : CommittedOffset{tp, Offset{-1}, LeaderEpoch{-1}});
    }
  }
  env_.send(from, make_message(std::move(r)));
}

void GroupCoordinator::on_election(std::int32_t partition) {
  if (owned_partitions_.contains(partition)) return;  // re-elected in a new leader epoch: loaded already
  auto batches = log_.read_all(partition);
  if (!batches) {
    env_.trace(Note{"could not load __consumer_offsets-" + std::to_string(partition)});
    return;
  }
  load(partition, *batches);
  owned_partitions_.insert(partition);
}

void GroupCoordinator::load(std::int32_t partition, const std::vector<ByteView>& batches) {
  for (const ByteView& bytes : batches) {
    auto batch = storage::RecordBatchView::parse(bytes);
    if (!batch) continue;
    storage::RecordReader reader(*batch);
    for (storage::RecordView r; reader.next(r);) {
      if (!r.key || !r.value) continue;
      auto record = decode(*r.key, *r.value);
      if (!record) continue;
      if (const auto* offset = std::get_if<OffsetCommitRecord>(&*record)) {
        Group& g = get_or_create(offset->group_id);
        g.offsets[offset->committed.tp] = offset->committed;
        continue;
      }
      const auto& meta = std::get<GroupMetadataRecord>(*record);
      Group& g = get_or_create(meta.group_id);
      g.generation = meta.generation;
      g.protocol = meta.protocol;
      g.leader = meta.leader;
      g.members.clear();
      for (const StoredMember& stored : meta.members) {
        Member& m = g.members[stored.member_id];
        m.stored = stored;
        m.protocol = meta.protocol;
      }
      g.state = g.members.empty() ? State::empty : State::stable;
    }
  }
  for (auto& [id, g] : groups_) {
    if (g.partition != partition) continue;
    env_.trace(GroupLoaded{id, g.generation.value(), static_cast<std::int32_t>(g.members.size())});
    if (g.generation.value() > 0) env_.probe(Probe::group_loaded_by_new_coordinator);
    for (auto& [member_id, m] : g.members) schedule_heartbeat(g, m);
  }
}

void GroupCoordinator::on_resignation(std::int32_t partition) {
  owned_partitions_.erase(partition);
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& g = it->second;
    if (g.partition != partition) {
      ++it;
      continue;
    }
    // Kafka answers the requests waiting on an unloaded group: they must find the new coordinator.
    for (auto& [member_id, m] : g.members) {
      if (m.awaiting_join) {
        JoinGroupResponse r;
        r.correlation_id = m.awaiting_join->second;
        r.error = Errors::NOT_COORDINATOR;
        r.member_id = member_id;
        env_.send(m.awaiting_join->first, make_message(std::move(r)));
      }
      if (m.session) m.session->force_complete();
    }
    answer_sync_waiters(g, Errors::NOT_COORDINATOR);
    it = groups_.erase(it);
  }
}

}  // namespace kafkasim::group
