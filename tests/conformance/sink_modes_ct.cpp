// insert.mode × pk.mode × delete.enabled, written once and run on every backend.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

std::shared_ptr<struct_schema> order_value() {
  return make_schema({field("id", tk::int64, false), field("item", tk::string), field("qty", tk::int32)},
                     "orders.Value");
}
std::string order(std::int64_t id, const std::string& item, std::int64_t qty) {
  return connect_json(*order_value(), {num(id), str(item), num(qty)});
}

class SinkModes : public ::testing::TestWithParam<backend> {};

TEST_P(SinkModes, InsertWithoutKeyAppendsEveryRecordIncludingRepeats) {
  world w(GetParam());
  w.create_topic("orders");
  w.produce("orders", {record(std::nullopt, order(1, "apple", 3)), record(std::nullopt, order(1, "apple", 3)),
                       record(std::nullopt, order(2, "pear", 5))});
  auto c = w.start({{"topics", "orders"}, {"auto.create", "true"}});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM orders", "3", c.get()));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM orders ORDER BY id, item"), "1|apple|3\n1|apple|3\n2|pear|5");
  EXPECT_TRUE(w.eventually(fmt::format("SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'"), "3", c.get()));
}

TEST_P(SinkModes, InsertWithKafkaKeyStoresTopicPartitionAndOffset) {
  world w(GetParam());
  w.create_topic("orders", 2);
  w.produce("orders", {record(std::nullopt, order(1, "apple", 3), 0), record(std::nullopt, order(2, "pear", 5), 1),
                       record(std::nullopt, order(3, "fig", 7), 1)});
  auto c = w.start({{"topics", "orders"}, {"auto.create", "true"}, {"pk.mode", "kafka"}});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM orders", "3", c.get()));
  EXPECT_EQ(w.rows("SELECT __connect_topic, __connect_partition, __connect_offset, id FROM orders "
                   "ORDER BY __connect_partition, __connect_offset"),
            "orders|0|0|1\norders|1|0|2\norders|1|1|3");
}

TEST_P(SinkModes, UpsertWithStructKeyReplacesTheRowOfTheKeyAndDedupesABatch) {
  world w(GetParam());
  w.create_topic("orders");
  auto key = make_schema({field("region", tk::string, false), field("id", tk::int64, false)});
  auto val = make_schema({field("item", tk::string), field("qty", tk::int32)});
  auto k = [&](const std::string& region, std::int64_t id) { return connect_json(*key, {str(region), num(id)}); };
  auto v = [&](const std::string& item, std::int64_t qty) { return connect_json(*val, {str(item), num(qty)}); };
  // Three versions of eu/1 in one batch: the last wins (no "cannot affect row a second time").
  w.produce("orders", {record(k("eu", 1), v("apple", 1)), record(k("us", 1), v("pear", 2)),
                       record(k("eu", 1), v("apple", 2)), record(k("EU", 1), v("upper", 7)),
                       record(k("eu", 1), v("apple", 3))});
  auto c = w.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                    {"pk.mode", "record_key"}, {"batch.linger.ms", "500"}});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM orders", "3", c.get()));
  EXPECT_EQ(w.rows("SELECT region, id, item, qty FROM orders ORDER BY qty"), "us|1|pear|2\neu|1|apple|3\nEU|1|upper|7");
  w.produce("orders", {record(k("eu", 1), v("apple", 10))});
  ASSERT_TRUE(w.eventually("SELECT qty FROM orders WHERE region = 'eu' AND id = 1", "10", c.get()));
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM orders"), "3");
}

TEST_P(SinkModes, UpsertByValueFieldsAndUpdateModeOnlyTouchesExistingRows) {
  world w(GetParam());
  w.create_topic("orders");
  w.produce("orders", {record(std::nullopt, order(1, "apple", 1)), record(std::nullopt, order(2, "pear", 2))});
  auto c = w.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                    {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM orders", "2", c.get()));
  c->stop();
  w.create_topic("changes");
  w.produce("changes", {record(std::nullopt, order(2, "pear", 20)), record(std::nullopt, order(3, "fig", 30))});
  auto u = w.start({{"topics", "changes"}, {"table.name.format", "orders"}, {"insert.mode", "update"},
                    {"pk.mode", "record_value"}, {"pk.fields", "id"}},
                   "updater");
  ASSERT_TRUE(w.eventually("SELECT next_offset FROM sluice_offsets WHERE connector = 'updater'", "2", u.get()));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM orders ORDER BY id"), "1|apple|1\n2|pear|20");
}

TEST_P(SinkModes, TombstoneDeletesAndATombstoneAfterAnUpsertInOneBatchWins) {
  world w(GetParam());
  w.create_topic("orders");
  w.produce("orders", {record(int64_key(1), order(1, "apple", 1)), record(int64_key(2), order(2, "pear", 2)),
                       record(int64_key(3), order(3, "fig", 3))});
  auto c = w.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                    {"pk.mode", "record_key"}, {"pk.fields", "id"}, {"delete.enabled", "true"},
                    {"fields.whitelist", "item,qty"}, {"batch.linger.ms", "300"}});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM orders", "3", c.get()));
  w.produce("orders", {record(int64_key(2), std::nullopt), record(int64_key(3), order(3, "fig", 30)),
                       record(int64_key(3), std::nullopt), record(int64_key(4), std::nullopt),
                       record(int64_key(5), order(5, "kiwi", 5))});
  ASSERT_TRUE(w.eventually(fmt::format("SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'"), "8", c.get()));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM orders ORDER BY id"), "1|apple|1\n5|kiwi|5");
}

TEST_P(SinkModes, ABadRecordIsSetAsideAndTheRestOfTheBatchCommits) {
  world w(GetParam());
  w.create_topic("orders");
  w.create_topic("dlq");
  w.exec("CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, item VARCHAR(10), qty INT)");
  w.exec("INSERT INTO orders (id, item, qty) VALUES (100, 'before', 0)");
  std::vector<sluice::testing::test_record> recs;
  for (int i = 1; i <= 40; ++i)
    recs.push_back(record(std::nullopt, order(i == 30 ? 100 : i, i == 17 ? "far too long for ten" : "ok", i)));
  w.produce("orders", recs);
  auto c = w.start({{"topics", "orders"}, {"pk.mode", "record_value"}, {"pk.fields", "id"},
                    {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq"},
                    {"errors.deadletterqueue.topic.replication.factor", "1"}, {"batch.linger.ms", "300"}});
  ASSERT_TRUE(w.eventually("SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'", "40", c.get()));
  // Record 30 repeats a key the table holds (insert mode); record 17 is too long for the column,
  // except on SQLite, which does not enforce VARCHAR lengths.
  if (w.kind() == backend_kind::sqlite) {
    EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM orders"), "40");
  } else {
    EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM orders"), "39");
    EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM orders WHERE id = 17"), "0");
  }
  EXPECT_EQ(w.scalar("SELECT item FROM orders WHERE id = 100"), "before");
  auto dead = sluice::testing::read_topic(w.bootstrap(), "dlq", w.kind() == backend_kind::sqlite ? 1 : 2, 10s);
  EXPECT_EQ(dead.size(), w.kind() == backend_kind::sqlite ? 1u : 2u);
}

TEST_P(SinkModes, ABadRecordStopsTheTaskAfterWhatCameBeforeItWithToleranceNone) {
  world w(GetParam());
  w.create_topic("orders");
  w.exec("CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, item VARCHAR(10), qty INT NOT NULL)");
  auto nullable = make_schema({field("id", tk::int64, false), field("item", tk::string), field("qty", tk::int32)});
  std::vector<sluice::testing::test_record> recs;
  for (int i = 1; i <= 10; ++i)
    recs.push_back(record(std::nullopt, connect_json(*nullable, {num(i), str("x"), i == 6 ? null() : num(i)})));
  w.produce("orders", recs);
  auto c = w.start({{"topics", "orders"}, {"pk.mode", "record_value"}, {"pk.fields", "id"},
                    {"errors.restart.enable", "false"}});
  ASSERT_TRUE(w.eventually("SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'", "5", c.get()));
  std::optional<error_info> failure;
  for (int i = 0; i < 300 && !(failure = c->failure()); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->where.find("orders[0]@5"), std::string::npos) << render(*failure);
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM orders"), "5");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkModes, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
