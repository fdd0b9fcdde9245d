// Kafka's replica placement for a new topic (AdminUtils.assignReplicasToBrokers): replicas of
// partition i start at a random broker shifted by i and spread with a growing shift, so leaders
// and followers balance over the brokers. When brokers have racks, the broker list alternates
// racks and each replica goes to a rack without one of the partition's replicas while any is
// left; a partition's replicas are always distinct brokers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/protocol/types.h"
#include "model/rng.h"

namespace kafkasim::controller {

struct BrokerRack {
  BrokerId id;
  std::string rack;  // "" when none
};

using Assignment = std::map<std::int32_t, std::vector<BrokerId>>;  // partition -> replicas

// Throws nothing; the caller checks 1 <= replication_factor <= brokers.size().
Assignment assign_replicas(std::int32_t partitions, std::int32_t replication_factor, std::vector<BrokerRack> brokers,
                           Rng& rng);

}  // namespace kafkasim::controller
