#include "model/broker/replica_fetcher.h"

#include "model/broker/replica_manager.h"

namespace kafkasim::broker {

void ReplicaFetcher::set_leader(const TopicPartition& tp, BrokerId leader, NodeId leader_node) {
  remove(tp);
  Leader& l = leaders_[leader];
  l.node = leader_node;
  l.partitions.insert(tp);
  leader_of_[tp] = leader;
  if (l.in_flight < 0 && !l.backoff.pending()) send_fetch(leader);
}

void ReplicaFetcher::remove(const TopicPartition& tp) {
  auto it = leader_of_.find(tp);
  if (it == leader_of_.end()) return;
  Leader& l = leaders_[it->second];
  l.partitions.erase(tp);
  if (l.partitions.empty()) {
    l.timeout.cancel();
    l.backoff.cancel();
    leaders_.erase(it->second);
  }
  leader_of_.erase(it);
}

void ReplicaFetcher::send_fetch(BrokerId leader) {
  auto it = leaders_.find(leader);
  if (it == leaders_.end() || it->second.partitions.empty()) return;
  Leader& l = it->second;
  FetchRequest request;
  request.correlation_id = next_correlation_id_++;
  request.replica_id = config_.broker_id;
  request.max_wait_ms = config_.replica_fetch_wait_max_ms;
  request.min_bytes = config_.replica_fetch_min_bytes;
  for (const TopicPartition& tp : l.partitions) {
    Partition* p = replicas_.partition(tp);
    if (p == nullptr) continue;
    request.partitions.push_back(FetchPartition{tp, p->log_end_offset(), p->leader_epoch(), config_.replica_fetch_max_bytes});
  }
  l.in_flight = request.correlation_id;
  env_.send(l.node, make_message(std::move(request)));
  const std::int32_t sent = l.in_flight;
  l.timeout = env_.after(Duration::millis(config_.request_timeout_ms + config_.replica_fetch_wait_max_ms),
                         [this, leader, sent] {
                           auto found = leaders_.find(leader);
                           if (found == leaders_.end() || found->second.in_flight != sent) return;
                           found->second.in_flight = -1;
                           send_fetch(leader);  // the fetch or its answer was lost
                         });
}

void ReplicaFetcher::retry_later(BrokerId leader) {
  Leader& l = leaders_[leader];
  l.backoff = env_.after(Duration::millis(config_.replica_fetch_backoff_ms), [this, leader] { send_fetch(leader); });
}

void ReplicaFetcher::handle_response(NodeId from, const FetchResponse& response) {
  for (auto& [leader, l] : leaders_) {
    if (l.node != from || l.in_flight != response.correlation_id) continue;
    l.in_flight = -1;
    l.timeout.cancel();
    bool failed = false;
    for (const FetchedPartition& fetched : response.partitions) {
      Partition* p = replicas_.partition(fetched.tp);
      if (p == nullptr || !l.partitions.count(fetched.tp)) continue;  // no longer follows this leader
      if (fetched.error != Errors::NONE) {
        failed = true;  // wait for the controller's word, then try again
        continue;
      }
      // A fetch is a byte range: it may end inside a batch, which comes whole next time.
      storage::Records whole;
      for (const ByteView& batch : storage::Records(fetched.records).batches()) whole.append(batch);
      if (!whole.empty()) {
        auto appended = p->log().append_as_follower(whole, env_.now().as_micros() / 1000);
        if (!appended.ok()) {
          failed = true;
          continue;
        }
        replicas_.record_follower_append(*p, appended.value());
      }
      if (p->update_follower_high_watermark(fetched.high_watermark)) {
        env_.trace(HighWatermarkUpdated{p->tp().str(), p->high_watermark().value(), p->log_end_offset().value()});
      }
    }
    if (failed) {
      retry_later(leader);
    } else {
      send_fetch(leader);
    }
    return;
  }
}

}  // namespace kafkasim::broker
