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

// The id that follows `id` in its batch ("p1:17" -> "p1:18"); "" for "" or a malformed id.
inline std::string next_record_id(std::string_view id) {
  const auto colon = id.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == id.size()) return {};
  std::int64_t n = 0;
  for (char c : id.substr(colon + 1)) {
    if (c < '0' || c > '9') return {};
    n = n * 10 + (c - '0');
  }
  return record_id(id.substr(0, colon), n + 1);
}

}  // namespace kafkasim
