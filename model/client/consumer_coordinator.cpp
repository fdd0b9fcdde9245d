#include "model/client/consumer_coordinator.h"

#include <algorithm>
#include <set>

namespace kafkasim::client {

ConsumerCoordinator::ConsumerCoordinator(Env& env, Consumer& consumer, std::vector<std::string> topics)
    : env_(env), consumer_(consumer), config_(consumer.config()), topics_(std::move(topics)) {
  // Kafka's leastLoadedNode starts from a random broker: members do not all ask the same one.
  if (!config_.bootstrap.empty()) next_bootstrap_ = env_.rng().below(config_.bootstrap.size());
  schedule_heartbeat();
  schedule_auto_commit();
  consumer_.set_disconnect_listener([this](NodeId node) { on_disconnect(node); });
}

ConsumerCoordinator::~ConsumerCoordinator() {
  consumer_.set_disconnect_listener({});
  for (InFlight* slot : {&step_, &heartbeat_, &commit_}) forget(*slot);
  retry_.cancel();
  heartbeat_timer_.cancel();
  auto_commit_timer_.cancel();
}

bool ConsumerCoordinator::topics_known() const {
  for (const std::string& topic : topics_) {
    if (!consumer_.metadata().partition_count(topic)) return false;
  }
  return true;
}

std::int32_t ConsumerCoordinator::expect(InFlight& slot) {
  const std::int32_t corr = ++correlation_id_;
  slot.correlation_id = corr;
  slot.generation = generation_;
  slot.member_id = member_id_;
  slot.timeout.cancel();
  // Unanswered in time: the coordinator is lost, and Kafka's NetworkClient closes the
  // connection, failing the consumer's fetches on it too.
  const NodeId to = coordinator_ ? *coordinator_ : finding_from_;
  slot.timeout = env_.after(Duration::millis(config_.request_timeout_ms), [this, &slot, corr, to] {
    if (!answered(slot, corr)) return;
    coordinator_lost("a request went unanswered");
    consumer_.close_connection(to);
  });
  return corr;
}

bool ConsumerCoordinator::answered(InFlight& slot, std::int32_t correlation_id) {
  if (slot.correlation_id == 0 || slot.correlation_id != correlation_id) return false;
  forget(slot);
  return true;
}

void ConsumerCoordinator::forget(InFlight& slot) {
  slot.correlation_id = 0;
  slot.timeout.cancel();
}

bool ConsumerCoordinator::stale_answer(const InFlight& slot, Errors error, std::string_view request) {
  const bool membership_error =
      error == Errors::ILLEGAL_GENERATION || error == Errors::UNKNOWN_MEMBER_ID || error == Errors::FENCED_INSTANCE_ID;
  if (!membership_error || (slot.generation == generation_ && slot.member_id == member_id_)) return false;
  env_.trace(Note{config_.client_id + " ignores " + std::string(request) + "'s " + std::string(error_name(error)) +
                  ": sent by member " + slot.member_id + " of generation " + std::to_string(slot.generation.value()) +
                  ", which it no longer is"});
  return true;
}

void ConsumerCoordinator::retry_later() {
  retry_.cancel();
  retry_ = env_.after(Duration::millis(config_.retry_backoff_ms), [this] { poll(); });
}

void ConsumerCoordinator::poll() {
  if (state_ == State::closed || retry_.pending() || step_.correlation_id != 0) return;
  if (!coordinator_) return find_coordinator();
  if (state_ == State::unjoined && topics_known()) join();
}

void ConsumerCoordinator::find_coordinator() {
  if (config_.bootstrap.empty()) return;
  const NodeId broker = config_.bootstrap[next_bootstrap_++ % config_.bootstrap.size()];
  finding_from_ = broker;
  env_.send(broker, make_message(FindCoordinatorRequest{expect(step_), config_.group_id}));
}

void ConsumerCoordinator::join() {
  state_ = State::joining;
  JoinGroupRequest r;
  r.correlation_id = expect(step_);
  r.group_id = config_.group_id;
  r.session_timeout_ms = config_.session_timeout_ms;
  r.rebalance_timeout_ms = config_.max_poll_interval_ms;
  r.member_id = member_id_;
  r.client_id = config_.client_id;
  r.protocol = std::string(strategy_name(config_.assignment_strategy));
  r.subscription = GroupSubscription{topics_, owned_for_assignor()};
  r.group_instance_id = config_.group_instance_id;
  send_to_coordinator(make_message(std::move(r)));
}

std::vector<TopicPartition> ConsumerCoordinator::owned_for_assignor() const {
  if (cooperative()) return consumer_.assignment();  // consumed on through the rebalance
  // An eager member owns nothing by now; StickyAssignor remembers its last assignment in its
  // user data, the other assignors nothing.
  if (config_.assignment_strategy == AssignmentStrategy::sticky) return last_assignment_;
  return {};
}

void ConsumerCoordinator::sync(const JoinGroupResponse& joined) {
  state_ = State::syncing;
  SyncGroupRequest r;
  r.correlation_id = expect(step_);
  r.group_id = config_.group_id;
  r.generation = generation_;
  r.member_id = member_id_;
  r.group_instance_id = config_.group_instance_id;
  if (joined.leader == member_id_) {
    // The leader assigns every member's partitions, from the metadata it has.
    std::vector<MemberSubscription> members;
    std::set<std::string> topics;
    for (const JoinGroupMember& m : joined.members) {
      members.push_back(MemberSubscription{m.member_id, m.subscription.topics, m.subscription.owned});
      topics.insert(m.subscription.topics.begin(), m.subscription.topics.end());
    }
    PartitionCounts counts;
    for (const std::string& topic : topics) {
      if (const auto n = consumer_.metadata().partition_count(topic)) counts[topic] = *n;
    }
    const AssignmentStrategy strategy =
        config_.test_only_cooperative_hands_over_at_once ? AssignmentStrategy::sticky : config_.assignment_strategy;
    for (auto& [member, partitions] : assign(strategy, counts, members)) {
      r.assignments.push_back(MemberAssignment{member, std::move(partitions)});
    }
  }
  send_to_coordinator(make_message(std::move(r)));
}

void ConsumerCoordinator::fetch_committed() {
  // Only partitions without a position (new ones, as Kafka's initializing partitions): a
  // partition a cooperative member kept goes on from where it is.
  std::vector<TopicPartition> starting = consumer_.awaiting_positions();
  if (starting.empty()) return become_stable();
  state_ = State::fetching_offsets;
  send_to_coordinator(make_message(OffsetFetchRequest{expect(step_), config_.group_id, std::move(starting)}));
}

void ConsumerCoordinator::become_stable() {
  state_ = State::stable;
  if (rejoin_when_stable_) rejoin("it gave up partitions for other members to take (cooperative)");
}

void ConsumerCoordinator::send_to_coordinator(MessagePtr message) {
  if (coordinator_) env_.send(*coordinator_, std::move(message));
}

void ConsumerCoordinator::schedule_heartbeat() {
  heartbeat_timer_ = env_.after(Duration::millis(config_.heartbeat_interval_ms), [this] {
    send_heartbeat();
    schedule_heartbeat();
  });
}

void ConsumerCoordinator::send_heartbeat() {
  const bool member = state_ == State::syncing || state_ == State::fetching_offsets || state_ == State::stable;
  if (!member || !coordinator_) return;
  if (env_.now() - last_heartbeat_ok_ > Duration::millis(config_.session_timeout_ms)) {
    // Kafka's heartbeat thread: no answer within the session timeout means the coordinator is
    // gone (the member keeps its assignment and looks for it again).
    last_heartbeat_ok_ = env_.now();
    return coordinator_lost("no heartbeat answered within the session timeout");
  }
  if (heartbeat_.correlation_id != 0) return;  // the last one is still out
  send_to_coordinator(make_message(
      HeartbeatRequest{expect(heartbeat_), config_.group_id, generation_, member_id_, config_.group_instance_id}));
}

void ConsumerCoordinator::schedule_auto_commit() {
  auto_commit_timer_ = env_.after(Duration::millis(config_.auto_commit_interval_ms), [this] {
    if (config_.enable_auto_commit) commit();
    schedule_auto_commit();
  });
}

void ConsumerCoordinator::commit() {
  if (state_ != State::stable || !coordinator_ || commit_.correlation_id != 0) return;
  OffsetCommitRequest r;
  for (const auto& [tp, position] : consumer_.positions()) r.offsets.push_back(CommittedOffset{tp, position.first, position.second});
  if (r.offsets.empty()) return;
  r.correlation_id = expect(commit_);
  r.group_id = config_.group_id;
  r.generation = generation_;
  r.member_id = member_id_;
  r.group_instance_id = config_.group_instance_id;
  send_to_coordinator(make_message(std::move(r)));
}

void ConsumerCoordinator::close() {
  if (state_ == State::closed) return;
  if (config_.enable_auto_commit) commit();
  // A static member does not leave: its place waits for it, for its session (KIP-345).
  if (coordinator_ && !member_id_.empty() && config_.group_instance_id.empty()) {
    env_.send(*coordinator_, make_message(LeaveGroupRequest{++correlation_id_, config_.group_id, member_id_}));
  }
  stop();
}

void ConsumerCoordinator::stop() {
  state_ = State::closed;
  retry_.cancel();
  heartbeat_timer_.cancel();
  auto_commit_timer_.cancel();
}

void ConsumerCoordinator::fenced(std::string_view request) {
  // FencedInstanceIdException: fatal to the consumer, whose application stops. Another process
  // holds its group.instance.id, and owns what it consumed.
  env_.probe(Probe::group_static_member_fenced);
  env_.trace(Note{config_.client_id + " stops: " + std::string(request) + " answered FENCED_INSTANCE_ID"});
  env_.trace(GroupMemberFenced{config_.client_id, config_.group_id, member_id_, config_.group_instance_id});
  for (InFlight* slot : {&step_, &heartbeat_, &commit_}) forget(*slot);
  consumer_.assign_awaiting_positions({});
  stop();
}

void ConsumerCoordinator::rejoin(std::string_view why) {
  if (state_ == State::closed) return;
  env_.trace(Note{config_.client_id + " rejoins group " + config_.group_id + ": " + std::string(why)});
  rejoin_when_stable_ = false;
  // onJoinPrepare commits what the member consumed, with auto commit on. Then an eager member
  // gives up everything; a cooperative one consumes on, unless its generation is gone
  // (onPartitionsLost: others may own its partitions already).
  if (state_ == State::stable && generation_.value() >= 0 && config_.enable_auto_commit) commit();
  if (cooperative() && generation_.value() < 0 && !consumer_.assignment().empty()) env_.probe(Probe::cooperative_partitions_lost);
  if (!cooperative() || generation_.value() < 0) consumer_.assign_awaiting_positions({});
  // One JoinGroup at a time (Kafka's joinFuture): a second would leave a member id the
  // coordinator handed out unused, holding the rebalance up for a session timeout. The one in
  // flight is answered, and a stale member id in it rejoins from there.
  if (state_ == State::joining && step_.correlation_id != 0) return;
  state_ = State::unjoined;
  forget(step_);
  poll();
}

void ConsumerCoordinator::rejoin_as_new_member(std::string_view why) {
  member_id_.clear();
  generation_ = Generation{-1};
  rejoin(why);
}

void ConsumerCoordinator::on_disconnect(NodeId node) {
  if (coordinator_ == node) return coordinator_lost("the connection to it closed");
  if (!coordinator_ && step_.correlation_id != 0 && finding_from_ == node) {
    forget(step_);
    retry_later();
  }
}

void ConsumerCoordinator::coordinator_lost(std::string_view why) {
  if (state_ == State::closed || !coordinator_) return;
  env_.trace(Note{config_.client_id + " lost the coordinator of group " + config_.group_id + ": " + std::string(why)});
  coordinator_.reset();
  for (InFlight* slot : {&step_, &heartbeat_, &commit_}) forget(*slot);
  // A membership step in progress starts over; a stable member keeps its partitions.
  if (state_ != State::stable) state_ = State::unjoined;
  retry_later();
}

void ConsumerCoordinator::on_group_error(Errors error, std::string_view request) {
  switch (error) {
    case Errors::NOT_COORDINATOR:
    case Errors::COORDINATOR_NOT_AVAILABLE:
    case Errors::COORDINATOR_LOAD_IN_PROGRESS:
      return coordinator_lost(std::string(request) + " answered " + std::string(error_name(error)));
    case Errors::UNKNOWN_MEMBER_ID: return rejoin_as_new_member(std::string(request) + ": unknown member");
    case Errors::ILLEGAL_GENERATION:
      generation_ = Generation{-1};
      return rejoin(std::string(request) + ": illegal generation");
    case Errors::REBALANCE_IN_PROGRESS: return rejoin(std::string(request) + ": rebalance in progress");
    case Errors::FENCED_INSTANCE_ID: return fenced(request);
    default:
      if (state_ != State::stable) state_ = State::unjoined;
      return retry_later();
  }
}

namespace {

bool is_group_response(const Message& m) {
  return body_cast<FindCoordinatorResponse>(m) || body_cast<JoinGroupResponse>(m) || body_cast<SyncGroupResponse>(m) ||
         body_cast<OffsetFetchResponse>(m) || body_cast<HeartbeatResponse>(m) || body_cast<OffsetCommitResponse>(m) ||
         body_cast<LeaveGroupResponse>(m);
}

}  // namespace

bool ConsumerCoordinator::handle(NodeId, const Message& message) {
  if (state_ == State::closed) return is_group_response(message);  // a closed member reads nothing more
  if (const auto* found = body_cast<FindCoordinatorResponse>(message)) {
    if (!answered(step_, found->correlation_id)) return true;
    if (found->error != Errors::NONE) {
      retry_later();
      return true;
    }
    coordinator_ = found->node;
    last_heartbeat_ok_ = env_.now();
    poll();
  } else if (const auto* joined = body_cast<JoinGroupResponse>(message)) {
    if (!answered(step_, joined->correlation_id)) return true;
    if (joined->error == Errors::MEMBER_ID_REQUIRED) {
      member_id_ = joined->member_id;
      join();
    } else if (joined->error != Errors::NONE) {
      on_group_error(joined->error, "JoinGroup");
    } else {
      generation_ = joined->generation;
      member_id_ = joined->member_id;
      last_heartbeat_ok_ = env_.now();
      sync(*joined);
    }
  } else if (const auto* synced = body_cast<SyncGroupResponse>(message)) {
    if (!answered(step_, synced->correlation_id)) return true;
    if (synced->error != Errors::NONE) {
      on_group_error(synced->error, "SyncGroup");
      return true;
    }
    // Only a cooperative member owns partitions while it rejoins: an eager one gave all up.
    std::vector<TopicPartition> revoked;
    if (cooperative()) {
      for (const TopicPartition& tp : consumer_.assignment()) {
        if (std::find(synced->assignment.begin(), synced->assignment.end(), tp) == synced->assignment.end()) revoked.push_back(tp);
      }
    }
    env_.trace(GroupAssignmentReceived{config_.client_id, config_.group_id, member_id_, config_.group_instance_id,
                                       generation_.value(),
                                       partition_list(synced->assignment), partition_list(revoked)});
    last_assignment_ = synced->assignment;
    consumer_.assign_awaiting_positions(synced->assignment);
    // KIP-429: their new owners get them in the rebalance this member's rejoin starts.
    rejoin_when_stable_ = !revoked.empty();
    fetch_committed();
  } else if (const auto* committed = body_cast<OffsetFetchResponse>(message)) {
    if (!answered(step_, committed->correlation_id)) return true;
    if (committed->error != Errors::NONE) {
      on_group_error(committed->error, "OffsetFetch");
      return true;
    }
    for (const CommittedOffset& o : committed->offsets) {
      if (o.offset.value() >= 0) {
        consumer_.seek(o.tp, o.offset, o.leader_epoch);
      } else {
        consumer_.reset_position(o.tp);
      }
    }
    become_stable();
  } else if (const auto* beat = body_cast<HeartbeatResponse>(message)) {
    if (!answered(heartbeat_, beat->correlation_id)) return true;
    if (beat->error == Errors::NONE) {
      last_heartbeat_ok_ = env_.now();
    } else if (stale_answer(heartbeat_, beat->error, "Heartbeat")) {
      return true;
    } else if (beat->error == Errors::FENCED_INSTANCE_ID) {
      // Not fatal from a heartbeat: the member joins again as a new process of its instance.
      env_.probe(Probe::group_static_member_fenced);
      rejoin_as_new_member("Heartbeat: another member holds its instance id");
    } else {
      on_group_error(beat->error, "Heartbeat");
    }
  } else if (const auto* commit_answer = body_cast<OffsetCommitResponse>(message)) {
    if (!answered(commit_, commit_answer->correlation_id)) return true;
    for (const auto& [tp, error] : commit_answer->partitions) {
      if (error == Errors::NONE) continue;
      // An answer about a membership it has left changes nothing (Kafka: CommitFailedException).
      if (!stale_answer(commit_, error, "OffsetCommit")) on_group_error(error, "OffsetCommit");
      break;
    }
  } else {
    return is_group_response(message);
  }
  return true;
}

}  // namespace kafkasim::client
