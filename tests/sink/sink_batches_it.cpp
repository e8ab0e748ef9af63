// What one batch holding several operations on one key writes: the last operation wins.
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

}  // namespace
}  // namespace sluice::testing
