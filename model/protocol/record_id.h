// Every record a simulated producer sends carries an id in a record header, so that the
// checkers can follow it from send to acknowledgement to log to consumer.
//
// The id is "<client>:<n>", n counting from 0 per producer and partition: with the partition it
// names one record of the run. Within one batch the ids are consecutive, so a batch is
// identified by its first record's id and its length.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kafkasim {

inline constexpr std::string_view kRecordIdHeader = "kafkasim.id";

inline std::string record_id(std::string_view client, std::int64_t n) {
  return std::string(client).append(":").append(std::to_string(n));
}

struct RecordIdParts {
  std::string_view client;
  std::int64_t n = 0;
};

// "p1:17" as ("p1", 17); nothing for a malformed id.
inline std::optional<RecordIdParts> parse_record_id(std::string_view id) {
  const auto colon = id.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view digits = id.substr(colon + 1);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return RecordIdParts{id.substr(0, colon), n};
}

// The id that follows `id` in its batch ("p1:17" -> "p1:18"); "" for "" or a malformed id.
inline std::string next_record_id(std::string_view id) {
  const auto parts = parse_record_id(id);
  return parts ? record_id(parts->client, parts->n + 1) : std::string();
}

}  // namespace kafkasim
