// insert.mode × pk.mode, tombstones, fields.whitelist and table.name.format, each against a
// real sink_connector, a fresh database and an embedded broker.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

using tk = type_kind;

std::shared_ptr<struct_schema> order_value() {
  return make_schema({field("id", tk::int64, false), field("item", tk::string), field("qty", tk::int32)},
                     "orders.Value");
}
std::shared_ptr<struct_schema> order_key() {
  return make_schema({field("id", tk::int64, false)}, "orders.Key");
}
std::string order(std::int64_t id, const std::string& item, std::int64_t qty) {
  return connect_json(*order_value(), {num(id), str(item), num(qty)});
}
std::string key_of(std::int64_t id) { return connect_json(*order_key(), {num(id)}); }

std::string offsets_sql(const std::string& topic, int partition = 0) {
  return fmt::format("SELECT next_offset FROM sluice_offsets WHERE connector = 'sink' AND "
                     "topic = '{}' AND \"partition\" = {}",
                     topic, partition);
}

TEST(SinkModes, InsertWithoutKeyAppendsEveryRecordIncludingRepeats) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, order(1, "apple", 3)),
                         record(std::nullopt, order(1, "apple", 3)),
                         record(std::nullopt, order(2, "pear", 5))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "3", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item, qty FROM orders ORDER BY id"),
            "1|apple|3\n1|apple|3\n2|pear|5");
  EXPECT_TRUE(env.eventually(offsets_sql("orders"), "3", c.get()));
}

TEST(SinkModes, InsertWithKafkaKeyStoresTopicPartitionAndOffsetAsPrimaryKey) {
  sink_env env;
  env.create_topic("orders", 2);
  env.produce("orders", {record(std::nullopt, order(1, "apple", 3), 0),
                         record(std::nullopt, order(2, "pear", 5), 1),
                         record(std::nullopt, order(3, "fig", 7), 1)});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"pk.mode", "kafka"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "3", c.get()));
  EXPECT_EQ(env.rows("SELECT __connect_topic, __connect_partition, __connect_offset, id FROM "
                     "orders ORDER BY 2, 3"),
            "orders|0|0|1\norders|1|0|2\norders|1|1|3");
  EXPECT_EQ(env.rows("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                     "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'orders'::regclass "
                     "AND i.indisprimary ORDER BY a.attnum"),
            "__connect_topic\n__connect_partition\n__connect_offset");
}

TEST(SinkModes, UpsertWithStructRecordKeyReplacesTheRowOfTheKey) {
  sink_env env;
  env.create_topic("orders");
  auto key = make_schema({field("region", tk::string, false), field("id", tk::int64, false)});
  auto val = make_schema({field("item", tk::string), field("qty", tk::int32)});
  auto k = [&](const std::string& region, std::int64_t id) {
    return connect_json(*key, {str(region), num(id)});
  };
  auto v = [&](const std::string& item, std::int64_t qty) {
    return connect_json(*val, {str(item), num(qty)});
  };
  env.produce("orders", {record(k("eu", 1), v("apple", 1)), record(k("us", 1), v("pear", 2))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  // A later batch with a new version of one key.
  env.produce("orders", {record(k("eu", 1), v("apple", 10))});
  ASSERT_TRUE(env.eventually("SELECT qty FROM orders WHERE region = 'eu' AND id = 1", "10", c.get()));
  EXPECT_EQ(env.rows("SELECT region, id, item, qty FROM orders ORDER BY region"),
            "eu|1|apple|10\nus|1|pear|2");
}

TEST(SinkModes, UpsertWithPrimitiveJsonKeyNamesTheKeyColumnFromPkFields) {
  sink_env env;
  env.create_topic("orders");
  auto val = make_schema({field("item", tk::string), field("qty", tk::int32)});
  auto v = [&](const std::string& item, std::int64_t qty) {
    return connect_json(*val, {str(item), num(qty)});
  };
  env.produce("orders", {record(int64_key(7), v("apple", 1)), record(int64_key(8), v("pear", 2))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"pk.fields", "id"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  env.produce("orders", {record(int64_key(7), v("apple", 70))});
  ASSERT_TRUE(env.eventually("SELECT qty FROM orders WHERE id = 7", "70", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item, qty FROM orders ORDER BY id"), "7|apple|70\n8|pear|2");
  EXPECT_EQ(env.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = "
                       "'orders' AND column_name = 'id'"),
            "bigint");
}

TEST(SinkModes, UpsertWithStringConverterKeyWritesTheTextKey) {
  sink_env env;
  env.create_topic("orders");
  auto val = make_schema({field("item", tk::string), field("qty", tk::int32)});
  auto v = [&](const std::string& item, std::int64_t qty) {
    return connect_json(*val, {str(item), num(qty)});
  };
  env.produce("orders", {record("A-1", v("apple", 1)), record("B-2", v("pear", 2)),
                         record("A-1", v("apple", 5))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"pk.fields", "code"},
                      {"key.converter", "org.apache.kafka.connect.storage.StringConverter"}});
  ASSERT_TRUE(env.eventually(offsets_sql("orders"), "3", c.get()));
  EXPECT_EQ(env.rows("SELECT code, item, qty FROM orders ORDER BY code"), "A-1|apple|5\nB-2|pear|2");
}

TEST(SinkModes, UpsertWithRecordValuePkFieldsKeysOnTheNamedValueField) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, order(1, "apple", 1)),
                         record(std::nullopt, order(2, "pear", 2))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  env.produce("orders", {record(std::nullopt, order(2, "plum", 20)),
                         record(std::nullopt, order(3, "kiwi", 3))});
  ASSERT_TRUE(env.eventually(offsets_sql("orders"), "4", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item, qty FROM orders ORDER BY id"),
            "1|apple|1\n2|plum|20\n3|kiwi|3");
}

TEST(SinkModes, UpdateModeChangesExistingRowsAndInsertsNone) {
  sink_env env;
  env.exec("CREATE TABLE orders (id bigint PRIMARY KEY, item text, qty integer);"
           "INSERT INTO orders VALUES (1, 'apple', 1), (2, 'pear', 2)");
  env.create_topic("orders");
  env.produce("orders", {record(key_of(1), order(1, "apple", 10)),
                         record(key_of(3), order(3, "kiwi", 3))});
  auto c = env.start({{"topics", "orders"}, {"insert.mode", "update"}, {"pk.mode", "record_key"}});
  ASSERT_TRUE(env.eventually(offsets_sql("orders"), "2", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item, qty FROM orders ORDER BY id"), "1|apple|10\n2|pear|2");
}

TEST(SinkModes, UpdateModeWithRecordValueKey) {
  sink_env env;
  env.exec("CREATE TABLE orders (id bigint PRIMARY KEY, item text, qty integer);"
           "INSERT INTO orders VALUES (1, 'apple', 1), (2, 'pear', 2)");
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, order(2, "pear", 22)),
                         record(std::nullopt, order(9, "none", 9))});
  auto c = env.start({{"topics", "orders"}, {"insert.mode", "update"}, {"pk.mode", "record_value"},
                      {"pk.fields", "id"}});
  ASSERT_TRUE(env.eventually(offsets_sql("orders"), "2", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item, qty FROM orders ORDER BY id"), "1|apple|1\n2|pear|22");
}

TEST(SinkModes, TombstoneDeletesTheRowOfItsKeyWhenDeleteEnabled) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(key_of(1), order(1, "apple", 1)), record(key_of(2), order(2, "pear", 2))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"delete.enabled", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  env.produce("orders", {record(key_of(1), std::nullopt)});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  EXPECT_EQ(env.rows("SELECT id, item FROM orders"), "2|pear");
  EXPECT_TRUE(env.eventually(offsets_sql("orders"), "3", c.get()));
  // A tombstone of a key that has no row is fine.
  env.produce("orders", {record(key_of(42), std::nullopt)});
  EXPECT_TRUE(env.eventually(offsets_sql("orders"), "4", c.get()));
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

TEST(SinkModes, FieldsWhitelistWritesOnlyTheListedFieldsAndTheKey) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(key_of(1), order(1, "apple", 1))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_value"}, {"pk.fields", "id"},
                      {"fields.whitelist", "item"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  EXPECT_EQ(env.rows("SELECT column_name FROM information_schema.columns WHERE table_name = "
                     "'orders' ORDER BY ordinal_position"),
            "id\nitem");
  EXPECT_EQ(env.rows("SELECT id, item FROM orders"), "1|apple");
}

TEST(SinkModes, TableNameFormatPutsEachTopicIntoItsSchemaQualifiedTable) {
  sink_env env;
  env.exec("CREATE SCHEMA \"Sales\"");
  env.create_topic("eu");
  env.create_topic("us");
  env.produce("eu", {record(std::nullopt, order(1, "apple", 1)), record(std::nullopt, order(2, "fig", 1))});
  env.produce("us", {record(std::nullopt, order(3, "pear", 2))});
  auto c = env.start({{"topics", "eu,us"}, {"auto.create", "true"},
                      {"table.name.format", "Sales.orders_${topic}"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM \"Sales\".orders_eu", "2", c.get()));
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM \"Sales\".orders_us", "1", c.get()));
  EXPECT_EQ(env.rows("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                     "WHERE table_name LIKE 'orders%' ORDER BY 1"),
            "Sales.orders_eu\nSales.orders_us");
}

}  // namespace
}  // namespace sluice::testing
