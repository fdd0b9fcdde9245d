#include "model/controller/zookeeper_server.h"

#include <charconv>

#include "model/storage/checkpoint.h"

namespace kafkasim::controller {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool valid_path(const std::string& path) {
  return path.size() > 1 && path[0] == '/' && path.back() != '/' && path.find("//") == std::string::npos &&
         path.find(' ') == std::string::npos;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "x";  // never empty, so that the line splits into a fixed number of fields
  for (unsigned char c : bytes) out.append({kDigits[c >> 4], kDigits[c & 15]});
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.empty() || text[0] != 'x' || text.size() % 2 == 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < text.size(); i += 2) {
    unsigned value = 0;
    if (std::from_chars(text.data() + i, text.data() + i + 2, value, 16).ec != std::errc()) return std::nullopt;
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= line.size()) {
    const auto space = line.find(' ', start);
    const auto end = space == std::string_view::npos ? line.size() : space;
    out.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

template <class T>
bool number(std::string_view text, T& out) {
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc();
}

}  // namespace

void ZooKeeperServer::start() {
  bool found = false;
  if (!load(found)) {
    env_.trace(Note{"zookeeper: unreadable snapshot; not serving"});
    return;
  }
  serving_ = true;
  if (!found && !config_.initial_ops.empty()) {
    std::vector<ZkStat> stats;
    std::vector<Change> changes;
    std::int32_t failed = -1;
    if (apply(tree_, config_.initial_ops, 0, stats, failed, changes) != ZkError::ok) {
      env_.trace(Note{"zookeeper: initial op " + std::to_string(failed) + " failed"});
    }
    ++zxid_;
    persist();
  }
  // Sessions restored from disk start their timeout afresh.
  for (auto& [id, s] : sessions_) s.last_heard = env_.now();
  schedule_tick();
}

void ZooKeeperServer::schedule_tick() {
  tick_ = env_.after(Duration::millis(config_.tick_ms), [this] {
    expire_sessions();
    schedule_tick();
  });
}

bool ZooKeeperServer::touch(std::int64_t session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return false;
  it->second.last_heard = env_.now();
  return true;
}

void ZooKeeperServer::on_message(NodeId from, const MessagePtr& message) {
  if (!serving_) return;
  if (const auto* connect = body_cast<ZkConnectRequest>(*message)) {
    const std::int64_t id = next_session_++;
    sessions_[id] = Session{from, connect->session_timeout_ms, env_.now(), 0, {}};
    persist();
    env_.send(from, make_message(ZkConnectResponse{connect->correlation_id, id}));
  } else if (const auto* ping = body_cast<ZkPing>(*message)) {
    const bool alive = touch(ping->session_id);
    const auto session = sessions_.find(ping->session_id);
    const std::uint64_t sent = session == sessions_.end() ? 0 : session->second.watch_events_sent;
    env_.send(from, make_message(ZkPingResponse{ping->session_id, !alive, sent}));
    resend_watch_events(ping->session_id, ping->watch_events_seen);
  } else if (const auto* multi = body_cast<ZkMultiRequest>(*message)) {
    handle_multi(from, *multi);
  } else if (const auto* read = body_cast<ZkReadRequest>(*message)) {
    handle_read(from, *read);
  }
}

std::vector<std::string> ZooKeeperServer::children(const Tree& tree, const std::string& path) const {
  const std::string prefix = path == "/" ? "/" : path + "/";
  std::vector<std::string> out;
  for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.starts_with(prefix); ++it) {
    const std::string rest = it->first.substr(prefix.size());
    if (rest.find('/') == std::string::npos) out.push_back(rest);
  }
  return out;
}

ZkError ZooKeeperServer::apply(Tree& tree, const std::vector<ZkOp>& ops, std::int64_t session,
                               std::vector<ZkStat>& stats, std::int32_t& failed_op, std::vector<Change>& changes) {
  const std::int64_t zxid = zxid_ + 1;  // one transaction
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const ZkOp& op = ops[i];
    failed_op = static_cast<std::int32_t>(i);
    auto node = tree.find(op.path);
    const bool version_ok = node != tree.end() && (op.version < 0 || op.version == node->second.stat.version);
    switch (op.type) {
      case ZkOpType::create: {
        if (!valid_path(op.path)) return ZkError::no_node;
        if (node != tree.end()) return ZkError::node_exists;
        const std::string parent = parent_of(op.path);
        if (parent != "/" && !tree.contains(parent)) return ZkError::no_node;
        ZkStat stat{0, zxid, zxid, op.ephemeral ? session : 0};
        tree[op.path] = Znode{op.data, stat};
        stats.push_back(stat);
        changes.push_back({op.path, ZkEventType::created});
        changes.push_back({parent, ZkEventType::children_changed});
        break;
      }
      case ZkOpType::set_data:
        if (node == tree.end()) return ZkError::no_node;
        if (!version_ok) return ZkError::bad_version;
        node->second.data = op.data;
        ++node->second.stat.version;
        node->second.stat.mzxid = zxid;
        stats.push_back(node->second.stat);
        changes.push_back({op.path, ZkEventType::data_changed});
        break;
      case ZkOpType::delete_node:
        if (node == tree.end()) return ZkError::no_node;
        if (!version_ok) return ZkError::bad_version;
        if (!children(tree, op.path).empty()) return ZkError::not_empty;
        stats.push_back(node->second.stat);
        tree.erase(node);
        changes.push_back({op.path, ZkEventType::deleted});
        changes.push_back({parent_of(op.path), ZkEventType::children_changed});
        break;
      case ZkOpType::check:
        if (node == tree.end()) return ZkError::no_node;
        if (!version_ok) return ZkError::bad_version;
        stats.push_back(node->second.stat);
        break;
    }
  }
  failed_op = -1;
  return ZkError::ok;
}

void ZooKeeperServer::handle_multi(NodeId from, const ZkMultiRequest& request) {
  ZkMultiResponse response;
  response.correlation_id = request.correlation_id;
  if (!touch(request.session_id)) {
    response.error = ZkError::session_expired;
    env_.send(from, make_message(std::move(response)));
    return;
  }
  Tree scratch = tree_;  // all or nothing
  std::vector<Change> changes;
  response.error = apply(scratch, request.ops, request.session_id, response.stats, response.failed_op, changes);
  if (response.error == ZkError::ok) {
    tree_ = std::move(scratch);
    ++zxid_;
    persist();
    notify(changes);
  } else {
    response.stats.clear();
  }
  env_.send(from, make_message(std::move(response)));
}

void ZooKeeperServer::handle_read(NodeId from, const ZkReadRequest& request) {
  ZkReadResponse response;
  response.correlation_id = request.correlation_id;
  response.path = request.path;
  if (!touch(request.session_id)) {
    response.error = ZkError::session_expired;
    env_.send(from, make_message(std::move(response)));
    return;
  }
  auto node = tree_.find(request.path);
  const bool exists = node != tree_.end() || request.path == "/";
  if (request.watch) {
    // A data watch also covers the creation of a missing znode (ZooKeeper's exists watch).
    (request.children ? child_watches_ : data_watches_)[request.path].insert(request.session_id);
  }
  if (!exists) {
    response.error = ZkError::no_node;
  } else {
    if (node != tree_.end()) {
      response.data = node->second.data;
      response.stat = node->second.stat;
    }
    if (request.children) response.children = children(tree_, request.path);
  }
  env_.send(from, make_message(std::move(response)));
}

void ZooKeeperServer::notify(const std::vector<Change>& changes) {
  for (const Change& c : changes) {
    std::set<std::int64_t> watchers;
    auto take = [&](std::map<std::string, std::set<std::int64_t>>& watches) {
      auto it = watches.find(c.path);
      if (it == watches.end()) return;
      watchers.insert(it->second.begin(), it->second.end());
      watches.erase(it);
    };
    if (c.type == ZkEventType::children_changed) {
      take(child_watches_);
    } else {
      take(data_watches_);
      if (c.type == ZkEventType::deleted) take(child_watches_);
    }
    for (std::int64_t s : watchers) {
      auto session = sessions_.find(s);
      if (session == sessions_.end()) continue;
      Session& to = session->second;
      const ZkWatchEvent event{c.path, c.type, ++to.watch_events_sent, s};
      to.unacknowledged.emplace(event.sequence, event);
      env_.send(to.client, make_message(event));
    }
  }
}

void ZooKeeperServer::resend_watch_events(std::int64_t session_id, std::uint64_t seen) {
  auto session = sessions_.find(session_id);
  if (session == sessions_.end()) return;
  auto& pending = session->second.unacknowledged;
  pending.erase(pending.begin(), pending.upper_bound(seen));
  for (const auto& [sequence, event] : pending) env_.send(session->second.client, make_message(event));
}

void ZooKeeperServer::expire_sessions() {
  std::vector<std::int64_t> expired;
  for (const auto& [id, s] : sessions_) {
    if (env_.now() - s.last_heard > Duration::millis(s.timeout_ms)) expired.push_back(id);
  }
  if (expired.empty()) return;
  std::vector<ZkOp> deletes;
  for (const auto& [path, node] : tree_) {
    for (std::int64_t id : expired) {
      if (node.stat.ephemeral_owner == id) deletes.push_back(ZkOp{ZkOpType::delete_node, path, {}, -1, false});
    }
  }
  for (std::int64_t id : expired) {
    sessions_.erase(id);
    for (auto* watches : {&data_watches_, &child_watches_}) {
      for (auto& [path, sessions] : *watches) sessions.erase(id);
    }
    env_.trace(Note{"zookeeper: session " + std::to_string(id) + " expired"});
    env_.probe(Probe::zookeeper_session_expired);
  }
  std::vector<ZkStat> stats;
  std::vector<Change> changes;
  std::int32_t failed = -1;
  if (!deletes.empty() && apply(tree_, deletes, 0, stats, failed, changes) == ZkError::ok) ++zxid_;
  persist();
  notify(changes);
}

void ZooKeeperServer::persist() {
  std::vector<std::string> lines;
  lines.push_back("zxid " + std::to_string(zxid_) + " " + std::to_string(next_session_));
  for (const auto& [id, s] : sessions_) {
    lines.push_back("session " + std::to_string(id) + " " + std::to_string(s.timeout_ms) + " " +
                    std::to_string(s.client.value()));
  }
  for (const auto& [path, node] : tree_) {
    const ZkStat& st = node.stat;
    lines.push_back("node " + hex(path) + " " + std::to_string(st.version) + " " + std::to_string(st.czxid) + " " +
                    std::to_string(st.mzxid) + " " + std::to_string(st.ephemeral_owner) + " " + hex(node.data));
  }
  storage::CheckpointFile file(env_.disk(), config_.data_dir + "/snapshot");
  if (!env_.disk().make_dir(config_.data_dir).ok() || !file.write(0, lines).ok()) {
    env_.trace(Note{"zookeeper: could not write its snapshot"});
  }
}

bool ZooKeeperServer::load(bool& found) {
  storage::CheckpointFile file(env_.disk(), config_.data_dir + "/snapshot");
  auto lines = file.read(0);
  found = lines.ok();
  if (!lines.ok()) return lines.status().code() == storage::IoErrc::not_found;
  for (const std::string& line : lines.value()) {
    const auto f = split(line);
    if (f[0] == "zxid" && f.size() == 3) {
      if (!number(f[1], zxid_) || !number(f[2], next_session_)) return false;
    } else if (f[0] == "session" && f.size() == 4) {
      std::int64_t id = 0;
      Session s;
      std::uint32_t client = 0;
      if (!number(f[1], id) || !number(f[2], s.timeout_ms) || !number(f[3], client)) return false;
      s.client = NodeId{client};
      sessions_[id] = s;
    } else if (f[0] == "node" && f.size() == 7) {
      const auto path = unhex(f[1]);
      const auto data = unhex(f[6]);
      ZkStat st;
      if (!path || !data || !number(f[2], st.version) || !number(f[3], st.czxid) || !number(f[4], st.mzxid) ||
          !number(f[5], st.ephemeral_owner)) {
        return false;
      }
      tree_[*path] = Znode{*data, st};
    } else {
      return false;
    }
  }
  return true;
}

std::optional<std::string> ZooKeeperServer::data(const std::string& path) const {
  auto it = tree_.find(path);
  if (it == tree_.end()) return std::nullopt;
  return it->second.data;
}

std::optional<ZkStat> ZooKeeperServer::stat(const std::string& path) const {
  auto it = tree_.find(path);
  if (it == tree_.end()) return std::nullopt;
  return it->second.stat;
}

}  // namespace kafkasim::controller
