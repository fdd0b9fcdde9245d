#include "model/protocol/zookeeper.h"

namespace kafkasim {

std::string_view zk_error_name(ZkError e) {
  switch (e) {
    case ZkError::ok: return "OK";
    case ZkError::no_node: return "NONODE";
    case ZkError::node_exists: return "NODEEXISTS";
    case ZkError::bad_version: return "BADVERSION";
    case ZkError::not_empty: return "NOTEMPTY";
    case ZkError::session_expired: return "SESSIONEXPIRED";
    case ZkError::connection_loss: return "CONNECTIONLOSS";
  }
  return "UNKNOWN";
}

std::size_t ZkMultiRequest::wire_bytes() const {
  std::size_t n = 32;
  for (const ZkOp& op : ops) n += 16 + op.path.size() + op.data.size();
  return n;
}

std::string ZkMultiRequest::describe() const {
  static constexpr std::string_view kOps[] = {"create", "set", "delete", "check"};
  std::string out;
  for (const ZkOp& op : ops) {
    out.append(out.empty() ? "" : " ").append(kOps[static_cast<int>(op.type)]).append(" ").append(op.path);
    if (op.version >= 0) out.append("@").append(std::to_string(op.version));
  }
  return out;
}

std::string ZkMultiResponse::describe() const { return std::string(zk_error_name(error)); }

std::size_t ZkReadResponse::wire_bytes() const {
  std::size_t n = 48 + path.size() + data.size();
  for (const auto& c : children) n += c.size() + 4;
  return n;
}

std::string ZkReadResponse::describe() const { return std::string(path).append(" ").append(zk_error_name(error)); }

std::string ZkWatchEvent::describe() const {
  static constexpr std::string_view kTypes[] = {"created", "deleted", "data_changed", "children_changed"};
  return std::string(kTypes[static_cast<int>(type)]).append(" ").append(path);
}

}  // namespace kafkasim
