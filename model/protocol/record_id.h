// Every record a simulated producer sends carries an id in a record header, so that the
// checkers can follow it from send to acknowledgement to log to consumer.
//
// The id is "<client>:<n>", n counting from 0 per producer and partition: with the partition it
// names one record of the run. Within one batch the ids are consecutive, so a batch is
// identified by its first record's id and its length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kafkasim {

inline constexpr std::string_view kRecordIdHeader = "kafkasim.id";

inline std::string record_id(std::string_view client, std::int64_t n) {
  return std::string(client).append(":").append(std::to_string(n));
}

}  // namespace kafkasim
