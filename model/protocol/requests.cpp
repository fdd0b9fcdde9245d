#include "model/protocol/requests.h"

#include <charconv>
#include <string_view>

namespace kafkasim {
namespace {

// Concatenates by appending only (GCC 12 warns falsely on "literal" + std::string).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string num(std::int64_t v) { return std::to_string(v); }

std::string ids(const std::vector<BrokerId>& brokers) { return cat("[", broker_list(brokers), "]"); }

}  // namespace

std::optional<std::vector<BrokerId>> parse_broker_list(std::string_view text) {
  std::vector<BrokerId> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    std::int32_t id = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return std::nullopt;
    out.push_back(BrokerId{id});
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // a trailing comma
  }
  return out;
}

std::string broker_list(const std::vector<BrokerId>& brokers) {
  std::string out;
  for (std::size_t i = 0; i < brokers.size(); ++i) out.append(i ? "," : "").append(num(brokers[i].value()));
  return out;
}

std::string LeaderAndIsrRequest::describe() const {
  std::string out = cat("corr=", num(correlation_id), " controllerEpoch=", num(controller_epoch.value()));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), ":leader=", num(p.leader.value()), ",epoch=", num(p.leader_epoch.value()),
                   ",isr=", ids(p.isr)));
  }
  return out;
}

std::string AlterIsrRequest::describe() const {
  std::string out = cat("broker=", num(broker_id.value()));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), ":epoch=", num(p.leader_epoch.value()), ",isr=", ids(p.new_isr),
                   ",version=", num(p.partition_epoch)));
  }
  return out;
}

std::string AlterIsrResponse::describe() const {
  std::string out;
  for (const auto& p : partitions) {
    out.append(cat(out.empty() ? "" : " ", p.tp.str(), ":", error_name(p.error), ",isr=", ids(p.isr),
                   ",version=", num(p.partition_epoch)));
  }
  return out;
}

std::string ListOffsetsRequest::describe() const {
  std::string out = replica_id.value() >= 0 ? cat("replica=", num(replica_id.value())) : "";
  for (const auto& p : partitions) out.append(cat(out.empty() ? "" : " ", p.tp.str(), ":ts=", num(p.timestamp)));
  return out;
}

std::string ListOffsetsResponse::describe() const {
  std::string out;
  for (const auto& p : partitions) {
    out.append(cat(out.empty() ? "" : " ", p.tp.str(), ":", error_name(p.error), ",offset=", num(p.offset.value())));
  }
  return out;
}

std::string LeaderAndIsrResponse::describe() const {
  std::string out = cat("corr=", num(correlation_id));
  for (const auto& [tp, error] : partitions) out.append(cat(" ", tp.str(), ":", error_name(error)));
  return out;
}

std::string ProduceRequest::describe() const {
  std::string out = cat("corr=", num(correlation_id), " acks=", num(acks));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), ":bytes=", num(static_cast<std::int64_t>(chunks_bytes(p.records)))));
  }
  return out;
}

std::string ProduceResponse::describe() const {
  std::string out = cat("corr=", num(correlation_id));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), ":", error_name(p.error), ",baseOffset=", num(p.base_offset.value())));
  }
  return out;
}

std::string FetchRequest::describe() const {
  std::string out = cat("corr=", num(correlation_id), " replica=", num(replica_id.value()));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), "@", num(p.fetch_offset.value()), ",epoch=", num(p.current_leader_epoch.value())));
  }
  return out;
}

std::string FetchResponse::describe() const {
  std::string out = cat("corr=", num(correlation_id));
  for (const auto& p : partitions) {
    out.append(cat(" ", p.tp.str(), ":", error_name(p.error), ",hw=", num(p.high_watermark.value()), ",bytes=",
                   num(static_cast<std::int64_t>(chunks_bytes(p.records)))));
  }
  return out;
}

std::string OffsetsForLeaderEpochRequest::describe() const {
  std::string out = cat("corr=", num(correlation_id), " replica=", num(replica_id.value()));
  for (const auto& q : partitions) out.append(cat(" ", q.tp.str(), ":epoch=", num(q.leader_epoch.value())));
  return out;
}

std::string OffsetsForLeaderEpochResponse::describe() const {
  std::string out = cat("corr=", num(correlation_id));
  for (const auto& e : partitions) {
    out.append(cat(" ", e.tp.str(), ":", error_name(e.error), ",epoch=", num(e.leader_epoch.value()), ",end=",
                   num(e.end_offset.value())));
  }
  return out;
}

}  // namespace kafkasim
