#include "model/protocol/group_requests.h"

namespace kafkasim {
namespace {

std::string generation_text(Generation g) { return " generation=" + std::to_string(g.value()); }

std::string instance_text(const std::string& group_instance_id) {
  return group_instance_id.empty() ? "" : " instance=" + group_instance_id;
}

}  // namespace

std::string partition_list(const std::vector<TopicPartition>& partitions) {
  std::string out;
  for (const TopicPartition& tp : partitions) out.append(out.empty() ? "" : ",").append(tp.str());
  return out;
}

std::string FindCoordinatorResponse::describe() const {
  return std::string(error_name(error)).append(" broker=").append(std::to_string(broker.value()));
}

std::string JoinGroupRequest::describe() const {
  return "group=" + group_id + " member=" + member_id + instance_text(group_instance_id) + " protocol=" + protocol;
}

std::string JoinGroupResponse::describe() const {
  return std::string(error_name(error)) + generation_text(generation) + " member=" + member_id + " leader=" + leader;
}

std::string SyncGroupRequest::describe() const {
  return "group=" + group_id + generation_text(generation) + " member=" + member_id + instance_text(group_instance_id);
}

std::string SyncGroupResponse::describe() const {
  return std::string(error_name(error)) + " " + partition_list(assignment);
}

std::string HeartbeatRequest::describe() const {
  return "group=" + group_id + generation_text(generation) + " member=" + member_id + instance_text(group_instance_id);
}

std::string HeartbeatResponse::describe() const { return std::string(error_name(error)); }
std::string LeaveGroupResponse::describe() const { return std::string(error_name(error)); }

std::string OffsetCommitRequest::describe() const {
  std::string out = "group=" + group_id + generation_text(generation) + " member=" + member_id + instance_text(group_instance_id);
  for (const auto& o : offsets) out.append(" ").append(o.tp.str()).append("@").append(std::to_string(o.offset.value()));
  return out;
}

std::string OffsetCommitResponse::describe() const {
  std::string out;
  for (const auto& [tp, error] : partitions) out.append(out.empty() ? "" : " ").append(tp.str()).append(":").append(error_name(error));
  return out;
}

std::string OffsetFetchResponse::describe() const {
  std::string out(error_name(error));
  for (const auto& o : offsets) out.append(" ").append(o.tp.str()).append("@").append(std::to_string(o.offset.value()));
  return out;
}

}  // namespace kafkasim
