#include "model/controller/controller.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "model/controller/elections.h"
#include "model/controller/isr_change.h"
#include "model/controller/zk_layout.h"

namespace kafkasim::controller {
namespace {

std::vector<BrokerId> without(const std::vector<BrokerId>& v, const std::set<BrokerId>& drop) {
  std::vector<BrokerId> out;
  for (BrokerId b : v) {
    if (!drop.contains(b)) out.push_back(b);
  }
  return out;
}

std::vector<BrokerId> only_live(const std::vector<BrokerId>& v, const std::set<BrokerId>& live) {
  std::vector<BrokerId> out;
  for (BrokerId b : v) {
    if (live.contains(b)) out.push_back(b);
  }
  return out;
}

AlterIsrResult refusal(const TopicPartition& tp, Errors error) {
  AlterIsrResult out;
  out.tp = tp;
  out.error = error;
  return out;
}

// The state of `tp` in the store's answers, if it was there and readable.
std::optional<PartitionState> stored_state(const TopicPartition& tp, const std::vector<BrokerId>& replicas,
                                           const std::map<std::string, ZkReadResponse>& answers) {
  auto it = answers.find(zk::partition_state_path(tp));
  if (it == answers.end() || it->second.error != ZkError::ok) return std::nullopt;
  const auto s = zk::decode_leader_and_isr(it->second.data);
  if (!s) return std::nullopt;
  return PartitionState{tp, s->controller_epoch, s->leader, s->leader_epoch, s->isr, replicas, it->second.stat.version};
}

}  // namespace

Controller::Controller(Env& env, BrokerId self, ControllerConfig config, ZkClient& zk)
    : env_(env), self_(self), config_(config), zk_(zk), channel_(env, config.controller_socket_timeout_ms) {}

Controller::~Controller() { rebalance_.cancel(); }

template <class F>
auto Controller::guarded(F f) {
  return [this, generation = generation_, f = std::move(f)](auto&&... args) {
    if (generation == generation_) f(std::forward<decltype(args)>(args)...);
  };
}

void Controller::enqueue(Job job) {
  jobs_.push_back(std::move(job));
  if (!running_) run_next();
}

void Controller::run_next() {
  if (jobs_.empty()) {
    running_ = false;
    return;
  }
  running_ = true;
  Job job = std::move(jobs_.front());
  jobs_.pop_front();
  job(guarded([this] { run_next(); }));
}

void Controller::resign() {
  if (active_) env_.trace(Note{"controller " + std::to_string(self_.value()) + " resigns"});
  active_ = false;
  ++generation_;
  jobs_.clear();
  running_ = false;
  rebalance_.cancel();
  channel_.clear();
  offline_.clear();
}

std::vector<TopicPartition> Controller::all_partitions() const {
  std::vector<TopicPartition> out;
  for (const auto& [topic, assignment] : topics_) {
    for (const auto& [p, replicas] : assignment) out.push_back(TopicPartition{topic, p});
  }
  return out;
}

std::set<BrokerId> Controller::live_ids() const {
  std::set<BrokerId> out;
  for (const auto& [id, b] : live_) out.insert(id);
  return out;
}

void Controller::elect() {
  if (active_ || !zk_.session()) return;
  zk_.multi({ZkOp{ZkOpType::create, zk::kController, "brokerid=" + std::to_string(self_.value()), -1, true}},
            guarded([this](const ZkMultiResponse& r) {
              if (r.error == ZkError::ok) return enqueue([this](Done done) { become_controller(std::move(done)); });
              if (r.error == ZkError::node_exists) {
                // Someone else leads: watch for it to go.
                zk_.read(zk::kController, false, true, guarded([this](const ZkReadResponse& read) {
                           if (read.error == ZkError::no_node) elect();
                         }));
              }
            }));
}

void Controller::on_watch(const ZkWatchEvent& event) {
  if (event.path == zk::kController && event.type == ZkEventType::deleted) return elect();
  if (!active_) return;
  if (event.path == zk::kBrokerIds) enqueue([this](Done done) { on_broker_change(std::move(done)); });
  if (event.path == zk::kTopics) enqueue([this](Done done) { on_topic_change(std::move(done)); });
}

void Controller::read_all(const std::vector<std::string>& paths, std::function<void(Paths)> done) {
  if (paths.empty()) return done({});
  auto results = std::make_shared<Paths>();
  auto remaining = std::make_shared<std::size_t>(paths.size());
  for (const std::string& path : paths) {
    zk_.read(path, false, false, guarded([results, remaining, path, done](const ZkReadResponse& r) {
               (*results)[path] = r;
               if (--*remaining == 0) done(std::move(*results));
             }));
  }
}

void Controller::read_brokers(std::function<void(std::map<BrokerId, LiveBroker>)> done) {
  zk_.read(zk::kBrokerIds, true, true, guarded([this, done](const ZkReadResponse& ids) {
             std::vector<std::string> paths;
             for (const std::string& child : ids.children) paths.push_back(zk::kBrokerIds + "/" + child);
             read_all(paths, [done](Paths found) {
               std::map<BrokerId, LiveBroker> brokers;
               for (const auto& [path, r] : found) {
                 const auto reg = zk::decode_broker(r.data);
                 const auto id = zk::decode_number(path.substr(zk::kBrokerIds.size() + 1));
                 if (r.error != ZkError::ok || !reg || !id) continue;  // gone meanwhile, or not a broker
                 brokers[BrokerId{*id}] = LiveBroker{reg->node, reg->rack, r.stat.czxid};
               }
               done(std::move(brokers));
             });
           }));
}

void Controller::load_topics(const std::vector<std::string>& topics, Done done) {
  std::vector<std::string> paths;
  for (const std::string& t : topics) paths.push_back(zk::topic_path(t));
  read_all(paths, [this, topics, done](Paths found) {
    std::vector<std::string> state_paths;
    for (const std::string& t : topics) {
      const ZkReadResponse& r = found[zk::topic_path(t)];
      const auto assignment = zk::decode_assignment(r.data);
      if (r.error != ZkError::ok || !assignment) {
        env_.trace(Note{"controller: ignoring topic " + t + " with an unreadable assignment"});
        continue;
      }
      topics_[t] = *assignment;
      for (const auto& [p, replicas] : *assignment) state_paths.push_back(zk::partition_state_path(TopicPartition{t, p}));
    }
    read_all(state_paths, [this, done](Paths states) {
      for (const auto& [topic, assignment] : topics_) {
        for (const auto& [p, replicas] : assignment) {
          const TopicPartition tp{topic, p};
          // Traced as read: a write whose answer its controller never had (it died first) is
          // known from here on, to the checkers too.
          if (auto s = stored_state(tp, replicas, states)) trace_state(states_[tp] = std::move(*s));
        }
      }
      done();
    });
  });
}

void Controller::trace_state(const PartitionState& s) {
  env_.trace(PartitionStateRecorded{s.tp.str(), s.leader.value(), s.leader_epoch.value(), broker_list(s.isr),
                                    s.partition_epoch});
}

void Controller::reload_states(const std::vector<TopicPartition>& partitions, Done done) {
  std::vector<std::string> paths;
  for (const TopicPartition& tp : partitions) paths.push_back(zk::partition_state_path(tp));
  read_all(paths, [this, partitions, done](Paths answers) {
    std::vector<TopicPartition> moved;
    for (const TopicPartition& tp : partitions) {
      auto stored = stored_state(tp, topics_.at(tp.topic).at(tp.partition), answers);
      if (!stored) continue;
      auto cached = states_.find(tp);
      if (cached != states_.end() && cached->second.partition_epoch == stored->partition_epoch) continue;
      trace_state(states_[tp] = std::move(*stored));
      moved.push_back(tp);
    }
    if (!moved.empty()) {  // a leader elected by a lost write learns it now
      send_leader_and_isr(moved, {});
      send_update_metadata();
    }
    done();
  });
}

void Controller::become_controller(Done done) {
  zk_.read(zk::kControllerEpoch, false, false, guarded([this, done](const ZkReadResponse& r) {
             const auto previous = r.error == ZkError::ok ? zk::decode_number(r.data) : std::optional<std::int32_t>(0);
             if (!previous) return done();  // unreadable: leave it to an operator
             const ControllerEpoch epoch{*previous + 1};
             ZkOp bump{ZkOpType::create, zk::kControllerEpoch, std::to_string(epoch.value()), -1, false};
             if (r.error == ZkError::ok) {
               bump = ZkOp{ZkOpType::set_data, zk::kControllerEpoch, bump.data, r.stat.version, false};
             }
             zk_.multi({bump}, guarded([this, done, epoch](const ZkMultiResponse& w) {
                         if (w.error != ZkError::ok) return done();  // another controller got there first
                         active_ = true;
                         epoch_ = epoch;
                         epoch_version_ = w.stats[0].version;
                         env_.trace(ControllerElected{self_.value(), epoch_.value()});
                         read_brokers(guarded([this, done](std::map<BrokerId, LiveBroker> brokers) {
                           live_ = std::move(brokers);
                           zk_.read(zk::kTopics, true, true, guarded([this, done](const ZkReadResponse& topics) {
                                      load_topics(topics.children, [this, done] {
                                        const std::vector<TopicPartition> all = all_partitions();
                                        // Replicas on brokers that died before this controller
                                        // took over go offline too (Kafka's replica state
                                        // machine startup): they leave the ISRs.
                                        std::vector<Change> changes = elect_leaders(all);
                                        for (Change& c : remove_from_isrs(absent_isr_members())) changes.push_back(std::move(c));
                                        commit(std::move(changes), false, guarded([this, done, all](bool) {
                                                 send_update_metadata();
                                                 send_leader_and_isr(all, {});
                                                 schedule_rebalance();
                                                 done();
                                               }));
                                      });
                                    }));
                         }));
                       }));
           }));
}

std::vector<Controller::Change> Controller::remove_from_isrs(const std::set<BrokerId>& gone) const {
  const std::set<BrokerId> live = live_ids();
  std::vector<Change> changes;
  for (const auto& [tp, s] : states_) {
    if (!live.contains(s.leader)) continue;  // an election decides its ISR
    if (std::none_of(s.isr.begin(), s.isr.end(), [&](BrokerId b) { return gone.contains(b); })) continue;
    PartitionState next = s;
    next.isr = without(s.isr, gone);
    next.leader_epoch = next_epoch(s.leader_epoch);
    changes.push_back(Change{next, false, false, ""});
  }
  return changes;
}

std::set<BrokerId> Controller::absent_isr_members() const {
  const std::set<BrokerId> live = live_ids();
  std::set<BrokerId> absent;
  for (const auto& [tp, s] : states_) {
    for (BrokerId b : s.isr) {
      if (!live.contains(b)) absent.insert(b);
    }
  }
  return absent;
}

std::vector<Controller::Change> Controller::elect_leaders(const std::vector<TopicPartition>& partitions) {
  const std::set<BrokerId> live = live_ids();
  std::vector<Change> changes;
  for (const TopicPartition& tp : partitions) {
    const std::vector<BrokerId>& replicas = topics_.at(tp.topic).at(tp.partition);
    auto it = states_.find(tp);
    if (it == states_.end()) {
      const std::vector<BrokerId> isr = only_live(replicas, live);
      if (isr.empty()) continue;  // no replica alive: the partition waits offline
      changes.push_back(Change{PartitionState{tp, epoch_, isr[0], LeaderEpoch{0}, isr, replicas, -1}, true, false,
                               "new_partition"});
      continue;
    }
    const PartitionState& current = it->second;
    // A partition that went offline is elected again even if its leader is back: the broker
    // that returned, and the others, learn its leadership in a new leader epoch (Kafka's
    // OfflinePartition -> OnlinePartition).
    if (live.contains(current.leader) && !offline_.contains(tp)) continue;
    const auto elected = elect_offline_leader(replicas, current.isr, live, config_.unclean_leader_election_enable);
    if (!elected) {
      if (offline_.insert(tp).second) env_.probe(Probe::partition_left_without_leader);
      continue;
    }
    if (elected->unclean) env_.probe(Probe::leader_elected_unclean);
    PartitionState next = current;
    next.leader = elected->leader;
    next.leader_epoch = next_epoch(current.leader_epoch);
    next.isr = elected->unclean ? std::vector<BrokerId>{elected->leader} : only_live(current.isr, live);
    changes.push_back(Change{next, false, elected->unclean, "offline"});
  }
  return changes;
}

void Controller::commit(std::vector<Change> changes, bool tell_replicas, std::function<void(bool)> done) {
  if (changes.empty()) return done(true);
  std::vector<ZkOp> ops{ZkOp{ZkOpType::check, zk::kControllerEpoch, "", epoch_version_, false}};
  std::vector<std::size_t> state_op;  // index in ops of each change's state write
  std::set<std::string> created;
  for (const Change& c : changes) {
    const std::string path = zk::partition_state_path(c.state.tp);
    const std::string data = zk::encode(zk::LeaderAndIsr{c.state.leader, c.state.leader_epoch, c.state.isr, epoch_});
    if (c.create) {
      const bool topic_has_states = std::any_of(states_.begin(), states_.end(),
                                                [&](const auto& s) { return s.first.topic == c.state.tp.topic; });
      const auto parents = zk::partition_parents(c.state.tp);
      for (std::size_t i = 0; i < parents.size(); ++i) {
        if ((i == 0 && topic_has_states) || !created.insert(parents[i]).second) continue;
        ops.push_back(ZkOp{ZkOpType::create, parents[i], "", -1, false});
      }
      ops.push_back(ZkOp{ZkOpType::create, path, data, -1, false});
    } else {
      ops.push_back(ZkOp{ZkOpType::set_data, path, data, c.state.partition_epoch, false});
    }
    state_op.push_back(ops.size() - 1);
  }
  zk_.multi(std::move(ops), guarded([this, changes = std::move(changes), state_op, tell_replicas,
                                     done](const ZkMultiResponse& r) {
              if (r.error != ZkError::ok) {
                env_.trace(Note{"controller: state write failed: " + std::string(zk_error_name(r.error))});
                if (r.failed_op == 0) {
                  resign();  // the controller epoch moved on: deposed
                  return done(false);
                }
                if (r.error != ZkError::connection_loss && r.error != ZkError::bad_version) return done(false);
                // A write whose answer was lost may have been applied, and a version that no
                // longer matches means some write was: what the store holds is the truth now.
                std::vector<TopicPartition> written;
                for (const Change& c : changes) written.push_back(c.state.tp);
                return reload_states(written, [done] { done(false); });
              }
              std::vector<TopicPartition> changed;
              for (std::size_t i = 0; i < changes.size(); ++i) {
                PartitionState s = changes[i].state;
                s.controller_epoch = epoch_;
                s.partition_epoch = r.stats[state_op[i]].version;
                states_[s.tp] = s;
                changed.push_back(s.tp);
                trace_state(s);
                if (!changes[i].reason.empty()) {
                  offline_.erase(s.tp);
                  env_.trace(LeaderElected{s.tp.str(), s.leader.value(), s.leader_epoch.value(), broker_list(s.isr),
                                           changes[i].unclean, changes[i].reason});
                }
              }
              if (tell_replicas) {
                send_leader_and_isr(changed, {});
                send_update_metadata();
              }
              done(true);
            }));
}

void Controller::send_leader_and_isr(const std::vector<TopicPartition>& partitions, const std::set<BrokerId>& only_to) {
  std::map<BrokerId, LeaderAndIsrRequest> requests;
  for (const TopicPartition& tp : partitions) {
    auto it = states_.find(tp);
    if (it == states_.end()) continue;
    for (BrokerId r : it->second.replicas) {
      if (!live_.contains(r) || (!only_to.empty() && !only_to.contains(r))) continue;
      requests[r].partitions.push_back(it->second);
    }
  }
  for (auto& [broker, request] : requests) {
    request.controller_id = self_;
    request.controller_epoch = epoch_;
    for (const auto& [id, b] : live_) request.brokers.emplace_back(id, b.node);
    channel_.send(broker, live_.at(broker).node, std::move(request));
  }
}

void Controller::send_update_metadata() {
  UpdateMetadataRequest request;
  request.controller_id = self_;
  request.controller_epoch = epoch_;
  for (const auto& [tp, s] : states_) request.partitions.push_back(s);
  for (const auto& [id, b] : live_) request.live_brokers.push_back(BrokerEndpoint{id, b.node, b.rack});
  for (const auto& [id, b] : live_) channel_.send(id, b.node, request);
}

void Controller::on_broker_change(Done done) {
  read_brokers(guarded([this, done](std::map<BrokerId, LiveBroker> now) { on_brokers(std::move(now), done); }));
}

void Controller::on_brokers(std::map<BrokerId, LiveBroker> now, Done done) {
  std::set<BrokerId> failed, started;
  for (const auto& [id, b] : live_) {
    auto it = now.find(id);
    if (it == now.end()) {
      failed.insert(id);
    } else if (it->second.epoch != b.epoch) {
      if (config_.broker_epoch_fencing) {
        failed.insert(id);  // KIP-380: a new broker epoch means it restarted
        started.insert(id);
      } else {
        live_[id] = it->second;
      }
    }
  }
  for (const auto& [id, b] : now) {
    if (!live_.contains(id)) started.insert(id);
  }
  for (BrokerId id : failed) {
    live_.erase(id);
    channel_.remove(id);
    shutting_down_.erase(id);
  }
  // Failures: partitions they led need a leader; the ISRs they were in shrink (new epoch).
  std::vector<TopicPartition> leaderless;
  for (const auto& [tp, s] : states_) {
    if (failed.contains(s.leader)) leaderless.push_back(tp);
  }
  std::vector<Change> changes = remove_from_isrs(failed);
  for (Change& c : elect_leaders(leaderless)) changes.push_back(std::move(c));
  commit(std::move(changes), true, guarded([this, now = std::move(now), started, done](bool) {
           // Startups: they learn the cluster and their partitions; offline partitions may get a leader.
           for (BrokerId id : started) live_[id] = now.at(id);
           if (started.empty()) {
             send_update_metadata();
             return done();
           }
           const std::vector<TopicPartition> all = all_partitions();
           commit(elect_leaders(all), true, guarded([this, started, all, done](bool) {
                    send_update_metadata();
                    send_leader_and_isr(all, started);
                    done();
                  }));
         }));
}

void Controller::on_topic_change(Done done) {
  zk_.read(zk::kTopics, true, true, guarded([this, done](const ZkReadResponse& r) {
             std::vector<std::string> fresh;
             for (const std::string& t : r.children) {
               if (!topics_.contains(t)) fresh.push_back(t);
             }
             load_topics(fresh, [this, fresh, done] {
               std::vector<TopicPartition> partitions;
               for (const std::string& t : fresh) {
                 if (!topics_.contains(t)) continue;
                 for (const auto& [p, replicas] : topics_.at(t)) partitions.push_back(TopicPartition{t, p});
               }
               commit(elect_leaders(partitions), true, guarded([done](bool) { done(); }));
             });
           }));
}

bool Controller::handle(NodeId from, const Message& message) {
  if (channel_.handle(from, message)) return true;
  if (const auto* create = body_cast<CreateTopicsRequest>(message)) {
    if (!active_) {
      CreateTopicsResponse refused{create->correlation_id, {}};
      for (const NewTopic& t : create->topics) refused.topics.emplace_back(t.name, Errors::NOT_CONTROLLER);
      env_.send(from, make_message(std::move(refused)));
    } else {
      enqueue([this, from, request = *create](Done done) { handle_create_topics(from, request, std::move(done)); });
    }
    return true;
  }
  if (const auto* shutdown = body_cast<ControlledShutdownRequest>(message)) {
    if (!active_) {
      env_.send(from, make_message(ControlledShutdownResponse{shutdown->correlation_id, Errors::NOT_CONTROLLER, 0}));
    } else {
      enqueue([this, from, request = *shutdown](Done done) { handle_controlled_shutdown(from, request, std::move(done)); });
    }
    return true;
  }
  const auto* alter = body_cast<AlterIsrRequest>(message);
  if (alter == nullptr) return false;
  if (!active_) {
    AlterIsrResponse refused;
    for (const AlterIsrItem& item : alter->partitions) refused.partitions.push_back(refusal(item.tp, Errors::NOT_CONTROLLER));
    env_.send(from, make_message(std::move(refused)));
    return true;
  }
  enqueue([this, from, request = *alter](Done done) { handle_alter_isr(from, request, std::move(done)); });
  return true;
}

void Controller::handle_alter_isr(NodeId from, const AlterIsrRequest& request, Done done) {
  auto answers = std::make_shared<std::vector<AlterIsrResult>>();
  std::vector<Change> changes;
  for (const AlterIsrItem& item : request.partitions) {
    auto it = states_.find(item.tp);
    if (it == states_.end()) {
      answers->push_back(refusal(item.tp, Errors::UNKNOWN_TOPIC_OR_PARTITION));
      continue;
    }
    AlterIsrResult judged = judge_isr_change(it->second, request.broker_id, item);
    // A broker on its way out may not join an ISR (KIP-841).
    for (BrokerId b : item.new_isr) {
      const bool joining = std::find(it->second.isr.begin(), it->second.isr.end(), b) == it->second.isr.end();
      if (joining && shutting_down_.contains(b) && judged.error == Errors::NONE) judged = refusal(item.tp, Errors::INELIGIBLE_REPLICA);
    }
    if (judged.error == Errors::NONE && judged.isr != it->second.isr) {
      PartitionState next = it->second;
      next.isr = judged.isr;
      changes.push_back(Change{next, false, false, ""});
    }
    answers->push_back(judged);
  }
  commit(std::move(changes), false, guarded([this, from, request, answers, done](bool written) {
           for (std::size_t i = 0; i < answers->size(); ++i) {
             AlterIsrResult& a = (*answers)[i];
             if (a.error != Errors::NONE) continue;
             const PartitionState& s = states_.at(a.tp);
             if (!written) {
               // Judged again on the states as read back: a proposal the lost write did apply
               // is in place now; one still to make is asked again (retriable).
               a = judge_isr_change(s, request.broker_id, request.partitions[i]);
               if (a.error == Errors::NONE && a.isr != s.isr) a.error = Errors::NOT_CONTROLLER;
               continue;
             }
             a.isr = s.isr;
             a.partition_epoch = s.partition_epoch;
           }
           env_.send(from, make_message(AlterIsrResponse{*answers}));
           if (written) send_update_metadata();
           done();
         }));
}

std::variant<Assignment, Errors> Controller::place(const NewTopic& topic) {
  const bool legal_name = !topic.name.empty() && topic.name.size() <= 249 &&
                          std::all_of(topic.name.begin(), topic.name.end(), [](char ch) {
                            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
                          });
  if (!legal_name) return Errors::INVALID_TOPIC_EXCEPTION;
  if (topics_.contains(topic.name)) return Errors::TOPIC_ALREADY_EXISTS;
  if (!topic.assignment.empty()) {
    std::int32_t expected = 0;
    for (const auto& [p, replicas] : topic.assignment) {
      const std::set<BrokerId> distinct(replicas.begin(), replicas.end());
      if (p != expected++ || replicas.empty() || distinct.size() != replicas.size()) return Errors::INVALID_REPLICA_ASSIGNMENT;
    }
    return topic.assignment;
  }
  if (topic.num_partitions < 1) return Errors::INVALID_PARTITIONS;
  if (topic.replication_factor < 1 || static_cast<std::size_t>(topic.replication_factor) > live_.size()) {
    return Errors::INVALID_REPLICATION_FACTOR;
  }
  std::vector<BrokerRack> brokers;
  for (const auto& [id, b] : live_) brokers.push_back(BrokerRack{id, b.rack});
  return assign_replicas(topic.num_partitions, topic.replication_factor, brokers, env_.rng());
}

void Controller::handle_create_topics(NodeId from, const CreateTopicsRequest& request, Done done) {
  auto response = std::make_shared<CreateTopicsResponse>();
  response->correlation_id = request.correlation_id;
  std::vector<ZkOp> ops;
  for (const NewTopic& topic : request.topics) {
    auto placed = place(topic);
    if (const auto* error = std::get_if<Errors>(&placed)) {
      response->topics.emplace_back(topic.name, *error);
      continue;
    }
    ops.push_back(ZkOp{ZkOpType::create, zk::topic_path(topic.name), zk::encode(std::get<Assignment>(placed)), -1, false});
    response->topics.emplace_back(topic.name, Errors::NONE);
  }
  // The topic znodes are all the controller writes: its watch on /brokers/topics starts them.
  auto answer = [this, from, response, done](bool written) {
    for (auto& [name, error] : response->topics) {
      if (!written && error == Errors::NONE) error = Errors::NOT_CONTROLLER;
    }
    env_.send(from, make_message(std::move(*response)));
    done();
  };
  if (ops.empty()) return answer(true);
  zk_.multi(std::move(ops), guarded([answer](const ZkMultiResponse& r) { answer(r.error == ZkError::ok); }));
}

void Controller::handle_controlled_shutdown(NodeId from, const ControlledShutdownRequest& request, Done done) {
  const BrokerId leaving = request.broker_id;
  shutting_down_.insert(leaving);
  const std::set<BrokerId> live = live_ids();
  std::vector<Change> changes;
  for (const auto& [tp, s] : states_) {
    const bool in_isr = std::find(s.isr.begin(), s.isr.end(), leaving) != s.isr.end();
    if (s.leader == leaving) {
      const auto elected = elect_controlled_shutdown_leader(s.replicas, s.isr, live, shutting_down_);
      if (!elected) continue;  // nobody else in the ISR: it keeps leading until it goes
      PartitionState next = s;
      next.leader = elected->leader;
      next.leader_epoch = next_epoch(s.leader_epoch);
      next.isr = without(s.isr, {leaving});
      changes.push_back(Change{next, false, false, "controlled_shutdown"});
    } else if (in_isr) {
      PartitionState next = s;
      next.isr = without(s.isr, {leaving});
      next.leader_epoch = next_epoch(s.leader_epoch);
      changes.push_back(Change{next, false, false, ""});
    }
  }
  commit(std::move(changes), true, guarded([this, from, leaving, corr = request.correlation_id, done](bool written) {
           std::int32_t remaining = 0;
           for (const auto& [tp, s] : states_) remaining += s.leader == leaving ? 1 : 0;
           env_.send(from, make_message(ControlledShutdownResponse{corr, written ? Errors::NONE : Errors::NOT_CONTROLLER, remaining}));
           done();
         }));
}

void Controller::schedule_rebalance() {
  if (!config_.auto_leader_rebalance_enable) return;
  rebalance_ = env_.after(Duration::millis(config_.leader_imbalance_check_interval_ms), guarded([this] {
                            enqueue([this](Done done) { rebalance_leaders(std::move(done)); });
                            schedule_rebalance();
                          }));
}

void Controller::rebalance_leaders(Done done) {
  const std::set<BrokerId> live = live_ids();
  std::map<BrokerId, std::vector<TopicPartition>> preferred_of;
  for (const auto& [tp, s] : states_) {
    if (!s.replicas.empty()) preferred_of[s.replicas[0]].push_back(tp);
  }
  std::vector<Change> changes;
  for (const auto& [broker, partitions] : preferred_of) {
    std::vector<TopicPartition> away;
    for (const TopicPartition& tp : partitions) {
      if (states_.at(tp).leader != broker) away.push_back(tp);
    }
    if (away.size() * 100 <= partitions.size() * static_cast<std::size_t>(config_.leader_imbalance_per_broker_percentage)) {
      continue;
    }
    for (const TopicPartition& tp : away) {
      const PartitionState& s = states_.at(tp);
      if (!elect_preferred_leader(s.replicas, s.isr, live)) continue;
      PartitionState next = s;
      next.leader = broker;
      next.leader_epoch = next_epoch(s.leader_epoch);
      changes.push_back(Change{next, false, false, "preferred"});
    }
  }
  commit(std::move(changes), true, guarded([done](bool) { done(); }));
}

}  // namespace kafkasim::controller
