// The simulated network: every node and every directed link in a Boost.Graph.
//
// Faults are rules laid over the default link behaviour (a partition, an isolation, a slow or
// lossy link); each rule has an id and is removed by it, so overlapping faults heal
// independently. Whenever the rules change, every link's effective behaviour is recomputed
// from the defaults and the rules in the order they were added.
//
// A connection (one direction of one pair of nodes) delivers in order, like TCP: a message
// never overtakes an earlier one on the same link, whatever the jitter. A lost packet is sent
// again, as TCP does (see Retransmission): loss delays a message and those behind it, and
// drops it only when TCP would give the connection up. Duplication delivers a second copy
// later, which may overtake (beyond TCP: it stands for a request sent twice).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "model/protocol/types.h"
#include "model/rng.h"

namespace kafkasim::sim {

struct LinkConfig {
  Duration latency = Duration::millis(2);
  Duration jitter = Duration::millis(1);  // uniform extra delay in [0, jitter]
  double loss_percent = 0.0;
  double duplicate_percent = 0.0;
  std::int64_t rate_limit_kbit = 0;  // 0: unlimited
};

// Which links of a set of target nodes a rule touches.
enum class Direction {
  to,    // links into the targets
  from,  // links out of the targets
  both,
};

struct LinkDegradation {
  Duration extra_latency;
  Duration extra_jitter;
  double loss_percent = 0.0;
  std::int64_t rate_limit_kbit = 0;  // 0: no limit
};

// When TCP sends an unacknowledged segment again (Linux): first after the retransmission
// timeout, at least 200 ms (TCP_RTO_MIN; a LAN's round trip is far below it), then doubling
// the wait each time up to 120 s, and giving the connection up after 15 retransmissions
// (tcp_retries2), about 924.6 s after the first send. Here the wait stops growing at 1 s,
// because this network has one connection per direction of a pair of nodes while Kafka closes
// a connection whose request timed out and opens a new one, which is through as soon as the
// link is back; TCP still gives up at the same time.
struct Retransmission {
  static constexpr Duration first_timeout = Duration::millis(200);
  static constexpr Duration longest_wait = Duration::seconds(1);
  static constexpr Duration gives_up_after = Duration::millis(924600);
  // The wait between sending for the (k-1)th time and the kth retransmission (k >= 1).
  static Duration wait(int k);
  // The first retransmission, at or after `now`, of a segment first sent at `sent`.
  static SimTime next_at_or_after(SimTime sent, SimTime now);
};

using RuleId = std::uint64_t;

class SimNetwork {
 public:
  SimNetwork(LinkConfig defaults, Rng rng);

  // Nodes are added in order of their ids: 0, 1, 2, ...
  void add_node(NodeId node);
  std::size_t node_count() const { return boost::num_vertices(graph_); }

  // No traffic between nodes of different groups; nodes in no group reach everyone.
  RuleId partition(const std::vector<std::vector<NodeId>>& groups);
  RuleId isolate(const std::vector<NodeId>& nodes, Direction direction = Direction::both);
  // With `peers` empty, every link of the targets in `direction`; else only those to peers.
  RuleId degrade(const std::vector<NodeId>& nodes, const std::vector<NodeId>& peers,
                 Direction direction, LinkDegradation degradation);
  void remove_rule(RuleId rule);
  // Called whenever the links' behaviour is recomputed (a rule added or removed, a heal).
  void set_links_changed(std::function<void()> listener) { links_changed_ = std::move(listener); }
  // Removes every rule: the network is whole again.
  void heal();
  std::size_t rule_count() const { return rules_.size(); }

  bool reachable(NodeId from, NodeId to) const { return link(from, to).up; }
  // Sets of nodes that all reach each other both ways (strongly connected components of the
  // graph of working links), each sorted, ordered by their smallest node.
  std::vector<std::vector<NodeId>> groups() const;

  struct Transmission {
    bool lost = false;  // every retransmission lost too: TCP gives up
    int retransmissions = 0;
    SimTime arrival;
    std::optional<SimTime> duplicate_arrival;
  };
  // Sends `bytes` from `from` to `to` at `now` over a working link: draws loss (each lost
  // transmission sent again after Retransmission::wait), jitter and duplication, queues behind
  // earlier messages on a rate-limited link, and keeps order.
  Transmission transmit(NodeId from, NodeId to, std::size_t bytes, SimTime now);

  // When a connection's close (FIN or RST) sent from `from` at `now` reaches `to`: one link
  // latency later and after everything already sent on the link. Never lost or duplicated
  // (TCP sends it again); draws nothing from the random stream.
  SimTime close_arrival(NodeId from, NodeId to, SimTime now) const;
  // A new connection from `from` to `to`: its messages do not wait behind the old one's.
  void forget_order(NodeId from, NodeId to) { link_mut(from, to).last_arrival = SimTime{}; }

  struct Link {
    LinkConfig config;
    bool up = true;
    SimTime busy_until;    // the rate-limited link is sending until then
    SimTime last_arrival;  // no message on this connection arrives before this
  };
  const Link& link(NodeId from, NodeId to) const;

 private:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                      boost::no_property, Link>;
  using EdgeDescriptor = Graph::edge_descriptor;

  struct Rule {
    enum class Kind { partition, cut, degrade } kind;
    std::vector<std::vector<NodeId>> groups;  // partition
    std::vector<NodeId> nodes;                // cut, degrade
    std::vector<NodeId> peers;                // degrade; empty: all
    Direction direction = Direction::both;
    LinkDegradation degradation;
    bool touches(NodeId from, NodeId to) const;
  };

  Link& link_mut(NodeId from, NodeId to);
  RuleId add_rule(Rule rule);
  void recompute_links();

  LinkConfig defaults_;
  Rng rng_;
  Graph graph_;
  std::vector<std::vector<EdgeDescriptor>> edges_;  // [from][to], O(1) link lookup
  std::map<RuleId, Rule> rules_;
  RuleId next_rule_ = 1;
  std::function<void()> links_changed_;
};

}  // namespace kafkasim::sim
