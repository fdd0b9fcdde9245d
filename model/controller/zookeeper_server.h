// The coordination store: a ZooKeeper-like service as one simulated node (`zookeeper`), seen by
// its clients as an ensemble is (its own failures are out of scope, but it may be restarted).
//
// Znodes carry data and a version that rises with every write; a write may require a version
// (conditional write), and a multi-request applies all its ops or none. An ephemeral znode
// belongs to a client session and disappears when the session expires: a session expires when
// the server has heard nothing from it for its timeout (zookeeper.session.timeout.ms), which is
// what happens to a broker that is dead, paused, or cut off from the store. Watches are
// one-shot and fire on creation, deletion, data and children changes.
//
// Every change is written to the node's disk (a snapshot, fsynced, as ZooKeeper syncs its
// transaction log before answering), so the tree and the sessions survive a restart; on
// restart every session gets a fresh timeout, as in ZooKeeper.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/env.h"
#include "model/message.h"
#include "model/node.h"
#include "model/protocol/zookeeper.h"

namespace kafkasim::controller {

struct ZooKeeperConfig {
  std::string data_dir = "zookeeper";
  std::int64_t tick_ms = 100;  // how often session expiry is checked
  std::vector<ZkOp> initial_ops;  // applied on the very first start, to an empty store
};

class ZooKeeperServer final : public Node {
 public:
  ZooKeeperServer(Env& env, ZooKeeperConfig config) : env_(env), config_(std::move(config)) {}
  ~ZooKeeperServer() override { tick_.cancel(); }

  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;

  // For tests and tools.
  std::optional<std::string> data(const std::string& path) const;
  std::optional<ZkStat> stat(const std::string& path) const;
  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct Znode {
    std::string data;
    ZkStat stat;
  };
  struct Session {
    NodeId client;
    std::int32_t timeout_ms = 0;
    SimTime last_heard;
    std::uint64_t watch_events_sent = 0;
    std::map<std::uint64_t, ZkWatchEvent> unacknowledged;  // by sequence
  };
  using Tree = std::map<std::string, Znode>;
  struct Change {
    std::string path;
    ZkEventType type;
  };

  void handle_multi(NodeId from, const ZkMultiRequest& request);
  void handle_read(NodeId from, const ZkReadRequest& request);
  // Applies `ops` to `tree` as one transaction; on failure says which op failed.
  ZkError apply(Tree& tree, const std::vector<ZkOp>& ops, std::int64_t session, std::vector<ZkStat>& stats,
                std::int32_t& failed_op, std::vector<Change>& changes);
  std::vector<std::string> children(const Tree& tree, const std::string& path) const;
  bool touch(std::int64_t session);  // false when the session is unknown (expired)
  void expire_sessions();
  // Drops the events a ping acknowledged and sends the others again.
  void resend_watch_events(std::int64_t session_id, std::uint64_t seen);
  void notify(const std::vector<Change>& changes);
  void persist();
  // Reads the snapshot; `found` says whether there was one.
  bool load(bool& found);
  void schedule_tick();

  Env& env_;
  ZooKeeperConfig config_;
  bool serving_ = false;
  Tree tree_;
  std::int64_t zxid_ = 0;
  std::int64_t next_session_ = 1;
  std::map<std::int64_t, Session> sessions_;
  std::map<std::string, std::set<std::int64_t>> data_watches_;   // path -> sessions
  std::map<std::string, std::set<std::int64_t>> child_watches_;  // path -> sessions
  TimerHandle tick_;
};

}  // namespace kafkasim::controller
