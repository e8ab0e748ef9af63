// What comes in: Connect's JSON envelope with every type (compared value for value as the
// database prints it), schemaless JSON into an existing table, and Debezium change events.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

// Written by hand as Kafka Connect's JsonConverter writes it (not by sluice's encoder), so the
// sink is checked against the format itself.
const std::string all_types_schema =
    R"({"type":"struct","optional":false,"name":"shop.AllTypes","fields":[)"
    R"({"field":"id","type":"int32","optional":false},)"
    R"({"field":"i8","type":"int8","optional":true},)"
    R"({"field":"i16","type":"int16","optional":true},)"
    R"({"field":"i32","type":"int32","optional":true},)"
    R"({"field":"i64","type":"int64","optional":true},)"
    R"({"field":"f32","type":"float","optional":true},)"
    R"({"field":"f64","type":"double","optional":true},)"
    R"({"field":"flag","type":"boolean","optional":true},)"
    R"({"field":"txt","type":"string","optional":true},)"
    R"({"field":"raw","type":"bytes","optional":true},)"
    R"({"field":"price","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},)"
    R"({"field":"big","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"5"}},)"
    R"({"field":"negbig","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"3"}},)"
    R"({"field":"day","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},)"
    R"({"field":"tod","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1},)"
    R"({"field":"at","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1},)"
    R"({"field":"micro","type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1},)"
    R"({"field":"nothing","type":"int32","optional":true}]})";

std::string all_types(const std::string& payload) {
  return R"({"schema":)" + all_types_schema + R"(,"payload":)" + payload + "}";
}

TEST(SinkFormats, ConnectEnvelopeWritesEveryTypeExactlyIntoAnAutoCreatedTable) {
  sink_env env;
  env.create_topic("types");
  // price -12345.67 = 7Sl5; big 123456789012345678901234567890.12345 (35 digits);
  // negbig -98765432109876543210987654321.123; day 2024-02-29 = 19782;
  // tod 13:45:30.123; at 2024-02-29T13:45:30.123Z; micro 2024-02-29T13:45:30.123456Z.
  const std::string row1 =
      R"({"id":1,"i8":-128,"i16":32767,"i32":-2147483648,"i64":9223372036854775807,)"
      R"("f32":1.5,"f64":3.141592653589793,"flag":true,"txt":"h\u00e9llo \"w\"\\ ;",)"
      R"("raw":"AP9B","price":"7Sl5","big":"AmCwX/vn/LEXoCTx4t95",)"
      R"("negbig":"+yFnrV5IHNnZzg52bB0=","day":19782,"tod":49530123,"at":1709214330123,)"
      R"("micro":1709214330123456,"nothing":null})";
  // Edges: the other ends of the integer ranges, empty text and bytes, tiny decimals, a date
  // before 1970, midnight, a timestamp just before the epoch, the epoch.
  const std::string row2 =
      R"({"id":2,"i8":127,"i16":-32768,"i32":0,"i64":-9223372036854775808,)"
      R"("f32":-0.25,"f64":1e-300,"flag":false,"txt":"","raw":"","price":"AQ==",)"
      R"("big":"/w==","negbig":"AA==","day":-25567,"tod":0,"at":-1,"micro":0})";
  env.produce("types", {record(std::nullopt, all_types(row1)), record(std::nullopt, all_types(row2))});
  auto c = env.start({{"topics", "types"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM types", "2", c.get()));
  const std::string cols =
      "i8::text, i16::text, i32::text, i64::text, f32::text, f64::text, flag::text, txt, "
      "raw::text, price::text, big::text, negbig::text, day::text, tod::text, at::text, "
      "micro::text, nothing::text";
  auto r = env.query("SELECT " + cols + " FROM types ORDER BY id");
  ASSERT_EQ(r.size(), 2u);
  const std::vector<std::optional<std::string>> want1 = {
      "-128", "32767", "-2147483648", "9223372036854775807", "1.5", "3.141592653589793", "true",
      "h\xc3\xa9llo \"w\"\\ ;", "\\x00ff41", "-12345.67", "123456789012345678901234567890.12345",
      "-98765432109876543210987654321.123", "2024-02-29", "13:45:30.123",
      "2024-02-29 13:45:30.123+00", "2024-02-29 13:45:30.123456+00", std::nullopt};
  const std::vector<std::optional<std::string>> want2 = {
      "127", "-32768", "0", "-9223372036854775808", "-0.25", "1e-300", "false", "", "\\x",
      "0.01", "-0.00001", "0.000", "1900-01-01", "00:00:00", "1969-12-31 23:59:59.999+00",
      "1970-01-01 00:00:00+00", std::nullopt};
  for (std::size_t i = 0; i < want1.size(); ++i) {
    EXPECT_EQ(r[0][i], want1[i]) << "row 1 column " << i;
    EXPECT_EQ(r[1][i], want2[i]) << "row 2 column " << i;
  }
  EXPECT_EQ(env.rows("SELECT column_name || ' ' || data_type FROM information_schema.columns "
                     "WHERE table_name = 'types' AND column_name IN ('i8', 'i64', 'f32', 'raw', "
                     "'price', 'day', 'tod', 'at', 'micro') ORDER BY ordinal_position"),
            "i8 smallint\ni64 bigint\nf32 real\nraw bytea\nprice numeric\nday date\n"
            "tod time without time zone\nat timestamp with time zone\n"
            "micro timestamp with time zone");
}

TEST(SinkFormats, SchemalessJsonTakesItsTypesFromTheExistingTable) {
  sink_env env;
  env.exec("CREATE TABLE events (id bigint, name text, price numeric(10,2), qty integer, "
           "ratio double precision, at timestamptz, day date, ok boolean, attrs jsonb)");
  env.create_topic("events");
  // Numbers into numeric/integer/double, text into timestamptz/date, an object into jsonb; a
  // record with fewer fields leaves the others NULL.
  env.produce("events", {record(std::nullopt,
                                R"({"id":1,"name":"caf\u00e9","price":12.5,"qty":3,"ratio":0.25,)"
                                R"("at":"2024-05-06T07:08:09Z","day":"2024-05-06","ok":true,)"
                                R"("attrs":{"color":"red","sizes":[1,2]}})"),
                         record(std::nullopt, R"({"id":2,"name":null,"qty":-7,"ok":false})")});
  auto c = env.start({{"topics", "events"}, {"value.converter.schemas.enable", "false"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM events", "2", c.get()));
  EXPECT_EQ(env.rows("SELECT id, name, price::text, qty, ratio, at::text, day::text, ok, "
                     "attrs::text FROM events ORDER BY id"),
            "1|caf\xc3\xa9|12.50|3|0.25|2024-05-06 07:08:09+00|2024-05-06|t|"
            "{\"color\": \"red\", \"sizes\": [1, 2]}\n"
            "2|NULL|NULL|-7|NULL|NULL|NULL|f|NULL");
}

// Debezium's envelope for a table orders(id int, amount numeric(10,2), created timestamp).
const std::string dbz_row_schema =
    R"({"type":"struct","optional":true,"name":"pg.public.orders.Value","fields":[)"
    R"({"field":"id","type":"int32","optional":false},)"
    R"({"field":"amount","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},)"
    R"({"field":"created","type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1}]})";

std::string dbz_schema() {
  std::string before = dbz_row_schema, after = dbz_row_schema;
  before.insert(1, R"("field":"before",)");
  after.insert(1, R"("field":"after",)");
  return R"({"type":"struct","optional":false,"name":"pg.public.orders.Envelope","fields":[)" +
         before + "," + after +
         R"(,{"field":"source","type":"struct","optional":false,"fields":[{"field":"db","type":"string","optional":false}]},)"
         R"({"field":"op","type":"string","optional":false},{"field":"ts_ms","type":"int64","optional":true}]})";
}

std::string dbz_key(int id, bool envelope) {
  auto p = fmt::format(R"({{"id":{}}})", id);
  return envelope ? R"({"schema":{"type":"struct","optional":false,"fields":[{"field":"id","type":"int32","optional":false}]},"payload":)" +
                        p + "}"
                  : p;
}

// amount as base64 of the unscaled value: 12345 = "MDk=" (123.45), 44100 = "AKxE" (441.00).
std::string dbz_row(int id, const std::string& amount_b64, std::int64_t created_us) {
  return fmt::format(R"({{"id":{},"amount":"{}","created":{}}})", id, amount_b64, created_us);
}

std::string dbz_event(const std::string& op, const std::string& before, const std::string& after,
                      bool envelope) {
  auto p = R"({"before":)" + before + R"(,"after":)" + after +
           R"(,"source":{"db":"shop"},"op":")" + op + R"(","ts_ms":1700000002000})";
  return envelope ? R"({"schema":)" + dbz_schema() + R"(,"payload":)" + p + "}" : p;
}

TEST(SinkFormats, DebeziumEnvelopeEventsCreateReadUpdateAndDeleteRows) {
  sink_env env;
  env.create_topic("orders");
  const auto r1 = dbz_row(1, "MDk=", 1700000000123456), r1b = dbz_row(1, "AKxE", 1700000001000000);
  const auto r2 = dbz_row(2, "AKxE", 1700000000000000), r3 = dbz_row(3, "MDk=", 1700000000000001);
  env.produce("orders", {record(dbz_key(1, true), dbz_event("r", "null", r1, true)),
                         record(dbz_key(2, true), dbz_event("c", "null", r2, true)),
                         record(dbz_key(3, true), dbz_event("c", "null", r3, true))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"delete.enabled", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "3", c.get()));
  // An update, then a delete followed by Debezium's tombstone of the same key.
  env.produce("orders", {record(dbz_key(1, true), dbz_event("u", r1, r1b, true)),
                         record(dbz_key(2, true), dbz_event("d", r2, "null", true)),
                         record(dbz_key(2, true), std::nullopt)});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  EXPECT_TRUE(env.eventually("SELECT amount::text FROM orders WHERE id = 1", "441.00", c.get()));
  EXPECT_EQ(env.rows("SELECT id, amount::text, created::text FROM orders ORDER BY id"),
            "1|441.00|2023-11-14 22:13:21+00\n3|123.45|2023-11-14 22:13:20.000001+00");
  EXPECT_EQ(env.rows("SELECT column_name FROM information_schema.columns WHERE table_name = "
                     "'orders' ORDER BY ordinal_position"),
            "id\namount\ncreated");
}

TEST(SinkFormats, DebeziumEventsWithoutEnvelopeUpsertAndDeleteBySchemalessKey) {
  sink_env env;
  env.exec("CREATE TABLE orders (id integer PRIMARY KEY, amount text, created bigint)");
  env.create_topic("orders");
  env.produce("orders",
              {record(dbz_key(1, false), dbz_event("c", "null", dbz_row(1, "a", 10), false)),
               record(dbz_key(2, false), dbz_event("r", "null", dbz_row(2, "b", 20), false)),
               record(dbz_key(1, false), dbz_event("u", dbz_row(1, "a", 10), dbz_row(1, "c", 11), false)),
               record(dbz_key(2, false), dbz_event("d", dbz_row(2, "b", 20), "null", false))});
  auto c = env.start({{"topics", "orders"}, {"insert.mode", "upsert"}, {"pk.mode", "record_key"},
                      {"pk.fields", "id"}, {"delete.enabled", "true"},
                      {"key.converter.schemas.enable", "false"},
                      {"value.converter.schemas.enable", "false"}});
  ASSERT_TRUE(env.eventually(
      "SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'", "4", c.get()));
  EXPECT_EQ(env.rows("SELECT id, amount, created FROM orders ORDER BY id"), "1|c|11");
}

TEST(SinkFormats, DebeziumTruncateEmptiesTheTableWhenTruncateEnabled) {
  sink_env env;
  env.create_topic("orders");
  const auto r1 = dbz_row(1, "MDk=", 1), r2 = dbz_row(2, "MDk=", 2), r3 = dbz_row(3, "AKxE", 3);
  env.produce("orders", {record(dbz_key(1, true), dbz_event("c", "null", r1, true)),
                         record(dbz_key(2, true), dbz_event("c", "null", r2, true))});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                      {"pk.mode", "record_key"}, {"delete.enabled", "true"},
                      {"truncate.enabled", "true"}});
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM orders", "2", c.get()));
  // A truncate, then a new row, in one stream: only the new row stays.
  env.produce("orders", {record(std::nullopt, dbz_event("t", "null", "null", true)),
                         record(dbz_key(3, true), dbz_event("c", "null", r3, true))});
  ASSERT_TRUE(env.eventually("SELECT string_agg(id::text, ',') FROM orders", "3", c.get()));
  // A truncate alone in its batch also empties the table.
  env.produce("orders", {record(std::nullopt, dbz_event("t", "null", "null", true))});
  EXPECT_TRUE(env.eventually("SELECT count(*) FROM orders", "0", c.get()));
}

}  // namespace
}  // namespace sluice::testing
