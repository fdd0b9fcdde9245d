#include "model/controller/isr_change.h"

#include <algorithm>

namespace kafkasim::controller {

AlterIsrResult judge_isr_change(const PartitionState& current, BrokerId from, const AlterIsrItem& proposal) {
  AlterIsrResult answer{proposal.tp, Errors::NONE, current.leader, current.leader_epoch, current.isr,
                        current.partition_epoch};
  auto refuse = [&](Errors error) {
    answer.error = error;
    return answer;
  };
  if (from != current.leader) return refuse(Errors::NOT_LEADER_OR_FOLLOWER);
  if (proposal.leader_epoch != current.leader_epoch) return refuse(Errors::FENCED_LEADER_EPOCH);
  // Already so (a proposal sent again after its answer was lost): answered with the state, as
  // Kafka's controller does before it compares versions.
  if (proposal.new_isr == current.isr) return answer;
  if (proposal.partition_epoch != current.partition_epoch) return refuse(Errors::INVALID_UPDATE_VERSION);
  const bool leader_in = std::find(proposal.new_isr.begin(), proposal.new_isr.end(), current.leader) != proposal.new_isr.end();
  const bool all_replicas = std::all_of(proposal.new_isr.begin(), proposal.new_isr.end(), [&](BrokerId b) {
    return std::find(current.replicas.begin(), current.replicas.end(), b) != current.replicas.end();
  });
  if (!leader_in || !all_replicas) return refuse(Errors::INVALID_REQUEST);
  answer.isr = proposal.new_isr;
  answer.partition_epoch = current.partition_epoch + 1;
  return answer;
}

}  // namespace kafkasim::controller
