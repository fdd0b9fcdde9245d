// The nemesis: a fault schedule drawn from the seed before the run starts, as plain fault
// entries with node names, so that the report can print it and a failing seed becomes an
// ordinary scenario file. Faults follow one another (each starts an interval after the
// previous one ended) and each touches at most `maxDown` brokers, so no more than `maxDown`
// brokers are ever down, paused, cut off or impaired at once.
#pragma once

#include <vector>

#include "model/rng.h"
#include "sim/scenario/scenario.h"

namespace kafkasim::sim::scenario {

std::vector<FaultEntry> draw_nemesis_schedule(const NemesisSpec& nemesis, const std::vector<BrokerSpec>& brokers,
                                              std::int64_t run_ms, Rng rng);

}  // namespace kafkasim::sim::scenario
