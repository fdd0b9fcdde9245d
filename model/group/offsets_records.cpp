#include "model/group/offsets_records.h"

#include "model/storage/byte_codec.h"

namespace kafkasim::group {
namespace {

constexpr std::int16_t kOffsetKeyVersion = 1;
constexpr std::int16_t kGroupKeyVersion = 2;
constexpr std::int16_t kOffsetValueVersion = 3;
constexpr std::int16_t kGroupValueVersion = 3;

class Writer {
 public:
  template <class T>
  Writer& fixed(T v) {
    const std::size_t at = out_.size();
    out_.resize(at + sizeof(T));
    storage::put_be(out_.data() + at, v);
    return *this;
  }
  Writer& text(std::string_view s) {
    fixed(static_cast<std::int16_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  // A nullable string: "" is written as null (length -1), as Kafka writes an absent one.
  Writer& nullable_text(std::string_view s) { return s.empty() ? fixed(std::int16_t{-1}) : text(s); }
  Writer& partitions(const std::vector<TopicPartition>& tps) {
    fixed(static_cast<std::int32_t>(tps.size()));
    for (const auto& tp : tps) text(tp.topic.str()).fixed(tp.partition);
    return *this;
  }
  Buffer take() { return std::move(out_); }

 private:
  Buffer out_;
};

class Reader {
 public:
  explicit Reader(storage::ByteSpan bytes) : in_(bytes.data(), bytes.size()) {}
  template <class T>
  T fixed() { return in_.fixed<T>(); }
  std::string text() {
    const auto n = in_.fixed<std::int16_t>();
    if (n < 0) return {};
    const std::uint8_t* p = in_.bytes(static_cast<std::size_t>(n));
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
  }
  // A count read from the bytes, refused when it cannot fit in what remains (a damaged record
  // must not make the loader allocate gigabytes).
  std::int32_t count(std::size_t min_item_bytes) {
    const auto n = in_.fixed<std::int32_t>();
    if (n < 0 || static_cast<std::size_t>(n) * min_item_bytes > in_.remaining()) {
      in_.bytes(in_.remaining() + 1);  // fails the reader
      return 0;
    }
    return n;
  }
  std::vector<TopicPartition> partitions() {
    std::vector<TopicPartition> out;
    for (std::int32_t i = 0, n = count(6); i < n; ++i) {
      std::string topic = text();
      out.push_back(TopicPartition{TopicName(topic), fixed<std::int32_t>()});
    }
    return out;
  }
  bool done() const { return in_.ok() && in_.remaining() == 0; }

 private:
  storage::ByteReader in_;
};

}  // namespace

std::int32_t partition_for(std::string_view group_id, std::int32_t partitions) {
  std::int32_t hash = 0;  // Java's String.hashCode: s[0]*31^(n-1) + ... in int arithmetic
  for (const char c : group_id) hash = static_cast<std::int32_t>(31u * static_cast<std::uint32_t>(hash) + static_cast<unsigned char>(c));
  // Kafka's Utils.abs: INT_MIN maps to 0 rather than overflowing.
  const std::int32_t positive = hash == INT32_MIN ? 0 : (hash < 0 ? -hash : hash);
  return positive % partitions;
}

EncodedRecord encode(const OffsetCommitRecord& r) {
  EncodedRecord out;
  out.key = Writer()
                .fixed(kOffsetKeyVersion)
                .text(r.group_id)
                .text(r.committed.tp.topic.str())
                .fixed(r.committed.tp.partition)
                .take();
  out.value = Writer()
                  .fixed(kOffsetValueVersion)
                  .fixed(r.committed.offset.value())
                  .fixed(r.committed.leader_epoch.value())
                  .fixed(r.commit_timestamp_ms)
                  .take();
  return out;
}

EncodedRecord encode(const GroupMetadataRecord& r) {
  EncodedRecord out;
  out.key = Writer().fixed(kGroupKeyVersion).text(r.group_id).take();
  Writer value;
  value.fixed(kGroupValueVersion).text("consumer").fixed(r.generation.value()).text(r.protocol).text(r.leader);
  value.fixed(static_cast<std::int32_t>(r.members.size()));
  for (const StoredMember& m : r.members) {
    value.text(m.member_id).nullable_text(m.group_instance_id).text(m.client_id);
    value.fixed(m.rebalance_timeout_ms).fixed(m.session_timeout_ms);
    value.fixed(static_cast<std::int32_t>(m.subscription.topics.size()));
    for (const std::string& topic : m.subscription.topics) value.text(topic);
    value.partitions(m.subscription.owned).partitions(m.assignment);
  }
  out.value = value.take();
  return out;
}

std::optional<std::variant<OffsetCommitRecord, GroupMetadataRecord>> decode(storage::ByteSpan key,
                                                                             storage::ByteSpan value) {
  Reader k(key);
  const auto version = k.fixed<std::int16_t>();
  Reader v(value);
  if (version == kOffsetKeyVersion) {
    OffsetCommitRecord r;
    r.group_id = k.text();
    std::string topic = k.text();
    r.committed.tp = TopicPartition{TopicName(topic), k.fixed<std::int32_t>()};
    if (v.fixed<std::int16_t>() != kOffsetValueVersion) return std::nullopt;
    r.committed.offset = Offset{v.fixed<std::int64_t>()};
    r.committed.leader_epoch = LeaderEpoch{v.fixed<std::int32_t>()};
    r.commit_timestamp_ms = v.fixed<std::int64_t>();
    if (!k.done() || !v.done()) return std::nullopt;
    return r;
  }
  if (version != kGroupKeyVersion) return std::nullopt;
  GroupMetadataRecord r;
  r.group_id = k.text();
  if (v.fixed<std::int16_t>() != kGroupValueVersion || v.text() != "consumer") return std::nullopt;
  r.generation = Generation{v.fixed<std::int32_t>()};
  r.protocol = v.text();
  r.leader = v.text();
  for (std::int32_t i = 0, n = v.count(24); i < n; ++i) {
    StoredMember m;
    m.member_id = v.text();
    m.group_instance_id = v.text();
    m.client_id = v.text();
    m.rebalance_timeout_ms = v.fixed<std::int32_t>();
    m.session_timeout_ms = v.fixed<std::int32_t>();
    for (std::int32_t t = 0, topics = v.count(2); t < topics; ++t) m.subscription.topics.push_back(v.text());
    m.subscription.owned = v.partitions();
    m.assignment = v.partitions();
    r.members.push_back(std::move(m));
  }
  if (!k.done() || !v.done()) return std::nullopt;
  return r;
}

}  // namespace kafkasim::group
