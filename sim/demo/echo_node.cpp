#include "sim/demo/echo_node.h"

namespace kafkasim::sim {

EchoNode::EchoNode(Env& env, std::vector<NodeId> peers, Duration interval, EchoStats& stats)
    : env_(env), peers_(std::move(peers)), interval_(interval), stats_(stats), started_(env.steady_now()) {}

void EchoNode::start() {
  auto opened = env_.disk().open(kJournal, storage::OpenMode::create_if_missing);
  if (!opened.ok()) {
    ++stats_.disk_errors;
    env_.trace(Note{"journal unavailable: " + opened.status().detail()});
  } else {
    journal_ = std::move(opened.value());
    const std::uint64_t size = journal_->size();
    const std::uint64_t torn = size % kEntryBytes;
    stats_.entries_recovered += size / kEntryBytes;
    if (torn != 0) {
      stats_.torn_bytes_cut += torn;
      journal_->truncate(size - torn);
      env_.trace(Note{"cut a torn journal entry of " + std::to_string(torn) + " bytes"});
    }
  }
  env_.after(Duration::micros(env_.rng().uniform_int(0, interval_.as_micros())), [this] { tick(); });
}

void EchoNode::tick() {
  for (NodeId peer : peers_) {
    env_.send(peer, std::make_shared<Ping>(next_seq_));
    ++stats_.pings_sent;
  }
  ++next_seq_;
  const Duration jitter = Duration::micros(env_.rng().uniform_int(0, interval_.as_micros() / 4));
  env_.after(interval_ + jitter, [this] { tick(); });
}

void EchoNode::on_message(NodeId from, const MessagePtr& message) {
  if (const auto* ping = message_cast<Ping>(*message)) {
    env_.send(from, std::make_shared<Pong>(ping->seq, started_));
  } else if (const auto* pong = message_cast<Pong>(*message)) {
    ++stats_.pongs_received;
    std::uint64_t& last = last_pong_[{from, pong->responder}];
    if (pong->seq <= last) ++stats_.out_of_order;
    last = pong->seq;
    journal(pong->seq);
  }
}

void EchoNode::journal(std::uint64_t seq) {
  if (!journal_) return;
  Buffer entry(kEntryBytes);
  for (std::uint64_t i = 0; i < kEntryBytes; ++i) entry[i] = static_cast<std::uint8_t>(seq >> (8 * i));
  if (!journal_->append(ByteView::from(std::move(entry))).ok()) {
    ++stats_.disk_errors;
    return;
  }
  if (++unsynced_ >= kSyncEvery) {
    unsynced_ = 0;
    if (!journal_->sync().ok()) ++stats_.disk_errors;
  }
}

}  // namespace kafkasim::sim
