// Kafka configuration keys a scenario may set, with Kafka's names, types and ranges, applied
// onto the model's config structs. Values may be JSON numbers, booleans or strings, as Kafka
// accepts ("all", "true", "30000"). An unknown key is a problem with the nearest known one
// suggested; a key Kafka has but this simulator does not model is unknown too, so that no
// setting is silently ignored.
#pragma once

#include <string>
#include <vector>

#include "model/broker/broker_config.h"
#include "model/client/consumer.h"
#include "model/client/producer_config.h"
#include "sim/scenario/json_reader.h"

namespace kafkasim::sim::scenario {

void apply_broker_configs(const Json& configs, const std::string& path, broker::BrokerConfig& out, Problems& problems);
void apply_topic_configs(const Json& configs, const std::string& path, broker::TopicConfig& out, Problems& problems);
void apply_producer_configs(const Json& configs, const std::string& path, client::ProducerConfig& out,
                            Problems& problems);
void apply_consumer_configs(const Json& configs, const std::string& path, client::ConsumerConfig& out,
                            Problems& problems);

// The keys each kind of config accepts, for documentation and tests.
std::vector<std::string> broker_config_keys();
std::vector<std::string> topic_config_keys();
std::vector<std::string> producer_config_keys();
std::vector<std::string> consumer_config_keys();

}  // namespace kafkasim::sim::scenario
