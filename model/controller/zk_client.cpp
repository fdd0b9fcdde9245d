#include "model/controller/zk_client.h"

#include <algorithm>

namespace kafkasim::controller {

ZkClient::~ZkClient() {
  ping_timer_.cancel();
  connect_timer_.cancel();
  for (auto& [corr, p] : pending_) p.timeout.cancel();
}

void ZkClient::connect() {
  session_.reset();
  connecting_ = ++correlation_id_;
  env_.send(server_, make_message(ZkConnectRequest{*connecting_, session_timeout_ms_}));
  connect_timer_.cancel();
  connect_timer_ = env_.after(Duration::millis(session_timeout_ms_ / 3), [this] { connect(); });  // try again
}

void ZkClient::ping() {
  if (!session_) return;
  env_.send(server_, make_message(ZkPing{*session_, watch_events_seen_}));
  ping_timer_ = env_.after(Duration::millis(session_timeout_ms_ / 3), [this] { ping(); });
}

void ZkClient::expire() {
  if (!session_) return;
  session_.reset();
  ping_timer_.cancel();
  handlers_.session_expired();
}

std::int32_t ZkClient::track(Pending pending) {
  const std::int32_t corr = ++correlation_id_;
  pending.timeout = env_.after(Duration::millis(session_timeout_ms_), [this, corr] {
    auto p = take(corr);
    if (!p) return;
    if (p->multi) return p->multi(ZkMultiResponse{corr, ZkError::connection_loss, -1, {}});
    // A read changes nothing, so it is sent again while its session lives, as Kafka's
    // KafkaZkClient retries a request that met a connection loss once it is connected again.
    if (session_ == p->read_request.session_id) return send_read(std::move(*p));
    p->read(ZkReadResponse{corr, ZkError::connection_loss, p->read_request.path, {}, {}, {}});
  });
  pending_.emplace(corr, std::move(pending));
  return corr;
}

std::optional<ZkClient::Pending> ZkClient::take(std::int32_t correlation_id) {
  auto it = pending_.find(correlation_id);
  if (it == pending_.end()) return std::nullopt;
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timeout.cancel();
  return p;
}

void ZkClient::multi(std::vector<ZkOp> ops, MultiCallback done) {
  if (!session_) return done(ZkMultiResponse{0, ZkError::session_expired, -1, {}});
  const std::int32_t corr = track(Pending{std::move(done), {}, {}, {}});
  env_.send(server_, make_message(ZkMultiRequest{corr, *session_, std::move(ops)}));
}

void ZkClient::read(const std::string& path, bool children, bool watch, ReadCallback done) {
  if (!session_) return done(ZkReadResponse{0, ZkError::session_expired, path, {}, {}, {}});
  send_read(Pending{{}, std::move(done), ZkReadRequest{0, *session_, path, children, watch}, {}});
}

void ZkClient::send_read(Pending pending) {
  ZkReadRequest request = pending.read_request;
  request.correlation_id = track(std::move(pending));
  env_.send(server_, make_message(std::move(request)));
}

bool ZkClient::handle(const Message& message) {
  if (const auto* connected = body_cast<ZkConnectResponse>(message)) {
    if (!connecting_ || connected->correlation_id != *connecting_) return true;
    connecting_.reset();
    connect_timer_.cancel();
    session_ = connected->session_id;
    watch_events_seen_ = 0;
    ping_timer_ = env_.after(Duration::millis(session_timeout_ms_ / 3), [this] { ping(); });
    handlers_.session_established();
  } else if (const auto* pong = body_cast<ZkPingResponse>(message)) {
    if (session_ != pong->session_id) return true;  // answers a previous session's ping
    if (pong->expired) {
      expire();
    } else {
      watch_events_seen_ = std::min(watch_events_seen_, pong->watch_events_sent);
    }
  } else if (const auto* m = body_cast<ZkMultiResponse>(message)) {
    auto p = take(m->correlation_id);
    if (m->error == ZkError::session_expired) expire();
    if (p && p->multi) p->multi(*m);
  } else if (const auto* r = body_cast<ZkReadResponse>(message)) {
    auto p = take(r->correlation_id);
    if (r->error == ZkError::session_expired) expire();
    if (p && p->read) p->read(*r);
  } else if (const auto* w = body_cast<ZkWatchEvent>(message)) {
    // Of this session only (a restarted broker's previous session may still have watches, and
    // their events come to the same node), and in sequence: a later event waits for the one
    // lost before it, which comes again.
    if (!session_ || w->session_id != *session_ || w->sequence != watch_events_seen_ + 1) return true;
    ++watch_events_seen_;
    handlers_.watch(*w);
  } else {
    return false;
  }
  return true;
}

}  // namespace kafkasim::controller
