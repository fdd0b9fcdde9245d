// Small nodes and messages for tests of the world.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/env.h"
#include "model/node.h"
#include "sim/world.h"

namespace kafkasim::testing {

// A numbered message; an answer goes back only on a connection its peer opened, as a response.
struct Numbered final : Message {
  explicit Numbered(std::uint64_t n, std::size_t bytes = 32, bool is_answer = false)
      : number(n), size(bytes), answer(is_answer) {}
  std::uint64_t number;
  std::size_t size;
  bool answer;
  std::string_view name() const override { return "Numbered"; }
  std::size_t wire_bytes() const override { return size; }
  std::string describe() const override { return "n=" + std::to_string(number); }
  bool answers_peer() const override { return answer; }
};

struct Delivery {
  SimTime time;
  NodeId from;
  NodeId to;
  std::uint64_t number;
};

// A connection that closed under a node: when, whose end, to which peer.
struct Disconnect {
  SimTime time;
  NodeId holder;
  NodeId peer;
  bool operator==(const Disconnect&) const = default;
};

// Records every message it receives, and every disconnect when given a log for them; runs a
// hook on start (with its Env) if given.
class Recorder final : public Node {
 public:
  Recorder(Env& env, std::vector<Delivery>& log, std::function<void(Env&)> on_start = {},
           std::vector<Disconnect>* disconnects = nullptr)
      : env_(env), log_(log), on_start_(std::move(on_start)), disconnects_(disconnects) {}
  void start() override {
    if (on_start_) on_start_(env_);
  }
  void on_message(NodeId from, const MessagePtr& message) override {
    if (const auto* m = message_cast<Numbered>(*message)) {
      log_.push_back({env_.now(), from, env_.self(), m->number});
    }
  }
  void on_disconnect(NodeId peer) override {
    if (disconnects_ != nullptr) disconnects_->push_back({env_.now(), env_.self(), peer});
  }
  Env& env() { return env_; }

 private:
  Env& env_;
  std::vector<Delivery>& log_;
  std::function<void(Env&)> on_start_;
  std::vector<Disconnect>* disconnects_;
};

// A world of Recorder nodes named n0, n1, ...; tests send from any of them.
struct RecorderCluster {
  sim::World world;
  std::vector<Delivery> log;
  std::vector<Disconnect> disconnects;
  std::vector<NodeId> ids;

  RecorderCluster(sim::WorldConfig config, std::uint32_t nodes) : world(config) {
    for (std::uint32_t i = 0; i < nodes; ++i) {
      ids.push_back(world.add_node(std::string("n").append(std::to_string(i)),
                                   [this](Env& env) { return std::make_unique<Recorder>(env, log, nullptr, &disconnects); }));
    }
    world.start_all();
  }
  // Sends message `number` from one node to another now, if the sender is up.
  void send(NodeId from, NodeId to, std::uint64_t number) {
    if (auto* node = world.node_as<Recorder>(from)) node->env().send(to, std::make_shared<Numbered>(number));
  }
  void answer(NodeId from, NodeId to, std::uint64_t number) {
    if (auto* node = world.node_as<Recorder>(from)) node->env().send(to, std::make_shared<Numbered>(number, 32, true));
  }
  // `from` closes its connection to `to`, as a client whose request timed out.
  void disconnect(NodeId from, NodeId to) {
    if (auto* node = world.node_as<Recorder>(from)) node->env().disconnect(to);
  }
  std::vector<std::uint64_t> numbers() const {
    std::vector<std::uint64_t> out;
    for (const Delivery& d : log) out.push_back(d.number);
    return out;
  }
};

}  // namespace kafkasim::testing
