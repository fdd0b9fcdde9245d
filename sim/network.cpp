#include "sim/network.h"

#include <algorithm>
#include <cassert>

#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/strong_components.hpp>

namespace kafkasim::sim {
namespace {

bool contains(const std::vector<NodeId>& nodes, NodeId node) {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

int group_of(const std::vector<std::vector<NodeId>>& groups, NodeId node) {
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (contains(groups[g], node)) return static_cast<int>(g);
  }
  return -1;
}

// Loopback: a node always reaches itself, at once.
LinkConfig loopback() {
  LinkConfig c;
  c.latency = Duration::zero();
  c.jitter = Duration::zero();
  return c;
}

}  // namespace

Duration Retransmission::wait(int k) {
  Duration wait = first_timeout;
  for (int i = 1; i < k && wait < longest_wait; ++i) wait = wait + wait;
  return std::min(wait, longest_wait);
}

SimTime Retransmission::next_at_or_after(SimTime sent, SimTime now) {
  SimTime at = sent;
  for (int k = 1; at < now; ++k) at += wait(k);
  return at;
}

SimNetwork::SimNetwork(LinkConfig defaults, Rng rng) : defaults_(defaults), rng_(std::move(rng)) {}

void SimNetwork::add_node(NodeId node) {
  const auto v = boost::add_vertex(graph_);
  assert(v == node.value() && "nodes are added in order of their ids");
  (void)v;
  edges_.emplace_back();
  for (std::uint32_t other = 0; other <= node.value(); ++other) {
    const bool self = other == node.value();
    Link link;
    link.config = self ? loopback() : defaults_;
    edges_[node.value()].push_back(boost::add_edge(node.value(), other, link, graph_).first);
    if (!self) {
      edges_[other].push_back(boost::add_edge(other, node.value(), link, graph_).first);
    }
  }
  recompute_links();
}

const SimNetwork::Link& SimNetwork::link(NodeId from, NodeId to) const {
  return graph_[edges_.at(from.value()).at(to.value())];
}

SimNetwork::Link& SimNetwork::link_mut(NodeId from, NodeId to) {
  return graph_[edges_.at(from.value()).at(to.value())];
}

bool SimNetwork::Rule::touches(NodeId from, NodeId to) const {
  const bool out = direction != Direction::to && contains(nodes, from) &&
                   (peers.empty() || contains(peers, to));
  const bool in = direction != Direction::from && contains(nodes, to) &&
                  (peers.empty() || contains(peers, from));
  return out || in;
}

RuleId SimNetwork::partition(const std::vector<std::vector<NodeId>>& groups) {
  Rule rule{Rule::Kind::partition, groups, {}, {}, Direction::both, {}};
  return add_rule(std::move(rule));
}

RuleId SimNetwork::isolate(const std::vector<NodeId>& nodes, Direction direction) {
  return add_rule(Rule{Rule::Kind::cut, {}, nodes, {}, direction, {}});
}

RuleId SimNetwork::degrade(const std::vector<NodeId>& nodes, const std::vector<NodeId>& peers,
                           Direction direction, LinkDegradation degradation) {
  return add_rule(Rule{Rule::Kind::degrade, {}, nodes, peers, direction, degradation});
}

RuleId SimNetwork::add_rule(Rule rule) {
  const RuleId id = next_rule_++;
  rules_.emplace(id, std::move(rule));
  recompute_links();
  return id;
}

void SimNetwork::remove_rule(RuleId rule) {
  if (rules_.erase(rule) > 0) recompute_links();
}

void SimNetwork::heal() {
  rules_.clear();
  recompute_links();
}

void SimNetwork::recompute_links() {
  const auto n = static_cast<std::uint32_t>(node_count());
  for (std::uint32_t f = 0; f < n; ++f) {
    for (std::uint32_t t = 0; t < n; ++t) {
      if (f == t) continue;
      const NodeId from{f}, to{t};
      Link& link = link_mut(from, to);
      link.config = defaults_;
      link.up = true;
      for (const auto& [id, rule] : rules_) {
        switch (rule.kind) {
          case Rule::Kind::partition: {
            const int gf = group_of(rule.groups, from), gt = group_of(rule.groups, to);
            if (gf >= 0 && gt >= 0 && gf != gt) link.up = false;
            break;
          }
          case Rule::Kind::cut:
            if (rule.touches(from, to)) link.up = false;
            break;
          case Rule::Kind::degrade:
            if (rule.touches(from, to)) {
              const LinkDegradation& d = rule.degradation;
              link.config.latency += d.extra_latency;
              link.config.jitter += d.extra_jitter;
              link.config.loss_percent =
                  100.0 - (100.0 - link.config.loss_percent) * (100.0 - d.loss_percent) / 100.0;
              if (d.rate_limit_kbit > 0 && (link.config.rate_limit_kbit == 0 ||
                                            d.rate_limit_kbit < link.config.rate_limit_kbit)) {
                link.config.rate_limit_kbit = d.rate_limit_kbit;
              }
            }
            break;
        }
      }
    }
  }
  if (links_changed_) links_changed_();
}

std::vector<std::vector<NodeId>> SimNetwork::groups() const {
  struct LinkUp {
    const Graph* g = nullptr;
    bool operator()(EdgeDescriptor e) const { return (*g)[e].up; }
  };
  const boost::filtered_graph<Graph, LinkUp> working(graph_, LinkUp{&graph_});
  std::vector<int> component(node_count());
  const int count = boost::strong_components(
      working, boost::make_iterator_property_map(component.begin(),
                                                 boost::get(boost::vertex_index, working)));
  std::vector<std::vector<NodeId>> groups(static_cast<std::size_t>(count));
  for (std::uint32_t v = 0; v < component.size(); ++v) {
    groups[static_cast<std::size_t>(component[v])].push_back(NodeId{v});
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

SimNetwork::Transmission SimNetwork::transmit(NodeId from, NodeId to, std::size_t bytes,
                                              SimTime now) {
  Link& link = link_mut(from, to);
  const LinkConfig& c = link.config;
  Transmission t;
  SimTime sent = now;
  while (c.loss_percent > 0 && rng_.bernoulli(c.loss_percent / 100.0)) {
    sent += Retransmission::wait(++t.retransmissions);
    if (sent - now > Retransmission::gives_up_after) {
      t.lost = true;
      return t;
    }
  }
  if (c.rate_limit_kbit > 0) {
    // bits / (kbit/s * 1000) seconds = bytes * 8000 / kbit microseconds, rounded up.
    const auto bits_us = static_cast<std::int64_t>(bytes) * 8000;
    const Duration on_wire = Duration::micros((bits_us + c.rate_limit_kbit - 1) / c.rate_limit_kbit);
    sent = std::max(sent, link.busy_until) + on_wire;
    link.busy_until = sent;
  }
  Duration delay = c.latency;
  if (c.jitter > Duration::zero()) delay += Duration::micros(rng_.uniform_int(0, c.jitter.as_micros()));
  t.arrival = std::max(sent + delay, link.last_arrival);
  link.last_arrival = t.arrival;
  if (c.duplicate_percent > 0 && rng_.bernoulli(c.duplicate_percent / 100.0)) {
    const Duration extra = Duration::micros(rng_.uniform_int(0, (c.latency + c.jitter).as_micros()));
    t.duplicate_arrival = t.arrival + extra;
  }
  return t;
}

SimTime SimNetwork::close_arrival(NodeId from, NodeId to, SimTime now) const {
  const Link& l = link(from, to);
  return std::max(now + l.config.latency, l.last_arrival);
}

}  // namespace kafkasim::sim
