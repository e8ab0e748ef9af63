// What one batch holding several operations on one key writes: the last operation wins; and
// where a batch closes (batch.max.bytes, batch.size).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

using tk = type_kind;

std::string key(std::int64_t id) {
  return connect_json(*make_schema({field("id", tk::int64, false)}), {num(id)});
}
std::string val(std::int64_t id, const std::string& item) {
  return connect_json(*make_schema({field("id", tk::int64, false), field("item", tk::string)}),
                      {num(id), str(item)});
}

std::uint64_t batches(const sink::sink_connector& c) {
  std::uint64_t n = 0;
  for (const auto& m : c.metrics()) n += m->batches;
  return n;
}

// The task counts a batch after its commit, when it next looks at the writer.
void expect_one_batch(const sink::sink_connector& c) {
  sink_env::wait_until([&] { return batches(c) >= 1; }, 5s);
  EXPECT_EQ(batches(c), 1u) << "the records did not arrive in one batch; the test proves nothing";
}

// Everything is produced before the sink starts, and the batch waits long enough to take it all.
const config_values one_batch = {{"topics", "orders"},       {"auto.create", "true"},
                                 {"insert.mode", "upsert"},  {"pk.mode", "record_key"},
                                 {"delete.enabled", "true"}, {"batch.linger.ms", "1000"}};

TEST(SinkBatches, DuplicateKeysInOneBatchLastRecordWins) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(key(1), val(1, "a")), record(key(2), val(2, "b")),
                         record(key(1), val(1, "c")), record(key(1), val(1, "d")),
                         record(key(2), val(2, "e")), record(key(3), val(3, "f"))});
  auto c = env.start(one_batch);
  ASSERT_TRUE(env.eventually("SELECT next_offset FROM sluice_offsets", "6", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item FROM orders ORDER BY id"), "1|d\n2|e\n3|f");
  expect_one_batch(*c);
}

TEST(SinkBatches, UpsertThenTombstoneOfTheSameKeyInOneBatchLeavesNoRow) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(key(1), val(1, "a")), record(key(2), val(2, "b")),
                         record(key(1), std::nullopt), record(key(3), val(3, "c")),
                         record(key(3), std::nullopt), record(key(3), val(3, "d"))});
  auto c = env.start(one_batch);
  ASSERT_TRUE(env.eventually("SELECT next_offset FROM sluice_offsets", "6", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item FROM orders ORDER BY id"), "2|b\n3|d");
  expect_one_batch(*c);
}

TEST(SinkBatches, TombstoneInOneBatchDeletesARowWrittenByAnEarlierBatch) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(key(1), val(1, "a")), record(key(2), val(2, "b"))});
  auto c = env.start(one_batch);
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  env.produce("orders", {record(key(1), val(1, "x")), record(key(1), std::nullopt),
                         record(key(2), std::nullopt), record(key(2), val(2, "y"))});
  ASSERT_TRUE(env.eventually("SELECT next_offset FROM sluice_offsets", "6", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item FROM orders ORDER BY id"), "2|y");
}

// A backlog many times librdkafka's prefetch bound: the fetcher stops at the bound again and
// again and the task restarts it by seeking (sink_task::wake_fetcher), which discards records
// already queued for that partition. They are fetched again: every record is written once.
TEST(SinkBatches, BacklogOverThePrefetchBoundIsWrittenExactlyOnce) {
  sink_env env;
  env.create_topic("backlog", 4);
  const std::string pad(300, 'p');
  constexpr int n = 30000;
  std::vector<test_record> recs;
  recs.reserve(n);
  for (int i = 0; i < n; ++i) recs.push_back(record(std::nullopt, val(i, pad), i % 4));
  env.produce("backlog", recs);
  auto c = env.start({{"topics", "backlog"},
                      {"auto.create", "true"},
                      {"insert.mode", "insert"},
                      {"batch.size", "2000"},
                      {"consumer.override.queued.max.messages.kbytes", "256"}});
  ASSERT_TRUE(env.eventually("SELECT sum(next_offset) FROM sluice_offsets", std::to_string(n), c.get(), 60s));
  EXPECT_EQ(env.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM backlog"),
            fmt::format("{0}|{0}|0|{1}", n, n - 1));
  std::uint64_t wakes = 0;
  for (const auto& m : c->metrics()) wakes += m->fetch_wakes;
  EXPECT_GT(wakes, 0u) << "the fetcher never stopped at its bound; the test proves nothing";
}

// Rows in the connector's largest batch (batch_rows holds thousands of rows, to the microsecond).
std::uint64_t largest_batch(const sink::sink_connector& c) {
  double most = 0;
  for (const auto& m : c.metrics()) most = std::max(most, m->batch_rows.max());
  return static_cast<std::uint64_t>(std::llround(most * 1000));
}

// A batch is written as soon as its records reach batch.max.bytes, long before batch.size or the
// linger would close it: records of one size s and a bound of k·s make batches of exactly k.
// The linger outlasts the wait, so a batch closed by anything but the byte bound would leave
// rows unwritten; nothing else closes one (a single task, no rebalance).
TEST(SinkBatches, BatchClosesWhenItsRecordsReachBatchMaxBytes) {
  sink_env env;
  env.create_topic("sized");
  const std::string pad(200, 'p');
  constexpr int n = 400, k = 8;
  std::vector<test_record> recs;
  for (int i = 0; i < n; ++i) recs.push_back(record(std::nullopt, val(1000 + i, pad)));  // 4 digits
  const std::size_t s = recs[0].value->size();
  for (const auto& r : recs) ASSERT_EQ(r.value->size(), s) << "the records differ in size";
  env.produce("sized", recs);
  const std::size_t limit = k * s, total = n * s;
  auto c = env.start({{"topics", "sized"},
                      {"auto.create", "true"},
                      {"batch.size", "100000"},
                      {"batch.max.bytes", std::to_string(limit)},
                      {"batch.linger.ms", "600000"}});
  ASSERT_TRUE(env.eventually("SELECT next_offset FROM sluice_offsets", std::to_string(n), c.get()))
      << "the last batches never closed: the byte bound did not close them";
  EXPECT_EQ(env.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM sized"),
            fmt::format("{}|{}|1000|{}", n, n, 1000 + n - 1));
  const auto want = (total + limit - 1) / limit;  // = n / k
  sink_env::wait_until([&] { return batches(*c) >= want; }, 5s);
  EXPECT_EQ(batches(*c), want) << "records of " << s << " bytes, batch.max.bytes=" << limit;
  EXPECT_EQ(largest_batch(*c), static_cast<std::uint64_t>(k));
}

// batch.size alone: a backlog of n records in batches of k, each closed at k records.
TEST(SinkBatches, BatchClosesAtBatchSizeRecords) {
  sink_env env;
  env.create_topic("counted");
  constexpr int n = 300, k = 25;
  std::vector<test_record> recs;
  for (int i = 0; i < n; ++i) recs.push_back(record(std::nullopt, val(i, "x")));
  env.produce("counted", recs);
  auto c = env.start({{"topics", "counted"},
                      {"auto.create", "true"},
                      {"batch.size", std::to_string(k)},
                      {"batch.linger.ms", "600000"}});
  ASSERT_TRUE(env.eventually("SELECT next_offset FROM sluice_offsets", std::to_string(n), c.get()))
      << "the last batches never closed: batch.size did not close them";
  EXPECT_EQ(env.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM counted"),
            fmt::format("{}|{}|0|{}", n, n, n - 1));
  sink_env::wait_until([&] { return batches(*c) >= n / k; }, 5s);
  EXPECT_EQ(batches(*c), static_cast<std::uint64_t>(n / k));
  EXPECT_EQ(largest_batch(*c), static_cast<std::uint64_t>(k));
}

}  // namespace
}  // namespace sluice::testing
