// Coverage probes: the rare paths of the model, counted each time a run takes one (as
// FoundationDB's CODE_PROBE). A sweep that never takes a path has not tested what that path
// guards, whatever its checkers say: `kafkasim sweep` lists the probes no seed hit, and the
// run report counts the ones hit. Probes are counted beside the trace, never in it, so adding
// one moves no trace hash.
//
// Add a probe where a fault makes the code choose the path no fault-free run takes, with a
// comment on its line of the list below saying what was reached.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace kafkasim {

#define KAFKASIM_PROBES(X)                                                                                      \
  /* Broker: produce */                                                                                         \
  X(produce_refused_not_enough_replicas)        /* acks=all with the ISR below min.insync.replicas */           \
  X(produce_not_enough_replicas_after_append)   /* written, then the ISR shrank below the minimum */            \
  X(produce_expired_in_purgatory)               /* acks=all not reached within the request's timeout */         \
  X(produce_refused_not_leader)                 /* sent to a replica that no longer leads */                    \
  X(produce_duplicate_answered)                 /* an idempotent retry already in the log, answered again */   \
  X(produce_out_of_order_sequence)              /* a sequence gap refused (KIP-98) */                           \
  X(produce_fenced_producer_epoch)              /* an older producer epoch refused */                           \
  /* Broker: replication */                                                                                     \
  X(fetch_fenced_leader_epoch)                  /* a fetch naming an older leader epoch (KIP-320) */            \
  X(follower_truncated_by_leader_epoch)         /* OffsetsForLeaderEpoch cut a follower's log (KIP-101) */      \
  X(follower_truncated_to_high_watermark)       /* the pre-KIP-101 truncation removed records */                \
  X(follower_truncated_to_leader_log_end)       /* ahead of a new leader's log end (unclean, old protocols) */ \
  X(follower_restarted_at_leader_log_start)     /* behind the leader's log start: emptied, started there */    \
  X(follower_log_start_followed_leader)         /* the leader's log start moved the follower's (KIP-107) */     \
  X(isr_change_refused)                         /* the controller refused a leader's AlterPartition */          \
  X(stale_controller_request_refused)           /* a request of an older controller epoch */                    \
  X(stale_broker_epoch_request_refused)         /* a request for an older incarnation (KIP-380) */              \
  X(log_dir_offline)                            /* a disk error took the log directory offline */               \
  X(log_segment_deleted_by_retention)           /* retention deleted a segment */                               \
  /* Controller and coordination */                                                                             \
  X(zookeeper_session_expired)                  /* a session's owner went silent past its timeout */            \
  X(leader_elected_unclean)                     /* a replica outside the ISR became leader */                   \
  X(partition_left_without_leader)              /* no live replica could lead */                                \
  /* Producer */                                                                                                \
  X(producer_request_timed_out)                 /* request.timeout.ms passed: connection closed, retried */     \
  X(producer_batch_expired)                     /* delivery.timeout.ms passed: the batch failed for good */     \
  X(producer_epoch_bumped)                      /* a sequence gap resolved with a new epoch (KIP-360) */        \
  /* Consumer and group */                                                                                      \
  X(consumer_truncation_detected)               /* a consumer's position was cut from the log (KIP-320) */      \
  X(consumer_offset_reset)                      /* out of range: reset by auto.offset.reset */                  \
  X(group_member_session_expired)               /* the coordinator removed a silent member */                   \
  X(cooperative_partitions_lost)                /* a cooperative member lost them with its generation */        \
  X(group_static_member_replaced)               /* a static member rejoined under a new id (KIP-345) */         \
  X(group_static_member_fenced)                 /* a member learnt another holds its instance id */             \
  X(group_loaded_by_new_coordinator)            /* a coordinator took a group over from __consumer_offsets */

enum class Probe : unsigned char {
#define KAFKASIM_PROBE_ENUM(name) name,
  KAFKASIM_PROBES(KAFKASIM_PROBE_ENUM)
#undef KAFKASIM_PROBE_ENUM
};

inline constexpr std::array kProbeNames = {
#define KAFKASIM_PROBE_NAME(name) std::string_view(#name),
    KAFKASIM_PROBES(KAFKASIM_PROBE_NAME)
#undef KAFKASIM_PROBE_NAME
};
inline constexpr std::size_t kProbeCount = kProbeNames.size();

}  // namespace kafkasim
