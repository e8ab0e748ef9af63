// Tables: auto.create, auto.evolve and the changes it refuses, and identifiers that keep their
// exact case (or fold with quote.sql.identifiers=never) and can never inject SQL.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

using tk = type_kind;

// A Connect envelope from the fields' schema JSON and the payload JSON.
std::string envelope(const std::string& fields, const std::string& payload) {
  return R"({"schema":{"type":"struct","optional":false,"name":"orders.Value","fields":[)" + fields +
         R"(]},"payload":)" + payload + "}";
}
const std::string id_field = R"({"field":"id","type":"int64","optional":false})";
const std::string qty_field = R"({"field":"qty","type":"int32","optional":true})";

std::string offsets(const std::string& topic) {
  return "SELECT next_offset FROM sluice_offsets WHERE topic = '" + topic + "'";
}

TEST(SinkTables, AutoCreateMakesTheTableWithThePrimaryKeyOfPkMode) {
  sink_env env;
  env.create_topic("orders");
  auto key = make_schema({field("region", tk::string, false), field("id", tk::int64, false)});
  auto val = make_schema({field("item", tk::string, false), field("qty", tk::int32)});
  env.produce("orders", {record(connect_json(*key, {str("eu"), num(1)}),
                                connect_json(*val, {str("apple"), null()}))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  EXPECT_EQ(env.rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                     "WHERE table_name = 'orders' ORDER BY ordinal_position"),
            "region|text|NO\nid|bigint|NO\nitem|text|NO\nqty|integer|YES");
  EXPECT_EQ(env.scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                       "'orders'::regclass AND contype = 'p'"),
            "PRIMARY KEY (region, id)");
}

TEST(SinkTables, MissingTableWithoutAutoCreateStopsNamingAutoCreate) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, envelope(id_field, R"({"id":1})"))});
  auto c = env.start({{"topics", "orders"}});
  auto f = sink_env::wait_failure(*c);
  ASSERT_TRUE(f) << "the connector did not fail";
  EXPECT_NE(f->why.find("orders"), std::string::npos) << render(*f);
  EXPECT_NE(f->fix.find("auto.create"), std::string::npos) << render(*f);
}

TEST(SinkTables, AutoEvolveAddsAnOptionalColumnAndARequiredOneWithADefault) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, envelope(id_field + "," + qty_field, R"({"id":1,"qty":5})"))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"auto.evolve", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  const std::string v2 =
      id_field + "," + qty_field + R"(,{"field":"note","type":"string","optional":true})" +
      R"(,{"field":"status","type":"string","optional":false,"default":"new"})";
  env.produce("orders", {record(std::nullopt, envelope(v2, R"({"id":2,"qty":6,"note":"hi","status":"paid"})"))});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  EXPECT_EQ(env.rows("SELECT column_name, is_nullable, coalesce(column_default, '-') FROM "
                     "information_schema.columns WHERE table_name = 'orders' ORDER BY "
                     "ordinal_position"),
            "id|NO|-\nqty|YES|-\nnote|YES|-\nstatus|NO|'new'::text");
  EXPECT_EQ(env.rows("SELECT id, qty, note, status FROM orders ORDER BY id"),
            "1|5|NULL|new\n2|6|hi|paid");
}

TEST(SinkTables, RequiredNewFieldWithoutDefaultStopsNamingTableColumnAndFix) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, envelope(id_field, R"({"id":1})"))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"auto.evolve", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  const std::string v2 = id_field + R"(,{"field":"must","type":"int32","optional":false})";
  env.produce("orders", {record(std::nullopt, envelope(v2, R"({"id":2,"must":7})"))});
  auto f = sink_env::wait_failure(*c);
  ASSERT_TRUE(f) << "the connector did not fail";
  auto text = render(*f);
  EXPECT_NE(text.find("orders"), std::string::npos) << text;        // the table
  EXPECT_NE(f->why.find("\"must\""), std::string::npos) << text;    // the column
  EXPECT_NE(f->fix.find("optional"), std::string::npos) << text;    // the fix
  EXPECT_NE(f->fix.find("default"), std::string::npos) << text;
  EXPECT_EQ(env.rows("SELECT id FROM orders"), "1");
  EXPECT_EQ(env.scalar(offsets("orders")), "1");
  EXPECT_EQ(env.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'must'"),
            "0");
}

TEST(SinkTables, TypeChangeStopsNamingBothTypes) {
  sink_env env;
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, envelope(id_field + "," + qty_field, R"({"id":1,"qty":5})"))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"auto.evolve", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "1", c.get()));
  const std::string v2 = id_field + R"(,{"field":"qty","type":"boolean","optional":true})";
  env.produce("orders", {record(std::nullopt, envelope(v2, R"({"id":2,"qty":true})"))});
  auto f = sink_env::wait_failure(*c);
  ASSERT_TRUE(f) << "the connector did not fail";
  auto text = render(*f);
  EXPECT_NE(text.find("boolean"), std::string::npos) << text;
  EXPECT_NE(text.find("integer"), std::string::npos) << text;
  EXPECT_NE(text.find("qty"), std::string::npos) << text;
  EXPECT_NE(text.find("orders"), std::string::npos) << text;
  // The fix: change the column's type by hand (auto.evolve never changes one).
  EXPECT_NE(f->fix.find("change the column type"), std::string::npos) << text;
  EXPECT_NE(f->fix.find("ALTER COLUMN"), std::string::npos) << text;
  EXPECT_EQ(env.rows("SELECT id, qty FROM orders"), "1|5");
  EXPECT_EQ(env.scalar("SELECT data_type FROM information_schema.columns WHERE column_name = 'qty'"),
            "integer");
}

// Column names that need quoting, a reserved word, unicode, a quote and an injection attempt.
const std::string odd_fields =
    R"({"field":"Customer Id","type":"int64","optional":false},)"
    R"({"field":"order","type":"string","optional":true},)"
    R"({"field":"Gr\u00f6\u00dfe","type":"int32","optional":true},)"
    R"({"field":"say \"hi\"","type":"string","optional":true},)"
    R"({"field":"x\"; DROP TABLE victim; --","type":"string","optional":true})";
std::string odd_key(int id) {
  return fmt::format(R"({{"schema":{{"type":"struct","optional":false,"fields":[{{"field":"Customer Id","type":"int64","optional":false}}]}},"payload":{{"Customer Id":{}}}}})",
                     id);
}
std::string odd_value(int id, const std::string& order) {
  return envelope(odd_fields, fmt::format(R"({{"Customer Id":{},"order":"{}","Gr\u00f6\u00dfe":{},)"
                                          R"("say \"hi\"":"q'uote","x\"; DROP TABLE victim; --":"v"}})",
                                          id, order, id * 10));
}

TEST(SinkTables, MixedCaseReservedAndOddColumnNamesKeepTheirExactNames) {
  sink_env env;
  env.exec("CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)");
  env.create_topic("OrderLines");
  env.create_topic("order");
  env.produce("OrderLines", {record(odd_key(1), odd_value(1, "a")), record(odd_key(2), odd_value(2, "b"))});
  env.produce("order", {record(odd_key(3), odd_value(3, "c"))});
  auto c = env.start({{"topics", "OrderLines,order"}, {"auto.create", "true"},
                      {"insert.mode", "upsert"}, {"pk.mode", "record_key"}, {"delete.enabled", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM \"OrderLines\"", "2", c.get()));
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM \"order\"", "1", c.get()));
  // Upserts and deletes go through ON CONFLICT and key joins on the same names.
  env.produce("OrderLines", {record(odd_key(1), odd_value(1, "z")), record(odd_key(2), std::nullopt)});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM \"OrderLines\"", "1", c.get()));
  EXPECT_EQ(env.rows("SELECT \"Customer Id\", \"order\", \"Gr\xc3\xb6\xc3\x9f" "e\", \"say \"\"hi\"\"\", "
                     "\"x\"\"; DROP TABLE victim; --\" FROM \"OrderLines\""),
            "1|z|10|q'uote|v");
  EXPECT_EQ(env.rows("SELECT column_name FROM information_schema.columns WHERE table_name = "
                     "'OrderLines' ORDER BY ordinal_position"),
            "Customer Id\norder\nGr\xc3\xb6\xc3\x9f" "e\nsay \"hi\"\nx\"; DROP TABLE victim; --");
  EXPECT_EQ(env.rows("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                     "'public'::regnamespace ORDER BY relname COLLATE \"C\""),
            "OrderLines\norder\nsluice_offsets\nvictim");
  EXPECT_EQ(env.scalar("SELECT count(*) FROM victim"), "1");
}

TEST(SinkTables, TableNamesWithQuotesSemicolonsAndUnicodeAreUsedAsGiven) {
  sink_env env;
  env.exec("CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)");
  env.create_topic("OrderLines");
  env.produce("OrderLines", {record(odd_key(1), odd_value(1, "a"))});
  const std::string table = "T\xc3\xa4" "b \"q\"; DROP TABLE victim; -- ${topic}";
  auto c = env.start({{"topics", "OrderLines"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"table.name.format", table}});
  const std::string quoted = "\"T\xc3\xa4" "b \"\"q\"\"; DROP TABLE victim; -- OrderLines\"";
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM " + quoted, "1", c.get()));
  env.produce("OrderLines", {record(odd_key(1), odd_value(1, "b"))});
  ASSERT_TRUE(env.eventually("SELECT \"order\" FROM " + quoted, "b", c.get()));
  EXPECT_EQ(env.scalar("SELECT count(*) FROM victim"), "1");
}

TEST(SinkTables, QuoteNeverFoldsNamesToLowerCaseAsPostgresDoes) {
  sink_env env;
  env.create_topic("FoldMe");
  auto key = make_schema({field("ID", tk::int64, false)});
  auto val = make_schema({field("SomeField", tk::string)});
  env.produce("FoldMe", {record(connect_json(*key, {num(1)}), connect_json(*val, {str("a")}))});
  auto c = env.start({{"topics", "FoldMe"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"quote.sql.identifiers", "never"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM FoldMe", "1", c.get()));
  env.produce("FoldMe", {record(connect_json(*key, {num(1)}), connect_json(*val, {str("b")})),
                         record(connect_json(*key, {num(2)}), connect_json(*val, {str("c")}))});
  ASSERT_TRUE(env.eventually(offsets("FoldMe"), "3", c.get()));
  EXPECT_EQ(env.rows("SELECT id, somefield FROM foldme ORDER BY id"), "1|b\n2|c");
  EXPECT_EQ(env.rows("SELECT column_name FROM information_schema.columns WHERE table_name = "
                     "'foldme' ORDER BY ordinal_position"),
            "id\nsomefield");
  EXPECT_EQ(env.scalar("SELECT count(*) FROM pg_class WHERE relname = 'FoldMe'"), "0");
}

}  // namespace
}  // namespace sluice::testing
