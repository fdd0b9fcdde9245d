#include "model/broker/replica_fetcher.h"

#include "model/broker/replica_manager.h"

namespace kafkasim::broker {
namespace {
std::int64_t now_ms(const Env& env) { return env.now().as_micros() / 1000; }
}  // namespace

void ReplicaFetcher::set_leader(const TopicPartition& tp, BrokerId leader, NodeId leader_node, bool truncate_first) {
  remove(tp);
  Leader& l = leaders_[leader];
  l.node = leader_node;
  l.partitions[tp] = truncate_first ? Step::truncate : Step::fetch;
  leader_of_[tp] = leader;
  if (l.in_flight < 0 && !l.backoff.pending()) send_next(leader);
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

void ReplicaFetcher::send_next(BrokerId leader) {
  auto it = leaders_.find(leader);
  if (it == leaders_.end() || it->second.partitions.empty()) return;
  // Truncation first, then the offset queries of partitions out of range, then the fetch.
  bool out_of_range = false;
  for (const auto& [tp, step] : it->second.partitions) {
    if (step == Step::truncate) return send_epoch_query(leader, it->second);
    out_of_range |= step == Step::find_log_end || step == Step::find_log_start;
  }
  if (out_of_range) return send_offset_query(leader, it->second);
  send_fetch(leader, it->second);
}

void ReplicaFetcher::await(BrokerId leader, Leader& l, std::int32_t correlation_id) {
  l.in_flight = correlation_id;
  l.timeout = env_.after(Duration::millis(config_.request_timeout_ms + config_.replica_fetch_wait_max_ms),
                         [this, leader, correlation_id] {
                           auto found = leaders_.find(leader);
                           if (found == leaders_.end() || found->second.in_flight != correlation_id) return;
                           found->second.in_flight = -1;
                           // As Kafka's fetcher: close the connection and send again on a new one.
                           env_.disconnect(found->second.node);
                           send_next(leader);
                         });
}

void ReplicaFetcher::send_epoch_query(BrokerId leader, Leader& l) {
  OffsetsForLeaderEpochRequest request;
  request.correlation_id = next_correlation_id_++;
  request.replica_id = config_.broker_id;
  for (auto& [tp, step] : l.partitions) {
    Partition* p = replicas_.partition(tp);
    if (step != Step::truncate || p == nullptr) continue;
    const auto latest = p->log().epoch_cache().latest_epoch();
    if (!latest) {
      // No epoch in the log (empty, or written before epochs): nothing to compare; as Kafka,
      // fall back to the high watermark.
      replicas_.truncate(*p, p->high_watermark(), "high_watermark");
      step = Step::fetch;
      continue;
    }
    request.partitions.push_back(EpochQuery{tp, p->leader_epoch(), *latest});
  }
  if (request.partitions.empty()) return send_fetch(leader, l);
  env_.send(l.node, make_message(request));
  await(leader, l, request.correlation_id);
}

void ReplicaFetcher::send_offset_query(BrokerId leader, Leader& l) {
  ListOffsetsRequest request;
  request.correlation_id = next_correlation_id_++;
  request.replica_id = config_.broker_id;
  for (const auto& [tp, step] : l.partitions) {
    Partition* p = replicas_.partition(tp);
    if (p == nullptr || (step != Step::find_log_end && step != Step::find_log_start)) continue;
    const std::int64_t which = step == Step::find_log_end ? kLatestTimestamp : kEarliestTimestamp;
    request.partitions.push_back(ListOffsetsPartition{tp, which, p->leader_epoch()});
  }
  if (request.partitions.empty()) return send_fetch(leader, l);
  env_.send(l.node, make_message(request));
  await(leader, l, request.correlation_id);
}

void ReplicaFetcher::send_fetch(BrokerId leader, Leader& l) {
  FetchRequest request;
  request.correlation_id = next_correlation_id_++;
  request.replica_id = config_.broker_id;
  request.max_wait_ms = config_.replica_fetch_wait_max_ms;
  request.min_bytes = config_.replica_fetch_min_bytes;
  for (const auto& [tp, step] : l.partitions) {
    Partition* p = replicas_.partition(tp);
    if (p == nullptr) continue;
    request.partitions.push_back(FetchPartition{tp, p->log_end_offset(), p->leader_epoch(), config_.replica_fetch_max_bytes});
  }
  env_.send(l.node, make_message(request));
  await(leader, l, request.correlation_id);
}

void ReplicaFetcher::on_disconnect(NodeId node) {
  for (auto& [id, l] : leaders_) {
    if (l.node != node || l.in_flight < 0) continue;
    l.in_flight = -1;
    l.timeout.cancel();
    retry_later(id);
  }
}

void ReplicaFetcher::retry_later(BrokerId leader) {
  Leader& l = leaders_[leader];
  l.backoff = env_.after(Duration::millis(config_.replica_fetch_backoff_ms), [this, leader] { send_next(leader); });
}

ReplicaFetcher::Leader* ReplicaFetcher::answered(NodeId from, std::int32_t correlation_id, BrokerId& leader) {
  for (auto& [id, l] : leaders_) {
    if (l.node != from || l.in_flight != correlation_id) continue;
    l.in_flight = -1;
    l.timeout.cancel();
    leader = id;
    return &l;
  }
  return nullptr;  // a late answer to a request given up on, or to a deposed leader
}

void ReplicaFetcher::handle_epoch_response(NodeId from, const OffsetsForLeaderEpochResponse& response) {
  BrokerId leader;
  Leader* l = answered(from, response.correlation_id, leader);
  if (l == nullptr) return;
  bool failed = false;
  for (const EpochEndOffset& e : response.partitions) {
    auto it = l->partitions.find(e.tp);
    Partition* p = replicas_.partition(e.tp);
    if (it == l->partitions.end() || it->second != Step::truncate || p == nullptr) continue;
    if (e.error != Errors::NONE) {
      failed = true;
      continue;
    }
    if (replicas_.truncate_to_leader_epoch(*p, e)) it->second = Step::fetch;
  }
  if (failed) return retry_later(leader);
  send_next(leader);
}

void ReplicaFetcher::handle_list_offsets_response(NodeId from, const ListOffsetsResponse& response) {
  BrokerId leader;
  Leader* l = answered(from, response.correlation_id, leader);
  if (l == nullptr) return;
  bool failed = false;
  for (const ListedOffset& listed : response.partitions) {
    auto it = l->partitions.find(listed.tp);
    Partition* p = replicas_.partition(listed.tp);
    if (it == l->partitions.end() || p == nullptr) continue;
    if (listed.error != Errors::NONE) {
      failed = true;
      continue;
    }
    const Offset leo = p->log_end_offset();
    if (it->second == Step::find_log_end) {
      if (listed.offset < leo) {
        // Ahead of the leader, as an unclean election or an old truncation protocol leaves a
        // follower: cut to the leader's end (Kafka warns of the data this loses).
        replicas_.truncate(*p, listed.offset, "leader_log_end");
        it->second = Step::fetch;
      } else {
        it->second = Step::find_log_start;
      }
    } else if (it->second == Step::find_log_start) {
      if (listed.offset > leo) replicas_.truncate_fully_and_start_at(*p, listed.offset);
      it->second = Step::fetch;
    }
  }
  if (failed) return retry_later(leader);
  send_next(leader);
}

void ReplicaFetcher::report_corrupt_batch(NodeId from, const TopicPartition& tp, const storage::Records& records) {
  for (const ByteView& bytes : records.batches()) {
    auto batch = storage::RecordBatchView::parse(bytes);
    if (batch && !batch->crc_ok()) {
      env_.trace(CorruptBatchFetched{tp.str(), from.value(), batch->header().base_offset.value(), batch->header().crc,
                                     batch->computed_crc()});
      return;
    }
  }
}

void ReplicaFetcher::handle_response(NodeId from, const FetchResponse& response) {
  BrokerId leader;
  Leader* l = answered(from, response.correlation_id, leader);
  if (l == nullptr) return;
  bool failed = false;
  for (const FetchedPartition& fetched : response.partitions) {
    Partition* p = replicas_.partition(fetched.tp);
    if (p == nullptr || !l->partitions.count(fetched.tp)) continue;  // no longer follows this leader
    if (fetched.error == Errors::OFFSET_OUT_OF_RANGE) {
      l->partitions[fetched.tp] = Step::find_log_end;
      continue;
    }
    if (fetched.error != Errors::NONE) {
      failed = true;  // wait for the controller's word, then try again
      continue;
    }
    // A fetch is a byte range: it may end inside a batch, which comes whole next time.
    storage::Records whole;
    for (const ByteView& batch : storage::Records(fetched.records).batches()) whole.append(batch);
    if (!whole.empty()) {
      if (!p->log().append_as_follower(whole, now_ms(env_)).ok()) {
        report_corrupt_batch(from, fetched.tp, whole);
        failed = true;
        continue;
      }
    }
    if (p->update_follower_high_watermark(fetched.high_watermark)) replicas_.trace_high_watermark(*p);
    replicas_.follow_leader_log_start(*p, fetched.log_start_offset);
  }
  if (failed) return retry_later(leader);
  send_next(leader);
}

}  // namespace kafkasim::broker
