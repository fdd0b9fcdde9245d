// How the controller judges a leader's ISR change (AlterIsr, KIP-497): it is written only if
// it comes from the current leader, in the current leader epoch, based on the current version
// of the partition's state; otherwise the leader's view is stale and it must wait for the
// controller's next LeaderAndIsr. A proposal of the ISR already recorded (sent again after its
// answer was lost) is answered with the recorded state. The judgement does not depend on where
// the state is stored.
#pragma once

#include "model/protocol/requests.h"

namespace kafkasim::controller {

// The answer to `proposal` from broker `from`, given the partition's recorded `current` state.
// On success the answer carries the new state (version + 1), which the caller records.
AlterIsrResult judge_isr_change(const PartitionState& current, BrokerId from, const AlterIsrItem& proposal);

}  // namespace kafkasim::controller
