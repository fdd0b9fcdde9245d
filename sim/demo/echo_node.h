// A small node that exercises the whole world without Kafka: it pings its peers, answers
// pings with pongs, and journals every pong it receives to its disk, syncing every few.
// On start it recovers the journal, cutting a torn last entry, as a log would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/env.h"
#include "model/node.h"
#include "model/storage/disk.h"

namespace kafkasim::sim {

struct Ping final : Message {
  explicit Ping(std::uint64_t s) : seq(s) {}
  std::uint64_t seq;
  std::string_view name() const override { return "Ping"; }
  std::size_t wire_bytes() const override { return 16; }
  std::string describe() const override { return "seq=" + std::to_string(seq); }
};

// The answer to a ping, naming the process that answered (by when it started): each process
// answers on connections of its own, which deliver in order; those of a process before may
// still deliver what its kernel was sending when it died.
struct Pong final : Message {
  Pong(std::uint64_t s, SimTime responder_started) : seq(s), responder(responder_started) {}
  std::uint64_t seq;
  SimTime responder;
  std::string_view name() const override { return "Pong"; }
  std::size_t wire_bytes() const override { return 16; }
  std::string describe() const override { return "seq=" + std::to_string(seq); }
};

// Counters that outlive the node objects (each restart builds a new one).
struct EchoStats {
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  // A pong whose sequence number was not above the last one from the same peer process.
  std::uint64_t out_of_order = 0;
  // Journal entries found on disk at start, and bytes of torn entries cut.
  std::uint64_t entries_recovered = 0;
  std::uint64_t torn_bytes_cut = 0;
  std::uint64_t disk_errors = 0;
};

class EchoNode final : public Node {
 public:
  static constexpr const char* kJournal = "echo.journal";
  static constexpr std::uint64_t kEntryBytes = 8;
  static constexpr std::uint64_t kSyncEvery = 8;

  EchoNode(Env& env, std::vector<NodeId> peers, Duration interval, EchoStats& stats);
  void start() override;
  void on_message(NodeId from, const MessagePtr& message) override;

 private:
  void tick();
  void journal(std::uint64_t seq);

  Env& env_;
  std::vector<NodeId> peers_;
  Duration interval_;
  EchoStats& stats_;
  std::unique_ptr<storage::File> journal_;
  std::uint64_t next_seq_ = 1;
  SimTime started_;
  std::map<std::pair<NodeId, SimTime>, std::uint64_t> last_pong_;  // by peer process
  std::uint64_t unsynced_ = 0;
};

}  // namespace kafkasim::sim
