#include "sim/invariants/interned.h"

#include "model/protocol/record_id.h"

namespace kafkasim::sim::invariants {

std::uint32_t Interner::intern(std::string_view text) {
  if (text.empty()) return 0;
  if (auto found = numbers_.find(text); found != numbers_.end()) return found->second;
  names_.emplace_back(text);
  const auto number = static_cast<std::uint32_t>(names_.size());
  numbers_.emplace(names_.back(), number);
  return number;
}

RecordKey RecordIds::key(std::string_view id) {
  if (id.empty()) return {};
  // Only the shape record_id() writes is split: "p1:007", "p1:-0" or ":3" would not come back.
  if (const auto parts = parse_record_id(id); parts && !parts->client.empty()) {
    const std::string_view digits = id.substr(parts->client.size() + 1);
    if (digits[0] != '-' && (digits[0] != '0' || digits.size() == 1)) return RecordKey{clients_.intern(parts->client), parts->n};
  }
  return RecordKey{clients_.intern(id), RecordKey::kWhole};
}

std::string RecordIds::text(RecordKey key) const {
  if (key.empty()) return {};
  if (!key.parsed()) return std::string(client(key));
  return record_id(client(key), key.n);
}

}  // namespace kafkasim::sim::invariants
