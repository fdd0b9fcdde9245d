// The bytes on disk: CRC32C, varints, record batch v2, records over chunks, checkpoints and
// the leader epoch cache.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <functional>

#include "model/storage/byte_codec.h"
#include "model/storage/checkpoint.h"
#include "model/storage/crc32c.h"
#include "model/storage/leader_epoch_cache.h"
#include "storage_support.h"

using namespace kafkasim;
using namespace kafkasim::storage;
using kafkasim::testing::text;

TEST_CASE("CRC32C: the standard check value, in hardware and in software", "[storage][format]") {
  const std::string check = "123456789";
  const auto* p = reinterpret_cast<const std::uint8_t*>(check.data());
  CHECK(crc32c(p, check.size()) == 0xe3069283u);
  CHECK(crc32c_portable(p, check.size()) == 0xe3069283u);
  CHECK(crc32c(p + 4, 5, crc32c(p, 4)) == 0xe3069283u);  // continued
  Rng rng(3);
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 63u, 1000u}) {
    Buffer data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng.below(256));
    CHECK(crc32c(data.data(), n) == crc32c_portable(data.data(), n));
  }
}

TEST_CASE("Varints: Kafka's zigzag encoding", "[storage][format]") {
  auto encode = [](std::int64_t v) {
    Buffer out;
    put_varlong(out, v);
    return out;
  };
  CHECK(encode(0) == Buffer{0x00});
  CHECK(encode(-1) == Buffer{0x01});
  CHECK(encode(1) == Buffer{0x02});
  CHECK(encode(-64) == Buffer{0x7f});
  CHECK(encode(64) == Buffer{0x80, 0x01});
  CHECK(encode(300) == Buffer{0xd8, 0x04});
  for (std::int64_t v : {INT64_MIN, INT64_MAX, std::int64_t{-123456789}, std::int64_t{1} << 40}) {
    const Buffer bytes = encode(v);
    CHECK(bytes.size() == varlong_size(v));
    ByteReader in(bytes.data(), bytes.size());
    CHECK(in.varlong() == v);
    CHECK(in.ok());
  }
  const Buffer too_long(11, 0xff);
  ByteReader bad(too_long.data(), too_long.size());
  bad.varlong();
  CHECK_FALSE(bad.ok());
}

TEST_CASE("Record batch: the builder writes the v2 layout byte for byte", "[storage][format]") {
  // One record, key "k", value "hi", one header ("h", "x"), built by hand from the spec.
  RecordBatchBuilder builder(Offset{5}, 1000);
  builder.producer(ProducerId{7}, 1, 3).partition_leader_epoch(LeaderEpoch{2});
  builder.append(1002, ByteView::copy_of(std::string_view("k")), ByteView::copy_of(std::string_view("hi")),
                 {RecordHeader{"h", ByteView::copy_of(std::string_view("x"))}});
  const ByteView built = builder.build();

  const Buffer record = {
      0x1a,              // length: 13 bytes follow (zigzag 26)
      0x00,              // attributes
      0x04,              // timestampDelta 2
      0x00,              // offsetDelta 0
      0x02, 'k',         // key length 1, key
      0x04, 'h', 'i',    // value length 2, value
      0x02,              // 1 header
      0x02, 'h',         // header key
      0x02, 'x',         // header value
  };
  Buffer batch(61 + record.size());
  std::copy(record.begin(), record.end(), batch.begin() + 61);
  put_be<std::int64_t>(&batch[0], 5);                                 // baseOffset
  put_be<std::int32_t>(&batch[8], static_cast<std::int32_t>(49 + record.size()));  // batchLength
  put_be<std::int32_t>(&batch[12], 2);                                // partitionLeaderEpoch
  batch[16] = 2;                                                      // magic
  put_be<std::int16_t>(&batch[21], 0);                                // attributes
  put_be<std::int32_t>(&batch[23], 0);                                // lastOffsetDelta
  put_be<std::int64_t>(&batch[27], 1000);                             // baseTimestamp
  put_be<std::int64_t>(&batch[35], 1002);                             // maxTimestamp
  put_be<std::int64_t>(&batch[43], 7);                                // producerId
  put_be<std::int16_t>(&batch[51], 1);                                // producerEpoch
  put_be<std::int32_t>(&batch[53], 3);                                // baseSequence
  put_be<std::int32_t>(&batch[57], 1);                                // records count
  put_be<std::uint32_t>(&batch[17], crc32c(&batch[21], batch.size() - 21));  // CRC over attributes..end

  CHECK(Buffer(built.data(), built.data() + built.size()) == batch);
  const auto view = RecordBatchView::parse(built);
  REQUIRE(view);
  CHECK(view->crc_ok());
  CHECK(view->header().crc == get_be<std::uint32_t>(&batch[17]));
}

TEST_CASE("Record batch: encode and decode round trip", "[storage][format]") {
  RecordBatchBuilder builder(Offset{100}, 5000);
  builder.append(5000, std::nullopt, ByteView::copy_of(std::string_view("no key")));
  builder.append(4990, ByteView::copy_of(std::string_view("tomb")), std::nullopt);  // an earlier timestamp
  builder.append(5100, ByteView::copy_of(std::string_view("k")), ByteView::copy_of(std::string_view("v")),
                 {RecordHeader{"id", ByteView::copy_of(std::string_view("p1-42"))}, RecordHeader{"null", std::nullopt}});
  const ByteView bytes = builder.build();
  CHECK(bytes.size() == builder.size_bytes());
  const auto view = RecordBatchView::parse(bytes);
  REQUIRE(view);
  const BatchHeader& h = view->header();
  CHECK(h.base_offset == Offset{100});
  CHECK(h.last_offset() == Offset{102});
  CHECK(h.records_count == 3);
  CHECK(h.max_timestamp_ms == 5100);
  CHECK(h.producer_id == ProducerId{kNoProducerId});
  const auto records = view->records();
  REQUIRE(records);
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].offset == Offset{100});
  CHECK_FALSE((*records)[0].key.has_value());
  CHECK(text(*(*records)[0].value) == "no key");
  CHECK((*records)[1].timestamp_ms == 4990);
  CHECK_FALSE((*records)[1].value.has_value());
  CHECK((*records)[2].headers.size() == 2);
  CHECK(text(*(*records)[2].headers[0].value) == "p1-42");
  CHECK_FALSE((*records)[2].headers[1].value.has_value());
  CHECK(validate_batch(bytes).empty());
  const auto first = view->first_record();
  REQUIRE(first);
  CHECK(text(*first->value) == "no key");
  CHECK(first->offset == Offset{100});
}

TEST_CASE("Record batch: damage is detected, never trusted", "[storage][format]") {
  const ByteView good = kafkasim::testing::make_batch(0, 5, 1000);
  Buffer bytes(good.data(), good.data() + good.size());
  bytes[70] ^= 0x01;  // a bit flip inside the records
  CHECK(validate_batch(ByteView::from(bytes)).find("CRC mismatch") == 0);
  Buffer wrong_magic(good.data(), good.data() + good.size());
  wrong_magic[16] = 1;
  CHECK(validate_batch(ByteView::from(wrong_magic)) == "magic 1 is not 2");
  CHECK_FALSE(validate_batch(good.slice(0, good.size() - 1)).empty());
  CHECK_FALSE(validate_batch(good.slice(0, 20)).empty());
  // The leader's stamping of offset and epoch leaves the CRC valid, and the original untouched.
  const ByteView stamped = with_offset_and_epoch(good, Offset{77}, LeaderEpoch{4});
  CHECK(validate_batch(stamped).empty());
  CHECK(decode_batch_header(stamped.data()).base_offset == Offset{77});
  CHECK(decode_batch_header(good.data()).base_offset == Offset{0});
}

namespace {

// A batch's bytes after `change`, with its CRC made right again: damage only the records
// decoder can see.
ByteView with_valid_crc(const ByteView& good, const std::function<void(Buffer&)>& change) {
  Buffer bytes(good.data(), good.data() + good.size());
  change(bytes);
  put_be<std::int32_t>(bytes.data() + batch_field::batch_length, static_cast<std::int32_t>(bytes.size() - kLogOverhead));
  put_be<std::uint32_t>(bytes.data() + batch_field::crc, crc32c(bytes.data() + batch_field::attributes, bytes.size() - batch_field::attributes));
  return ByteView::from(std::move(bytes));
}

}  // namespace

TEST_CASE("Record batch: records that do not decode as the header says are refused, CRC or not", "[storage][format]") {
  const ByteView good = kafkasim::testing::make_batch(0, 5, 1000);
  REQUIRE(validate_batch(good).empty());
  const auto one_more = with_valid_crc(good, [](Buffer& b) {  // six records said, five there
    put_be<std::int32_t>(b.data() + batch_field::records_count, 6);
    put_be<std::int32_t>(b.data() + batch_field::last_offset_delta, 5);
  });
  const auto left_over = with_valid_crc(good, [](Buffer& b) { b.push_back(0); });
  const auto cut_short = with_valid_crc(good, [](Buffer& b) { b.pop_back(); });
  for (const ByteView& bad : {one_more, left_over, cut_short}) {
    const auto view = RecordBatchView::parse(bad);
    REQUIRE(view);
    CHECK(view->crc_ok());
    CHECK_FALSE(view->records_valid());
    CHECK_FALSE(view->records().has_value());
    CHECK(validate_batch(bad) == "records do not decode as the header says");
  }
  // Reading stops at the first record that does not decode, and says so.
  const auto view = RecordBatchView::parse(one_more);
  RecordReader reader(*view);
  int read = 0;
  for (RecordView r; reader.next(r);) CHECK(r.offset == Offset{read++});
  CHECK(read == 5);
  CHECK_FALSE(reader.ok());
}

TEST_CASE("Property: a damaged record area decodes whole or not at all", "[storage][property]") {
  rc::prop("every decoder agrees", [] {
    const ByteView good = kafkasim::testing::make_batch(0, *rc::gen::inRange(1, 6), 1000);
    const auto at = *rc::gen::inRange<std::size_t>(kBatchHeaderBytes, good.size());
    const auto value = *rc::gen::arbitrary<std::uint8_t>();
    const ByteView bad = with_valid_crc(good, [&](Buffer& b) { b[at] = value; });
    const auto view = RecordBatchView::parse(bad);
    RC_ASSERT(view.has_value());
    const auto records = view->records();
    RC_ASSERT(view->records_valid() == records.has_value());
    if (!records) return;
    RC_ASSERT(static_cast<std::int32_t>(records->size()) == view->header().records_count);
    for (std::size_t i = 1; i < records->size(); ++i) RC_ASSERT((*records)[i - 1].offset < (*records)[i].offset);
    RC_ASSERT(view->first_record()->offset == records->front().offset);
  });
}

TEST_CASE("Property: Records finds every batch however the bytes are chunked", "[storage][property]") {
  rc::prop("chunking does not change the batches", [] {
    const auto sizes = *rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(1, 20)));
    std::vector<ByteView> batches;
    Buffer all;
    int first = 0;
    for (int n : sizes) {
      batches.push_back(kafkasim::testing::make_batch(first, n, 1000 + first));
      first += n;
      all.insert(all.end(), batches.back().data(), batches.back().data() + batches.back().size());
    }
    auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, all.size()));
    cuts.push_back(0);
    cuts.push_back(all.size());
    std::sort(cuts.begin(), cuts.end());
    const ByteView whole = ByteView::from(all);
    Records records;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) records.append(whole.slice(cuts[i], cuts[i + 1] - cuts[i]));
    const auto found = records.batches();
    RC_ASSERT(found.size() == batches.size());
    for (std::size_t i = 0; i < found.size(); ++i) RC_ASSERT(found[i] == batches[i]);
    // A fetch that ends inside the last batch yields the whole ones before it.
    const auto partial = Records::of(whole.slice(0, all.size() - 1)).batches();
    RC_ASSERT(partial.size() == batches.size() - 1);
  });
}

TEST_CASE("LeaderEpochFileCache: Kafka's end offsets, truncation and persistence", "[storage][epoch]") {
  kafkasim::testing::SimDiskUnderTest d;
  LeaderEpochFileCache cache(d.get(), "leader-epoch-checkpoint");
  REQUIRE(cache.load().ok());
  REQUIRE(cache.assign(LeaderEpoch{0}, Offset{10}).ok());
  REQUIRE(cache.assign(LeaderEpoch{2}, Offset{13}).ok());
  REQUIRE(cache.assign(LeaderEpoch{4}, Offset{17}).ok());
  const Offset leo{25};
  using R = std::pair<LeaderEpoch, Offset>;
  CHECK(cache.end_offset_for(LeaderEpoch{2}, leo) == R{LeaderEpoch{2}, Offset{17}});  // Kafka's golden vector
  CHECK(cache.end_offset_for(LeaderEpoch{3}, leo) == R{LeaderEpoch{2}, Offset{17}});
  CHECK(cache.end_offset_for(LeaderEpoch{1}, leo) == R{LeaderEpoch{0}, Offset{13}});
  CHECK(cache.end_offset_for(LeaderEpoch{4}, leo) == R{LeaderEpoch{4}, leo});
  CHECK(cache.end_offset_for(LeaderEpoch{5}, leo) == R{kUndefinedEpoch, kUndefinedOffset});
  CHECK(cache.end_offset_for(kUndefinedEpoch, leo) == R{kUndefinedEpoch, kUndefinedOffset});

  REQUIRE(cache.assign(LeaderEpoch{4}, Offset{20}).ok());  // same epoch later: no change
  CHECK(cache.entries().back() == EpochEntry{LeaderEpoch{4}, Offset{17}});

  LeaderEpochFileCache reloaded(d.get(), "leader-epoch-checkpoint");
  REQUIRE(reloaded.load().ok());
  CHECK(reloaded.entries() == cache.entries());

  REQUIRE(cache.truncate_from_end(Offset{15}).ok());
  CHECK(cache.entries() == std::vector<EpochEntry>{{LeaderEpoch{0}, Offset{10}}, {LeaderEpoch{2}, Offset{13}}});
  REQUIRE(cache.truncate_from_start(Offset{14}).ok());
  CHECK(cache.entries() == std::vector<EpochEntry>{{LeaderEpoch{2}, Offset{14}}});
  CHECK(cache.end_offset_for(LeaderEpoch{1}, leo) == R{LeaderEpoch{1}, Offset{14}});  // older than anything kept
  // A new epoch that starts before the latest one's start removes the conflicting entries.
  REQUIRE(cache.assign(LeaderEpoch{5}, Offset{12}).ok());
  CHECK(cache.entries() == std::vector<EpochEntry>{{LeaderEpoch{5}, Offset{12}}});
}

TEST_CASE("Topic names: interned, equal by text, ordered by text whatever order they were made in",
          "[protocol]") {
  // Made in an order unlike the alphabet's (and unlike any address order the table gives).
  const TopicName zebra("zz-topic-made-first");
  const TopicName apple(std::string("aa-topic-made-second"));
  const TopicName again("zz-topic-made-first");
  CHECK(zebra == again);
  CHECK(&zebra.str() == &again.str());  // one stored copy
  CHECK_FALSE(zebra == apple);
  CHECK(apple < zebra);
  CHECK(zebra > apple);
  CHECK(zebra == std::string("zz-topic-made-first"));
  CHECK(TopicName().empty());
  CHECK(TopicName() == TopicName(""));
  std::map<TopicPartition, int> partitions{{{zebra, 0}, 1}, {{apple, 1}, 2}, {{apple, 0}, 3}};
  std::vector<std::string> order;
  for (const auto& [tp, n] : partitions) order.push_back(tp.str());
  CHECK(order == std::vector<std::string>{"aa-topic-made-second-0", "aa-topic-made-second-1", "zz-topic-made-first-0"});
}

TEST_CASE("Checkpoint files: Kafka's text format, atomic, and malformed ones reported", "[storage][checkpoint]") {
  kafkasim::testing::SimDiskUnderTest d;
  Disk& disk = d.get();
  OffsetMap offsets{{TopicPartition{"orders", 0}, Offset{42}}, {TopicPartition{"orders", 1}, Offset{7}}};
  REQUIRE(write_offset_checkpoint(disk, "replication-offset-checkpoint", offsets).ok());
  CHECK(text(d.disk.contents("replication-offset-checkpoint")) == "0\n2\norders 0 42\norders 1 7\n");
  CHECK_FALSE(disk.exists("replication-offset-checkpoint.tmp"));
  auto read = read_offset_checkpoint(disk, "replication-offset-checkpoint");
  REQUIRE(read.ok());
  CHECK(read.value() == offsets);
  CHECK(read_offset_checkpoint(disk, "absent").value().empty());

  auto f = disk.open("bad", OpenMode::create_if_missing).value();
  REQUIRE(f->append(ByteView::copy_of(std::string_view("0\n2\norders 0 42\n"))).ok());
  auto bad = read_offset_checkpoint(disk, "bad");
  CHECK(bad.status().code() == IoErrc::invalid_argument);
  CHECK(bad.status().detail() == "bad:2: count 2 but 1 entries");
  auto g = disk.open("bad2", OpenMode::create_if_missing).value();
  REQUIRE(g->append(ByteView::copy_of(std::string_view("0\n1\norders zero 42\n"))).ok());
  CHECK(read_offset_checkpoint(disk, "bad2").status().detail() ==
        "bad2:3: expected \"topic partition offset\", got \"orders zero 42\"");
}
