// The Log and its segments, on the simulated disk and on real files.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <map>

#include "model/storage/log.h"
#include "model/storage/log_manager.h"
#include "storage_support.h"

using namespace kafkasim;
using namespace kafkasim::storage;
using kafkasim::testing::make_batch;
using kafkasim::testing::PosixDiskUnderTest;
using kafkasim::testing::SimDiskUnderTest;
using kafkasim::testing::text;

namespace {

LogConfig small_segments() {
  LogConfig c;
  c.segment_bytes = 2000;
  c.index_interval_bytes = 200;
  return c;
}

std::unique_ptr<Log> open_log(Disk& disk, LogConfig config = {}, Offset recovery_point = Offset{0},
                              Offset log_start = Offset{0}, std::int64_t now_ms = 0) {
  auto log = Log::open(disk, "orders-0", config, recovery_point, log_start, now_ms);
  REQUIRE(log.ok());
  return std::move(log.value());
}

// Every record of the log, as offset -> value, read through Log::read.
std::map<std::int64_t, std::string> read_all(Log& log) {
  std::map<std::int64_t, std::string> out;
  Offset next = log.log_start_offset();
  while (next < log.log_end_offset()) {
    auto fetched = log.read(next, 4096, log.log_end_offset(), true);
    REQUIRE(fetched.ok());
    REQUIRE_FALSE(fetched.value().out_of_range);
    const auto batches = fetched.value().records.batches();
    if (batches.empty()) break;
    for (const ByteView& b : batches) {
      const auto view = RecordBatchView::parse(b);
      REQUIRE(view);
      REQUIRE(view->crc_ok());
      for (const Record& r : kafkasim::testing::records_of(b)) {
        out[r.offset.value()] = r.value ? text(*r.value) : "<tombstone>";
      }
      next = view->header().next_offset();
    }
  }
  return out;
}

void append_batches(Log& log, int batches, int records_per_batch, std::int64_t ts0 = 1000, int keys = 1000) {
  for (int i = 0; i < batches; ++i) {
    const int first = static_cast<int>(log.log_end_offset().value());
    auto info = log.append_as_leader(Records::of(make_batch(first, records_per_batch, ts0 + first, keys)),
                                     LeaderEpoch{1}, ts0 + first);
    REQUIRE(info.ok());
  }
}

}  // namespace

TEMPLATE_TEST_CASE("Log: the leader assigns offsets and reads return them", "[storage][log]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get());
  const ByteView producer_batch = make_batch(0, 3, 1000);
  auto first = log->append_as_leader(Records::of(producer_batch), LeaderEpoch{3}, 1000);
  REQUIRE(first.ok());
  CHECK(first.value().first_offset == Offset{0});
  CHECK(first.value().last_offset == Offset{2});
  auto second = log->append_as_leader(Records::of(producer_batch), LeaderEpoch{3}, 1001);
  REQUIRE(second.ok());
  CHECK(second.value().first_offset == Offset{3});
  CHECK(second.value().batches.at(0).partition_leader_epoch == LeaderEpoch{3});
  CHECK(decode_batch_header(producer_batch.data()).base_offset == Offset{0});  // the producer's copy is untouched
  CHECK(log->log_end_offset() == Offset{6});
  const auto all = read_all(*log);
  CHECK(all.size() == 6);
  CHECK(all.at(4) == "v1");
  CHECK(log->epoch_cache().entries() == std::vector<EpochEntry>{{LeaderEpoch{3}, Offset{0}}});
}

TEMPLATE_TEST_CASE("Log: reads stop below max_offset and respect max_bytes", "[storage][log]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get());
  append_batches(*log, 5, 4);  // offsets 0..19 in batches of 4
  auto below_hw = log->read(Offset{0}, 1 << 20, Offset{8}, false);
  REQUIRE(below_hw.ok());
  CHECK(below_hw.value().records.batches().size() == 2);  // offsets 0..7 only
  auto at_hw = log->read(Offset{8}, 1 << 20, Offset{8}, false);
  CHECK(at_hw.value().records.empty());
  auto tiny = log->read(Offset{5}, 10, Offset{20}, true);  // smaller than a batch, but at least one
  const auto batches = tiny.value().records.batches();
  REQUIRE(batches.size() == 1);
  CHECK(decode_batch_header(batches[0].data()).base_offset == Offset{4});
  CHECK(log->read(Offset{5}, 10, Offset{20}, false).value().records.batches().empty());
  CHECK(log->read(Offset{21}, 100, Offset{20}, true).value().out_of_range);
}

TEMPLATE_TEST_CASE("Log: a read without a byte limit returns every batch", "[storage][log]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get());
  append_batches(*log, 5, 4);
  auto read = log->read(Offset{4}, SIZE_MAX, log->log_end_offset(), true);
  REQUIRE(read.ok());
  CHECK(read.value().records.batches().size() == 4);
}

TEMPLATE_TEST_CASE("Log: a read stops at its segment's end, read_to_end reads on across segments", "[storage][log]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get(), small_segments());
  append_batches(*log, 40, 5);
  REQUIRE(log->segment_count() >= 3);
  auto one = log->read(Offset{0}, SIZE_MAX, log->log_end_offset(), true);
  REQUIRE(one.ok());
  CHECK(one.value().records.batches().size() < 40);  // the first segment's batches only
  auto all = log->read_to_end(Offset{0});
  REQUIRE(all.ok());
  REQUIRE(all.value().size() == 40);
  for (std::size_t i = 0; i < all.value().size(); ++i) {
    CHECK(decode_batch_header(all.value()[i].data()).base_offset == Offset{static_cast<std::int64_t>(5 * i)});
  }
  auto tail = log->read_to_end(Offset{102});  // from the batch holding 102
  REQUIRE(tail.ok());
  CHECK(tail.value().size() == 20);
  CHECK(decode_batch_header(tail.value().front().data()).base_offset == Offset{100});
}

TEMPLATE_TEST_CASE("Log: segments roll by size and are named by base offset", "[storage][log]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get(), small_segments());
  append_batches(*log, 40, 5);
  REQUIRE(log->segment_count() >= 3);
  const auto bases = log->segment_base_offsets();
  std::uint64_t total = 0;
  for (Offset base : bases) {
    auto file = d.get().open("orders-0/" + segment_file_name(base, ".log"), OpenMode::open_existing);
    REQUIRE(file.ok());
    CHECK(file.value()->size() <= 2000);  // log.segment.bytes
    total += file.value()->size();
  }
  CHECK(total == log->size_bytes());
  CHECK(segment_file_name(Offset{42}, ".log") == "00000000000000000042.log");
  CHECK(read_all(*log).size() == 200);
  // A roll flushes what it leaves behind: everything below the active segment is recovered.
  CHECK(log->recovery_point() >= bases.back());
}

TEMPLATE_TEST_CASE("Log: index lookups agree with a linear scan", "[storage][log][index]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get(), small_segments());
  Rng rng(17);
  for (int i = 0; i < 60; ++i) append_batches(*log, 1, static_cast<int>(rng.uniform_int(1, 9)));
  // The linear scan: every batch of the log, in order.
  std::vector<BatchHeader> scan;
  for (Offset next{0}; next < log->log_end_offset();) {
    auto r = log->read(next, 1 << 20, log->log_end_offset(), true);
    for (const ByteView& b : r.value().records.batches()) scan.push_back(decode_batch_header(b.data()));
    next = scan.back().next_offset();
  }
  for (std::int64_t o = 0; o < log->log_end_offset().value(); ++o) {
    const auto expected = std::find_if(scan.begin(), scan.end(), [&](const BatchHeader& h) { return h.last_offset().value() >= o; });
    auto r = log->read(Offset{o}, 1, log->log_end_offset(), true);
    const auto got = r.value().records.batches();
    REQUIRE(got.size() == 1);
    CHECK(decode_batch_header(got[0].data()).base_offset == expected->base_offset);
  }
}

TEMPLATE_TEST_CASE("Log: the time index finds the first offset at or after a timestamp", "[storage][log][index]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get(), small_segments());
  std::vector<std::pair<std::int64_t, std::int64_t>> stamps;  // (timestamp, offset)
  std::int64_t ts = 1000;
  Rng rng(23);
  for (int i = 0; i < 50; ++i) {
    RecordBatchBuilder b(Offset{0}, ts);
    const int n = static_cast<int>(rng.uniform_int(1, 5));
    for (int k = 0; k < n; ++k) {
      ts += rng.uniform_int(1, 50);
      stamps.emplace_back(ts, log->log_end_offset().value() + k);
      b.append(ts, std::nullopt, ByteView::copy_of(std::string_view("x")));
    }
    REQUIRE(log->append_as_leader(Records::of(b.build()), LeaderEpoch{0}, ts).ok());
  }
  for (std::int64_t target = 900; target <= ts + 10; target += 7) {
    const auto expected = std::find_if(stamps.begin(), stamps.end(), [&](const auto& s) { return s.first >= target; });
    auto found = log->offset_for_timestamp(target);
    REQUIRE(found.ok());
    if (expected == stamps.end()) {
      CHECK_FALSE(found.value().has_value());
    } else {
      REQUIRE(found.value().has_value());
      CHECK(found.value()->value() == expected->second);
    }
  }
}

TEMPLATE_TEST_CASE("Log: truncation removes whole batches and the epochs that began there", "[storage][log]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get(), small_segments());
  append_batches(*log, 30, 4);  // epoch 1, offsets 0..119
  REQUIRE(log->append_as_leader(Records::of(make_batch(120, 4, 5000)), LeaderEpoch{2}, 5000).ok());
  auto removed = log->truncate_to(Offset{50});
  REQUIRE(removed.ok());
  CHECK(removed.value() > 0);
  CHECK(log->log_end_offset() == Offset{48});  // 48..51 was one batch: it goes whole
  CHECK(read_all(*log).size() == 48);
  CHECK(log->epoch_cache().entries() == std::vector<EpochEntry>{{LeaderEpoch{1}, Offset{0}}});
  // Follower appends continue the log at their own offsets and epochs.
  RecordBatchBuilder b(Offset{48}, 6000);
  b.partition_leader_epoch(LeaderEpoch{3});
  b.append(6000, std::nullopt, ByteView::copy_of(std::string_view("from leader")));
  REQUIRE(log->append_as_follower(Records::of(b.build()), 6000).ok());
  CHECK(log->log_end_offset() == Offset{49});
  CHECK(log->epoch_cache().latest_entry() == EpochEntry{LeaderEpoch{3}, Offset{48}});
  CHECK(log->append_as_follower(Records::of(b.build()), 6000).status().code() == IoErrc::invalid_argument);
  REQUIRE(log->truncate_fully_and_start_at(Offset{1000}).ok());
  CHECK(log->log_start_offset() == Offset{1000});
  CHECK(log->log_end_offset() == Offset{1000});
  CHECK(log->segment_count() == 1);
}

TEMPLATE_TEST_CASE("Log: a corrupt batch is rejected on append", "[storage][log]", SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get());
  const ByteView good = make_batch(0, 3, 1000);
  Buffer bad(good.data(), good.data() + good.size());
  bad[bad.size() - 1] ^= 0xff;
  auto result = log->append_as_leader(Records::of(ByteView::from(bad)), LeaderEpoch{0}, 0);
  CHECK(result.status().code() == IoErrc::invalid_argument);
  CHECK(result.status().detail().find("CRC mismatch") != std::string::npos);
  CHECK(log->log_end_offset() == Offset{0});
  LogConfig strict;
  strict.max_message_bytes = 50;
  auto small = open_log(d.get(), strict);
  CHECK(small->append_as_leader(Records::of(good), LeaderEpoch{0}, 0).status().detail().find("max.message.bytes") !=
        std::string::npos);
}

TEMPLATE_TEST_CASE("Log: reopening recovers a torn tail and reports it", "[storage][log][recovery]", SimDiskUnderTest,
                   PosixDiskUnderTest) {
  TestType d;
  {
    auto log = open_log(d.get(), small_segments());
    append_batches(*log, 30, 4);
  }
  // Tear the last batch of the active segment, as a crash in the middle of a write would.
  auto log = open_log(d.get(), small_segments());
  const std::string active = "orders-0/" + segment_file_name(log->segment_base_offsets().back(), ".log");
  const Offset leo = log->log_end_offset();
  log.reset();
  {
    auto f = d.get().open(active, OpenMode::open_existing).value();
    REQUIRE(f->truncate(f->size() - 5).ok());
  }
  auto recovered = open_log(d.get(), small_segments(), Offset{0});
  CHECK(recovered->recovery().bytes_truncated > 0);
  REQUIRE_FALSE(recovered->recovery().notes.empty());
  CHECK(recovered->recovery().notes[0].find("torn batch") != std::string::npos);
  CHECK(recovered->log_end_offset() == Offset{leo.value() - 4});
  CHECK(read_all(*recovered).size() == static_cast<std::size_t>(leo.value() - 4));
}

TEMPLATE_TEST_CASE("Log: a corrupt index or epoch checkpoint is rebuilt and reported", "[storage][log][recovery]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  Offset recovery_point;
  {
    auto log = open_log(d.get(), small_segments());
    append_batches(*log, 40, 4);
    recovery_point = log->recovery_point();
  }
  const std::string index = "orders-0/" + segment_file_name(Offset{0}, ".index");
  {
    auto f = d.get().open(index, OpenMode::open_existing).value();
    REQUIRE(f->write_at(0, ByteView::from(Buffer(f->size() + 3, 0xee))).ok());  // garbage, and not whole entries
    auto e = d.get().open("orders-0/leader-epoch-checkpoint", OpenMode::open_existing).value();
    REQUIRE(e->write_at(0, ByteView::copy_of(std::string_view("zz"))).ok());
  }
  auto log = open_log(d.get(), small_segments(), recovery_point);
  CHECK(log->recovery().indexes_rebuilt >= 1);
  CHECK(log->recovery().epoch_cache_rebuilt);
  CHECK(log->epoch_cache().entries() == std::vector<EpochEntry>{{LeaderEpoch{1}, Offset{0}}});
  CHECK(read_all(*log).size() == 160);
}

TEMPLATE_TEST_CASE("Log: retention by time, size and log start offset, never above the HW", "[storage][log][retention]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  LogConfig config = small_segments();
  config.retention_ms = 10'000;
  auto log = open_log(d.get(), config);
  append_batches(*log, 40, 4, 1000);  // timestamps 1000..1160
  const std::size_t segments = log->segment_count();
  REQUIRE(segments >= 3);
  // Not expired yet.
  CHECK(log->delete_old_segments(5000, log->log_end_offset()).value() == 0);
  // Expired, but the high watermark holds them back.
  CHECK(log->delete_old_segments(100'000, Offset{0}).value() == 0);
  const int deleted = log->delete_old_segments(100'000, log->log_end_offset()).value();
  CHECK(deleted == static_cast<int>(segments));  // the active one too, after a roll
  CHECK(log->log_start_offset() == log->log_end_offset());
  CHECK(log->segment_count() == 1);

  LogConfig by_size = small_segments();
  by_size.retention_bytes = 3000;
  auto sized = Log::open(d.get(), "sized-0", by_size, Offset{0}, Offset{0}, 0).value();
  append_batches(*sized, 40, 4);
  REQUIRE(sized->delete_old_segments(0, sized->log_end_offset()).ok());
  CHECK(sized->size_bytes() <= 3000 + 2000);
  CHECK(sized->log_start_offset() == sized->segment_base_offsets().front());

  auto moved = Log::open(d.get(), "moved-0", small_segments(), Offset{0}, Offset{0}, 0).value();
  append_batches(*moved, 40, 4);
  REQUIRE(moved->increment_log_start_offset(Offset{70}, 0).ok());
  CHECK(moved->log_start_offset() == Offset{70});
  CHECK(moved->segment_base_offsets().front() <= Offset{70});
  CHECK(moved->read(Offset{10}, 100, moved->log_end_offset(), true).value().out_of_range);
}

TEMPLATE_TEST_CASE("Log: compaction keeps the latest value per key and every offset", "[storage][log][compaction]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  LogConfig config = small_segments();
  config.compact = true;
  config.delete_retention_ms = 1000;
  auto log = open_log(d.get(), config);
  Rng rng(99);
  std::int64_t ts = 1000;
  for (int i = 0; i < 60; ++i) {
    RecordBatchBuilder b(Offset{0}, ts);
    for (int k = 0; k < 3; ++k) {
      const std::string key = std::string("k").append(std::to_string(rng.below(12)));
      const bool tombstone = rng.below(10) == 0;
      const std::string value = std::string("v").append(std::to_string(ts));
      b.append(ts, ByteView::copy_of(std::string_view(key)),
               tombstone ? std::nullopt : std::optional<ByteView>(ByteView::copy_of(std::string_view(value))));
      ++ts;
    }
    REQUIRE(log->append_as_leader(Records::of(b.build()), LeaderEpoch{0}, ts).ok());
  }
  const auto before = read_all(*log);
  const Offset active_base = log->segment_base_offsets().back();
  // Keys as the records had them, from a second read of the raw batches.
  std::map<std::int64_t, std::string> key_at;
  for (Offset next{0}; next < log->log_end_offset();) {
    auto r = log->read(next, 1 << 20, log->log_end_offset(), true);
    for (const ByteView& b : r.value().records.batches()) {
      for (const Record& rec : kafkasim::testing::records_of(b)) key_at[rec.offset.value()] = text(*rec.key);
      next = decode_batch_header(b.data()).next_offset();
    }
  }
  std::map<std::string, std::int64_t> latest;  // within the cleanable part
  for (const auto& [offset, key] : key_at) {
    if (Offset{offset} < active_base) latest[key] = offset;
  }
  auto result = log->compact(ts + 10'000);  // every tombstone is past delete.retention.ms
  REQUIRE(result.ok());
  CHECK(result.value().segments_cleaned > 0);
  const auto after = read_all(*log);
  for (const auto& [offset, value] : before) {
    const bool cleanable = Offset{offset} < active_base;
    const bool latest_of_key = latest[key_at[offset]] == offset;
    const bool expected = !cleanable || (latest_of_key && value != "<tombstone>");
    CHECK(after.count(offset) == (expected ? 1u : 0u));
    if (expected && after.count(offset)) CHECK(after.at(offset) == value);  // same record at the same offset
  }
  CHECK(log->log_end_offset() == Offset{180});
}

TEST_CASE("Log: flushing by message count makes appends durable on the simulated disk", "[storage][log]") {
  SimDiskUnderTest d;
  LogConfig config;
  config.flush_interval_messages = 4;
  auto log = open_log(d.get(), config);
  const std::string path = "orders-0/" + segment_file_name(Offset{0}, ".log");
  append_batches(*log, 1, 3);
  CHECK(d.disk.durable_size(path) == 0);
  append_batches(*log, 1, 3);  // 6 messages >= 4: flushed
  CHECK(d.disk.durable_size(path) == d.disk.size(path));
  CHECK(log->recovery_point() == Offset{6});
}

TEST_CASE("Property: after kills, power losses and recovery the log holds what was synced, and only records it had",
          "[storage][log][property]") {
  rc::prop("recovery keeps every synced record and never invents or corrupts one", [] {
    SimDiskUnderTest d;
    LogConfig config = small_segments();
    // The log's records (offset -> value) after each operation since the last time the
    // recovery point moved (then every change had been synced): a power loss may bring back
    // any of them, a lost truncation included, because Kafka does not fsync a truncation
    // until the segment is flushed again.
    using State = std::map<std::int64_t, std::string>;
    State current;
    std::vector<State> since_durable{current};
    auto log = open_log(d.get(), config);
    const int steps = *rc::gen::inRange(1, 40);
    for (int step = 0; step < steps; ++step) {
      d.now = d.now + Duration::millis(1);
      const Offset durable_before = log->recovery_point();
      switch (*rc::gen::inRange(0, 8)) {
        case 0:
        case 1: {
          const int n = *rc::gen::inRange(1, 6);
          const auto first = log->log_end_offset().value();
          RC_ASSERT(log->append_as_leader(Records::of(make_batch(static_cast<int>(first), n, 1000 + step)),
                                          LeaderEpoch{1}, 1000 + step).ok());
          for (int i = 0; i < n; ++i) current[first + i] = std::string("v").append(std::to_string(first + i));
          break;
        }
        case 2:
          RC_ASSERT(log->roll(1000 + step).ok());
          break;
        case 3: {
          const auto target = *rc::gen::inRange<std::int64_t>(0, log->log_end_offset().value() + 1);
          RC_ASSERT(log->truncate_to(Offset{target}).ok());
          current.erase(current.lower_bound(log->log_end_offset().value()), current.end());
          break;
        }
        case 4:
          RC_ASSERT(log->flush(log->log_end_offset()).ok());
          break;
        case 5: {  // process_kill: the page cache survives, so nothing changes
          const Offset recovery_point = log->recovery_point();
          log.reset();
          log = open_log(d.get(), config, recovery_point);
          RC_ASSERT(read_all(*log) == current);
          break;
        }
        case 6: {  // power_loss
          const Offset recovery_point = log->recovery_point();
          log.reset();
          d.disk.power_loss();
          log = open_log(d.get(), config, recovery_point);
          const State recovered = read_all(*log);  // fails on any batch with a bad CRC
          for (const auto& [offset, value] : current) {
            if (offset < recovery_point.value()) RC_ASSERT(recovered.count(offset) == 1 && recovered.at(offset) == value);
          }
          for (const auto& [offset, value] : recovered) {
            RC_ASSERT(std::any_of(since_durable.begin(), since_durable.end(), [&](const State& st) {
              auto it = st.find(offset);
              return it != st.end() && it->second == value;
            }));
          }
          current = recovered;
          break;
        }
        case 7: {  // disk_fault corrupt_tail, then a restart: bad bytes are cut, never served
          const Offset recovery_point = log->recovery_point();
          log.reset();
          d.disk.corrupt_tail();
          log = open_log(d.get(), config, recovery_point);
          const State recovered = read_all(*log);  // fails on any batch with a bad CRC
          for (const auto& [offset, value] : recovered) RC_ASSERT(current.count(offset) == 1 && current.at(offset) == value);
          current = recovered;
          break;
        }
      }
      if (log->recovery_point() > durable_before) since_durable = {};
      since_durable.push_back(current);
    }
  });
}

TEMPLATE_TEST_CASE("LogManager: logs and checkpoints survive a restart, bad checkpoints are reported",
                   "[storage][log_manager]", SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  const TopicPartition orders0{"orders", 0}, orders1{"orders", 1}, dashed{"my-topic", 12};
  {
    auto m = LogManager::open(d.get(), "data", small_segments(), 0).value();
    for (const auto& tp : {orders0, orders1, dashed}) {
      auto log = m->get_or_create(tp, 0);
      REQUIRE(log.ok());
      append_batches(*log.value(), 20, 4);
    }
    REQUIRE(m->get(orders1)->increment_log_start_offset(Offset{30}, 0).ok());
    REQUIRE(m->checkpoint_recovery_points().ok());
    REQUIRE(m->checkpoint_log_start_offsets().ok());
    REQUIRE(m->write_high_watermarks({{orders0, Offset{77}}}).ok());
  }
  auto m = LogManager::open(d.get(), "data", small_segments(), 0).value();
  REQUIRE(m->logs().size() == 3);
  CHECK(m->get(dashed) != nullptr);
  CHECK(m->get(orders0)->log_end_offset() == Offset{80});
  CHECK(m->get(orders1)->log_start_offset() == Offset{30});
  CHECK(m->read_high_watermarks().value() == OffsetMap{{orders0, Offset{77}}});
  CHECK(m->notes().empty());
  REQUIRE(m->remove(orders1).ok());
  CHECK_FALSE(d.get().exists("data/orders-1"));

  {
    auto f = d.get().open("data/recovery-point-offset-checkpoint", OpenMode::open_existing).value();
    REQUIRE(f->truncate(3).ok());  // torn: a version line and half a count
  }
  auto again = LogManager::open(d.get(), "data", small_segments(), 0).value();
  REQUIRE_FALSE(again->notes().empty());
  CHECK(again->notes()[0].find("recovery-point-offset-checkpoint") != std::string::npos);
  CHECK(again->get(orders0)->log_end_offset() == Offset{80});  // recovered from the start instead
  CHECK(parse_log_dir_name("orders-x") == std::nullopt);
  CHECK(parse_log_dir_name("replication-offset-checkpoint") == std::nullopt);
}

TEST_CASE("Log: a batch written before its flush fails is told to the append listener, and recovery finds it",
          "[storage][log]") {
  SimDiskUnderTest d;
  LogConfig config;
  config.flush_interval_messages = 1;
  auto log = open_log(d.get(), config);
  std::vector<std::pair<std::int64_t, bool>> told;  // base offset, as leader
  log->set_append_listener([&](const BatchHeader& h, const ByteView&, bool as_leader) {
    told.emplace_back(h.base_offset.value(), as_leader);
  });
  append_batches(*log, 1, 3);
  d.disk.set_fsync_error(true);
  RecordBatchBuilder fetched(Offset{3}, 2000);  // a follower's batch keeps the leader's offsets
  fetched.append(2000, std::nullopt, ByteView::copy_of(std::string_view("v3")));
  fetched.append(2000, std::nullopt, ByteView::copy_of(std::string_view("v4")));
  auto failed = log->append_as_follower(Records::of(fetched.build()), 2000);
  CHECK(failed.status().code() == IoErrc::io_error);
  CHECK(told == std::vector<std::pair<std::int64_t, bool>>{{0, true}, {3, false}});
  // The bytes are in the page cache: a process restarted on it (not a power loss) finds them.
  d.disk.set_fsync_error(false);
  log.reset();
  auto reopened = open_log(d.get(), config);
  CHECK(reopened->log_end_offset() == Offset{5});
}

TEST_CASE("Log: a full disk fails the append with no_space and leaves the log as it was", "[storage][log]") {
  SimDiskUnderTest d;
  auto log = open_log(d.get(), small_segments());
  append_batches(*log, 5, 4);
  const auto before = read_all(*log);
  const Offset leo = log->log_end_offset();
  d.disk.set_full(true);
  auto failed = log->append_as_leader(Records::of(make_batch(0, 4, 2000)), LeaderEpoch{1}, 2000);
  CHECK(failed.status().code() == IoErrc::no_space);
  CHECK(failed.status().detail().find(".log: no space left on device") != std::string::npos);
  CHECK(log->log_end_offset() == leo);
  d.disk.set_full(false);
  CHECK(read_all(*log) == before);
  append_batches(*log, 1, 4);  // and it goes on once there is room
  CHECK(log->log_end_offset() == Offset{leo.value() + 4});
  // Reopened, it holds exactly what was appended successfully.
  const Offset rp = log->recovery_point();
  log.reset();
  auto reopened = open_log(d.get(), small_segments(), rp);
  CHECK(reopened->log_end_offset() == Offset{leo.value() + 4});
}

namespace {

// A batch of `count` records from an idempotent producer.
ByteView idempotent_batch(std::int64_t pid, std::int16_t epoch, std::int32_t first_seq, int count) {
  RecordBatchBuilder b(Offset{0}, 1000);
  b.producer(ProducerId{pid}, epoch, first_seq);
  for (int i = 0; i < count; ++i) {
    const std::int64_t seq = static_cast<std::int64_t>(first_seq) + i;  // a label only: may pass INT32_MAX
    b.append(1000, std::nullopt, ByteView::copy_of(std::string_view(std::string("seq").append(std::to_string(seq)))));
  }
  return b.build();
}

BatchHeader header_of(const ByteView& batch, Offset base) {
  BatchHeader h = decode_batch_header(batch.data());
  h.base_offset = base;
  return h;
}

}  // namespace

TEST_CASE("ProducerStateManager: Kafka's sequence and epoch rules", "[storage][idempotence]") {
  using Check = ProducerStateManager::Check;
  ProducerStateManager state;
  const auto b0 = header_of(idempotent_batch(7, 0, 0, 5), Offset{0});  // seqs 0..4
  CHECK(state.check(b0).check == Check::append);  // unknown producer
  state.update(b0);
  CHECK(state.check(b0).check == Check::duplicate);
  CHECK(state.check(b0).original == ProducerBatchMetadata{0, 4, Offset{0}, Offset{4}});
  CHECK(state.check(header_of(idempotent_batch(7, 0, 6, 1), Offset{5})).check == Check::out_of_order_sequence);
  std::int32_t seq = 5;
  for (int i = 0; i < 5; ++i) {  // five more batches push b0 out of the cache
    const auto b = header_of(idempotent_batch(7, 0, seq, 2), Offset{seq});
    REQUIRE(state.check(b).check == Check::append);
    state.update(b);
    seq += 2;
  }
  CHECK(state.entry(ProducerId{7})->batches.size() == ProducerStateManager::kBatchesToRetain);
  CHECK(state.check(b0).check == Check::out_of_order_sequence);  // too old to recognise
  CHECK(state.check(header_of(idempotent_batch(7, 1, 3, 1), Offset{20})).check == Check::out_of_order_sequence);
  const auto new_epoch = header_of(idempotent_batch(7, 1, 0, 1), Offset{20});
  CHECK(state.check(new_epoch).check == Check::append);
  state.update(new_epoch);
  const auto zombie = state.check(header_of(idempotent_batch(7, 0, seq, 1), Offset{21}));
  CHECK(zombie.check == Check::invalid_producer_epoch);
  CHECK(zombie.detail == "producer 7 epoch 0 is older than 1");
  // Sequences wrap at INT32_MAX.
  const auto near_max = header_of(idempotent_batch(9, 0, INT32_MAX - 1, 3), Offset{30});
  CHECK(last_sequence(near_max) == 0);
  state.update(near_max);
  CHECK(state.check(header_of(idempotent_batch(9, 0, 1, 1), Offset{33})).check == Check::append);
}

TEMPLATE_TEST_CASE("Log: an idempotent retry is not written twice, also after a restart", "[storage][idempotence]",
                   SimDiskUnderTest, PosixDiskUnderTest) {
  TestType d;
  auto log = open_log(d.get());
  const ByteView first = idempotent_batch(7, 0, 0, 3);
  auto written = log->append_as_leader(Records::of(first), LeaderEpoch{0}, 0);
  REQUIRE(written.ok());
  CHECK_FALSE(written.value().duplicate);
  append_batches(*log, 2, 2);  // others write in between
  auto retry = log->append_as_leader(Records::of(first), LeaderEpoch{0}, 0);  // the response was lost
  REQUIRE(retry.ok());
  CHECK(retry.value().duplicate);
  CHECK(retry.value().first_offset == Offset{0});
  CHECK(retry.value().last_offset == Offset{2});
  CHECK(log->log_end_offset() == Offset{7});
  CHECK(log->append_as_leader(Records::of(idempotent_batch(7, 0, 5, 1)), LeaderEpoch{0}, 0).status().code() ==
        IoErrc::out_of_order_sequence);
  // Two batches of one producer in one append are checked in order, and nothing is written
  // when one of them is refused.
  Records two;
  two.append(idempotent_batch(7, 0, 3, 2));
  two.append(idempotent_batch(7, 0, 9, 1));
  CHECK(log->append_as_leader(two, LeaderEpoch{0}, 0).status().code() == IoErrc::out_of_order_sequence);
  CHECK(log->log_end_offset() == Offset{7});

  const Offset rp = log->recovery_point();
  log.reset();
  auto reopened = open_log(d.get(), {}, rp);  // the state is rebuilt from the batches
  CHECK(reopened->append_as_leader(Records::of(first), LeaderEpoch{0}, 0).value().duplicate);
  REQUIRE(reopened->append_as_leader(Records::of(idempotent_batch(7, 0, 3, 2)), LeaderEpoch{0}, 0).ok());
  // A truncation that removes the producer's batches forgets them, so the retry is written.
  REQUIRE(reopened->truncate_to(Offset{0}).ok());
  auto after = reopened->append_as_leader(Records::of(first), LeaderEpoch{1}, 0);
  REQUIRE(after.ok());
  CHECK_FALSE(after.value().duplicate);
  CHECK(after.value().first_offset == Offset{0});
}
