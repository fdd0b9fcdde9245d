#include "model/protocol/metadata.h"

#include <string_view>

namespace kafkasim {

std::string UpdateMetadataRequest::describe() const {
  std::string out = std::string("corr=").append(std::to_string(correlation_id));
  out.append(" controllerEpoch=").append(std::to_string(controller_epoch.value()));
  for (const auto& p : partitions) {
    out.append(" ").append(p.tp.str()).append(":leader=").append(std::to_string(p.leader.value()));
  }
  return out;
}

std::string UpdateMetadataResponse::describe() const {
  return std::string("corr=").append(std::to_string(correlation_id)).append(" ").append(error_name(error));
}

std::string MetadataRequest::describe() const {
  std::string out;
  for (const auto& t : topics) out.append(out.empty() ? "" : ",").append(t);
  return out.empty() ? "all topics" : out;
}

std::size_t MetadataResponse::wire_bytes() const {
  std::size_t n = 32 + brokers.size() * 24;
  for (const auto& t : topics) n += 16 + t.partitions.size() * 32;
  return n;
}

std::string MetadataResponse::describe() const {
  std::string out;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      out.append(out.empty() ? "" : " ").append(p.tp.str()).append(":leader=").append(std::to_string(p.leader.value()));
    }
    if (t.error != Errors::NONE) out.append(out.empty() ? "" : " ").append(t.topic).append(":").append(error_name(t.error));
  }
  return out;
}

std::string CreateTopicsRequest::describe() const {
  std::string out;
  for (const auto& t : topics) out.append(out.empty() ? "" : " ").append(t.name);
  return out;
}

std::string CreateTopicsResponse::describe() const {
  std::string out;
  for (const auto& [name, error] : topics) out.append(out.empty() ? "" : " ").append(name).append(":").append(error_name(error));
  return out;
}

std::string InitProducerIdResponse::describe() const {
  return std::string(error_name(error)).append(" producerId=").append(std::to_string(producer_id.value()));
}

}  // namespace kafkasim
