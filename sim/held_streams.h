// What TCP keeps sending again over a cut link.
//
// A message that meets a cut link is not lost: the sender's kernel retransmits it (see
// Retransmission) until the link is back, and whatever the sender writes after it on the
// connection waits behind it, because TCP delivers a connection's bytes in order. So each
// direction of a pair of nodes keeps a stream of what met the cut, in the order it was sent,
// and the world sends the stream on, whole, at the first retransmission after the link is
// back. Anything sent on that connection meanwhile joins the stream's end; a new connection
// (after either end closed this one) is a stream of its own.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "model/message.h"
#include "model/protocol/types.h"

namespace kafkasim::sim {

// A message, or the close of a connection, on its way from one node to another.
struct InTransit {
  NodeId from;
  NodeId to;
  std::uint64_t connection;  // the connection between the two it was sent on (World's ids)
  std::uint64_t id;  // the order things were sent in, over every link
  SimTime sent;      // first sent: retransmissions back off from here
  MessagePtr message;  // null for a close of `to`'s end of the connection (FIN or RST)
  std::string_view close_reason;  // a close: why ("peer_exited", "refused")
  bool is_close() const { return message == nullptr; }
};

class HeldStreams {
 public:
  bool holds(NodeId from, NodeId to, std::uint64_t connection) const {
    return streams_.contains(Key{from.value(), to.value(), connection});
  }
  bool empty() const { return streams_.empty(); }

  // Keeps `item` in its direction's stream, in send order (a message on its way when the link
  // was cut may meet the cut after later ones were held at their send).
  void hold(InTransit item);

  struct Due {
    NodeId from;
    NodeId to;
    std::uint64_t connection;
    std::uint64_t stream;  // which stream of this direction: a release is for it alone
    SimTime oldest_sent;
  };
  // The streams whose link `link_up(from, to)` says works and that no release waits for yet:
  // from now on one does.
  template <class LinkUp>
  std::vector<Due> take_due(LinkUp link_up) {
    std::vector<Due> due;
    for (auto& [k, stream] : streams_) {
      const NodeId from{k.from}, to{k.to};
      if (stream.release_waiting || !link_up(from, to)) continue;
      stream.release_waiting = true;
      due.push_back({from, to, k.connection, stream.serial, stream.items.front().sent});
    }
    return due;
  }
  bool holds_stream(const Due& due) const {
    const auto it = streams_.find(key(due));
    return it != streams_.end() && it->second.serial == due.stream;
  }
  // The link was cut again before the release: the next heal sends the stream on.
  void release_failed(const Due& due) { streams_.at(key(due)).release_waiting = false; }
  // The stream's items, in order; the stream is gone.
  std::vector<InTransit> take(const Due& due);
  // Everything `sender` held: its host lost power, and its kernel with what it was sending.
  std::vector<InTransit> take_from(NodeId sender);

 private:
  struct Key {
    std::uint32_t from;
    std::uint32_t to;
    std::uint64_t connection;
    auto operator<=>(const Key&) const = default;
  };
  static Key key(const Due& due) { return {due.from.value(), due.to.value(), due.connection}; }
  struct Stream {
    std::vector<InTransit> items;
    bool release_waiting = false;
    std::uint64_t serial = 0;
  };
  std::map<Key, Stream> streams_;
  std::uint64_t next_serial_ = 1;
};

}  // namespace kafkasim::sim
