// The events model code reports through Env::trace, and that the invariant checkers read.
//
// Each event is a plain struct with a name and a `fields` function that hands every field to
// a visitor. That one function is all the trace needs to hash an event, print it as a log line
// and write it as JSON, so adding an event means adding a struct here and to ModelEvent.
// Field values are integers, bools, strings, SimTime, Duration or strong ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace kafkasim {

// Free text from a node, for the human log: a decision worth seeing when reading a trace.
struct Note {
  static constexpr std::string_view kName = "note";
  std::string text;
  template <class V>
  void fields(V& v) const { v("text", text); }
};

// Kafka's timer (model/timer): a task scheduled, run, or cancelled before it ran. `timer` names
// the timer ("Produce", "Fetch", ...); `task` is unique within it.
struct TimerScheduled {
  static constexpr std::string_view kName = "timer_scheduled";
  std::string_view timer;
  std::uint64_t task;
  std::int64_t deadline_ms;
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
    v("deadlineMs", deadline_ms);
  }
};

struct TimerFired {
  static constexpr std::string_view kName = "timer_fired";
  std::string_view timer;
  std::uint64_t task;
  std::int64_t deadline_ms;
  std::int64_t now_ms;  // the node's steady clock when it ran (not the timer's own, which a broken one gets wrong)
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
    v("deadlineMs", deadline_ms);
    v("nowMs", now_ms);
  }
};

struct TimerCancelled {
  static constexpr std::string_view kName = "timer_cancelled";
  std::string_view timer;
  std::uint64_t task;
  template <class V>
  void fields(V& v) const {
    v("timer", timer);
    v("task", task);
  }
};

// A partition's replica takes a role from LeaderAndIsr.
struct BecameLeaderOrFollower {
  static constexpr std::string_view kName = "partition_role";
  std::string tp;
  bool leader;
  std::int32_t leader_broker;
  std::int32_t leader_epoch;
  std::string isr;  // "1,2,3"
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("leader", leader);
    v("leaderBroker", leader_broker);
    v("leaderEpoch", leader_epoch);
    v("isr", isr);
  }
};

// A batch written to a replica's log, as leader (offsets assigned) or follower (as fetched).
// `first_id` is the record id of its first record (model/protocol/record_id.h), "" if none;
// `producer_id` that of an idempotent producer (KIP-98), -1 for a batch without.
struct RecordsAppended {
  static constexpr std::string_view kName = "append";
  std::string tp;
  bool as_leader;
  std::int64_t first_offset;
  std::int64_t last_offset;
  std::int32_t leader_epoch;
  std::uint32_t crc;
  std::string first_id;
  std::int64_t producer_id;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("asLeader", as_leader);
    v("firstOffset", first_offset);
    v("lastOffset", last_offset);
    v("leaderEpoch", leader_epoch);
    v("crc", crc);
    v("firstId", first_id);
    v("producerId", producer_id);
  }
};

struct HighWatermarkUpdated {
  static constexpr std::string_view kName = "high_watermark";
  std::string tp;
  std::int64_t high_watermark;
  std::int64_t log_end_offset;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("hw", high_watermark);
    v("leo", log_end_offset);
  }
};

// A produce request answered by the leader.
struct ProduceAnswered {
  static constexpr std::string_view kName = "produce_answered";
  std::string tp;
  std::int32_t correlation_id;
  std::int16_t acks;
  std::string_view error;
  std::int64_t base_offset;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("corr", correlation_id);
    v("acks", acks);
    v("error", error);
    v("baseOffset", base_offset);
  }
};

// A follower cut its log: from its old end to a new one, and why ("high_watermark",
// "leader_epoch").
struct LogTruncated {
  static constexpr std::string_view kName = "truncate";
  std::string tp;
  std::int64_t from_offset;
  std::int64_t to_offset;
  std::string_view reason;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("from", from_offset);
    v("to", to_offset);
    v("reason", reason);
  }
};

// A replica's log now starts at `log_start`: retention deleted the segments below it
// ("retention"), or a follower behind the leader's log start emptied its log to start there
// ("leader_log_start", Kafka's truncateFullyAndStartAt). What lay below is gone by policy.
struct LogStartMoved {
  static constexpr std::string_view kName = "log_start";
  std::string tp;
  std::int64_t log_start;
  std::string_view reason;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("logStart", log_start);
    v("reason", reason);
  }
};

// A leader proposes an ISR change to the controller (AlterIsr), based on `version`.
struct IsrChangeProposed {
  static constexpr std::string_view kName = "isr_proposed";
  std::string tp;
  std::int32_t leader_epoch;
  std::string isr;       // as confirmed so far
  std::string proposed;  // the new ISR asked for
  std::int32_t version;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("leaderEpoch", leader_epoch);
    v("isr", isr);
    v("proposed", proposed);
    v("version", version);
  }
};

// The leader learns the controller's answer: error NONE confirms `isr` at `version`.
struct IsrChangeAnswered {
  static constexpr std::string_view kName = "isr_answered";
  std::string tp;
  std::string_view error;
  std::string isr;
  std::int32_t version;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("error", error);
    v("isr", isr);
    v("version", version);
  }
};

// The controller's store now records this state of a partition: the ISR the checkers trust.
struct PartitionStateRecorded {
  static constexpr std::string_view kName = "partition_state";
  std::string tp;
  std::int32_t leader;
  std::int32_t leader_epoch;
  std::string isr;
  std::int32_t version;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("leader", leader);
    v("leaderEpoch", leader_epoch);
    v("isr", isr);
    v("version", version);
  }
};

// A producer learns the fate of a batch of its records: ids first_id.. (count of them), as
// acknowledged at base_offset.. with `acks`, or failed with `error` (base_offset -1),
// `latency_ms` after the batch was started.
struct ProducerBatchDone {
  static constexpr std::string_view kName = "producer_batch";
  std::string client;
  std::string tp;
  std::string first_id;
  std::int32_t count;
  std::int16_t acks;
  std::string_view error;
  std::int64_t base_offset;
  std::int32_t attempts;
  std::int64_t latency_ms;
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("tp", tp);
    v("firstId", first_id);
    v("count", count);
    v("acks", acks);
    v("error", error);
    v("baseOffset", base_offset);
    v("attempts", attempts);
    v("latencyMs", latency_ms);
  }
};

// A leader answered a fetch with records: from `fetch_offset` to `last_offset`, `bytes` of
// whole or partial batches, while its high watermark was `high_watermark` (replica -1: a
// consumer).
struct FetchServed {
  static constexpr std::string_view kName = "fetch_served";
  std::string tp;
  std::uint32_t to_node;
  std::int32_t replica;
  std::int64_t fetch_offset;
  std::int64_t last_offset;  // of the last whole batch sent to a consumer; -1 for none, and for followers
  std::int64_t bytes;
  std::int64_t high_watermark;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("toNode", to_node);
    v("replica", replica);
    v("fetchOffset", fetch_offset);
    v("lastOffset", last_offset);
    v("bytes", bytes);
    v("hw", high_watermark);
  }
};

// A consumer's poll returned records of a partition: offsets first..last, in leader epoch
// `leader_epoch`, whose ids start at `first_id` and run on consecutively (one batch's slice).
struct RecordsConsumed {
  static constexpr std::string_view kName = "consumed";
  std::string client;
  std::string tp;
  std::int64_t first_offset;
  std::int64_t last_offset;
  std::int32_t leader_epoch;
  std::string first_id;
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("tp", tp);
    v("firstOffset", first_offset);
    v("lastOffset", last_offset);
    v("leaderEpoch", leader_epoch);
    v("firstId", first_id);
  }
};

// A consumer found, after a leader change, that the log it read from was truncated below its
// position (KIP-320): the leader's `epoch` ends at `end_offset`; it moves to `reset_to`.
struct ConsumerTruncationDetected {
  static constexpr std::string_view kName = "consumer_truncation";
  std::string client;
  std::string tp;
  std::int64_t position;
  std::int32_t epoch;
  std::int64_t end_offset;
  std::int64_t reset_to;
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("tp", tp);
    v("position", position);
    v("epoch", epoch);
    v("endOffset", end_offset);
    v("resetTo", reset_to);
  }
};

// A consumer's fetch at `position` was out of range (below the log start, or past the log end
// of a leader that lost records): it resets by auto.offset.reset, its next position coming
// from the leader (Kafka's Fetcher, OffsetOutOfRangeException handled by the reset policy).
struct ConsumerOffsetReset {
  static constexpr std::string_view kName = "consumer_reset";
  std::string client;
  std::string tp;
  std::int64_t position;
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("tp", tp);
    v("position", position);
  }
};

// A broker became the active controller in `epoch`.
struct ControllerElected {
  static constexpr std::string_view kName = "controller_elected";
  std::int32_t broker;
  std::int32_t epoch;
  template <class V>
  void fields(V& v) const {
    v("broker", broker);
    v("epoch", epoch);
  }
};

// The controller chose a partition's leader: `reason` offline | preferred | new_partition;
// `unclean` when the leader was not in the ISR (committed records may be lost).
struct LeaderElected {
  static constexpr std::string_view kName = "leader_elected";
  std::string tp;
  std::int32_t leader;
  std::int32_t leader_epoch;
  std::string isr;
  bool unclean;
  std::string_view reason;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("leader", leader);
    v("leaderEpoch", leader_epoch);
    v("isr", isr);
    v("unclean", unclean);
    v("reason", reason);
  }
};

// A broker process started with this broker id and opened its logs; each log follows as a
// LogRecovered with the end its recovery left (a power loss may have cut it).
struct BrokerStarted {
  static constexpr std::string_view kName = "broker_started";
  std::int32_t broker;
  template <class V>
  void fields(V& v) const { v("broker", broker); }
};

struct LogRecovered {
  static constexpr std::string_view kName = "log_recovered";
  std::string tp;
  std::int64_t log_end_offset;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("leo", log_end_offset);
  }
};

// A batch a restarted broker's log holds above its checkpointed high watermark (or recovery
// point, if lower), traced before its LogRecovered. What the trace said of this log before the
// crash may not be what the disk kept: a power loss can undo a truncation that was never
// synced and bring its batches back, and the checkers learn the log's tail from these.
struct RecoveredBatch {
  static constexpr std::string_view kName = "recovered_batch";
  std::string tp;
  std::int64_t first_offset;
  std::int64_t last_offset;
  std::int32_t leader_epoch;
  std::uint32_t crc;
  std::string first_id;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("firstOffset", first_offset);
    v("lastOffset", last_offset);
    v("leaderEpoch", leader_epoch);
    v("crc", crc);
    v("firstId", first_id);
  }
};

// A fetched batch whose checksum fails, as its receiver (a follower or a consumer) found it:
// `from` is the node that served it. Kafka's follower and consumer (check.crcs) refuse it.
struct CorruptBatchFetched {
  static constexpr std::string_view kName = "corrupt_batch_fetched";
  std::string tp;
  std::uint32_t from;
  std::int64_t first_offset;
  std::uint32_t stored_crc;
  std::uint32_t computed_crc;
  template <class V>
  void fields(V& v) const {
    v("tp", tp);
    v("from", from);
    v("firstOffset", first_offset);
    v("storedCrc", stored_crc);
    v("computedCrc", computed_crc);
  }
};

// A group coordinator completed a rebalance: the group enters `generation` with `members`
// members led by `leader` ("" and 0: the group is empty now).
struct GroupRebalanced {
  static constexpr std::string_view kName = "group_rebalance";
  std::string group;
  std::int32_t generation;
  std::string leader;
  std::int32_t members;
  template <class V>
  void fields(V& v) const {
    v("group", group);
    v("generation", generation);
    v("leader", leader);
    v("members", members);
  }
};

// The coordinator wrote the leader's assignment of `generation` to __consumer_offsets (as
// durably as offsets.commit.required.acks asks) and told the members: the group is Stable.
struct GroupStable {
  static constexpr std::string_view kName = "group_stable";
  std::string group;
  std::int32_t generation;
  std::int32_t members;
  template <class V>
  void fields(V& v) const {
    v("group", group);
    v("generation", generation);
    v("members", members);
  }
};

// A broker elected leader of a __consumer_offsets partition loaded a group from the log.
struct GroupLoaded {
  static constexpr std::string_view kName = "group_loaded";
  std::string group;
  std::int32_t generation;
  std::int32_t members;
  template <class V>
  void fields(V& v) const {
    v("group", group);
    v("generation", generation);
    v("members", members);
  }
};

// The coordinator answered an OffsetCommit of `member` in `generation` (its group was then
// in `group_generation`, -1 when it holds no such group): error NONE accepts the offsets.
struct OffsetCommitAnswered {
  static constexpr std::string_view kName = "offset_commit";
  std::string group;
  std::string member;
  std::int32_t generation;
  std::int32_t group_generation;
  std::string_view error;
  std::string offsets;  // "orders-0@41,orders-1@7"
  template <class V>
  void fields(V& v) const {
    v("group", group);
    v("member", member);
    v("generation", generation);
    v("groupGeneration", group_generation);
    v("error", error);
    v("offsets", offsets);
  }
};

// A consumer learnt its assignment in a generation of its group (SyncGroup answered).
// `revoked`: what it owned until now and gives up, so owned in this generation too. An eager
// member gave everything up before joining (always ""); a cooperative one consumed on through
// the rebalance.
struct GroupAssignmentReceived {
  static constexpr std::string_view kName = "group_assignment";
  std::string client;
  std::string group;
  std::string member;
  std::string instance;  // its group.instance.id (KIP-345); "" for a dynamic member
  std::int32_t generation;
  std::string partitions;  // "orders-0,orders-3"
  std::string revoked;     // the same form
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("group", group);
    v("member", member);
    v("instance", instance);
    v("generation", generation);
    v("partitions", partitions);
    v("revoked", revoked);
  }
};

// A static member learnt that another member holds its group.instance.id (FENCED_INSTANCE_ID,
// KIP-345): fatal to the consumer, which stops for good.
struct GroupMemberFenced {
  static constexpr std::string_view kName = "group_member_fenced";
  std::string client;
  std::string group;
  std::string member;
  std::string instance;
  template <class V>
  void fields(V& v) const {
    v("client", client);
    v("group", group);
    v("member", member);
    v("instance", instance);
  }
};

using ModelEvent = std::variant<Note, TimerScheduled, TimerFired, TimerCancelled, BecameLeaderOrFollower,
                                RecordsAppended, HighWatermarkUpdated, ProduceAnswered, LogTruncated,
                                IsrChangeProposed, IsrChangeAnswered, PartitionStateRecorded, ProducerBatchDone,
                                FetchServed, RecordsConsumed, ConsumerTruncationDetected, ControllerElected,
                                LeaderElected, BrokerStarted, RecoveredBatch, LogRecovered, CorruptBatchFetched,
                                GroupRebalanced, GroupStable, GroupLoaded, OffsetCommitAnswered,
                                GroupAssignmentReceived, LogStartMoved, ConsumerOffsetReset, GroupMemberFenced>;

}  // namespace kafkasim
