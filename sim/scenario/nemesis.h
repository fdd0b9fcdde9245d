// The nemesis: a fault schedule drawn from the seed before the run starts, as plain fault
// entries with node names, so that the report can print it and a failing seed becomes an
// ordinary scenario file. Faults follow one another (each starts an interval after the
// previous one ended) and each touches at most `maxDown` brokers, so no more than `maxDown`
// brokers are ever down, paused, cut off or impaired at once. A disk fault (an fsync error or
// a full disk, which halt a broker as Kafka's log directory failure does) is followed by a
// `restart` of its brokers a second after it ends. Client faults (`clientFaults`) follow one
// another on a timeline of their own, drawn from a stream of their own, so adding them leaves
// the brokers' schedule of a seed as it was.
#pragma once

#include <vector>

#include "model/rng.h"
#include "sim/scenario/scenario.h"

namespace kafkasim::sim::scenario {

// `clients`: the producers' and consumers' ids.
std::vector<FaultEntry> draw_nemesis_schedule(const NemesisSpec& nemesis, const std::vector<BrokerSpec>& brokers,
                                              const std::vector<std::string>& clients, std::int64_t run_ms, Rng rng);

// The fault types clientFaults may draw.
const std::vector<std::string>& client_nemesis_fault_types();

}  // namespace kafkasim::sim::scenario
