// Values of every Connect type written by the sink and read back by the database itself, on
// every backend: into columns the sink creates (auto.create), and as text into typed columns the
// user created (schemaless producers send dates, numbers and booleans as strings).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;
using lk = logical_kind;

// 2024-02-29T13:05:09.123Z (Connect's Timestamp carries milliseconds)
constexpr std::int64_t ts_micros = 1709211909123000;
constexpr std::int32_t day = 19782;  // 2024-02-29
constexpr std::int64_t time_micros = (13 * 3600 + 5 * 60 + 9) * 1000000LL + 123000;

class SinkTypes : public ::testing::TestWithParam<backend> {
 protected:
  // The database's own rendering of an expression, per backend.
  std::string sql_timestamp(const world& w, const std::string& col) const {
    switch (w.kind()) {
      case backend_kind::mariadb: return fmt::format("DATE_FORMAT({}, '%Y-%m-%d %H:%i:%s.%f')", col);
      case backend_kind::sqlite: return col;
      default: return fmt::format("to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", col);
    }
  }
  std::string sql_hex(const world& w, const std::string& col) const {
    return w.is_postgres() ? fmt::format("encode({}, 'hex')", col) : fmt::format("LOWER(HEX({}))", col);
  }
};

TEST_P(SinkTypes, EveryConnectTypeRoundTripsAndTextIsParsedIntoTypedColumns) {
  world w(GetParam());
  w.create_topic("typed");
  auto s = make_schema({field("id", tk::int64, false), field("i8", tk::int8), field("i16", tk::int16),
                        field("i32", tk::int32), field("f32", tk::float32), field("f64", tk::float64),
                        field("flag", tk::boolean), field("name", tk::string), field("raw", tk::bytes),
                        field("amount", tk::bytes, true, lk::decimal, 2), field("day", tk::int32, true, lk::date),
                        field("at", tk::int32, true, lk::time), field("ts", tk::int64, true, lk::timestamp),
                        field("missing", tk::string)});
  const std::string text = "\xC3\xBC\xF0\x9F\x99\x82 'q' \"d\" \\ ;";  // ü🙂 'q' "d" \ ;
  w.produce("typed", {record(int64_key(1),
                             connect_json(*s, {num(1), num(-128), num(-32768), num(2147483647), value{1.5},
                                               value{0.1}, value{true}, str(text),
                                               value{bytes_value{std::string("\0\x01\xFF", 3)}},
                                               value{decimal_value{"-1234567", 2}}, value{date_value{day}},
                                               value{time_value{time_micros}}, value{timestamp_value{ts_micros}},
                                               null()})),
                      record(int64_key(2), connect_json(*s, {num(2), null(), null(), null(), null(), null(),
                                                             value{false}, null(), null(), null(), null(), null(),
                                                             null(), null()}))});

  // Text into typed columns the user created; text that does not parse is a record error.
  w.create_topic("texts");
  w.create_topic("dlq");
  const std::string ts_type = w.kind() == backend_kind::mariadb ? "DATETIME(6)"
                              : w.is_postgres()                 ? "TIMESTAMPTZ"
                                                                : "DATETIME";
  const std::string bool_type = w.kind() == backend_kind::mariadb ? "TINYINT(1)" : "BOOLEAN";
  w.exec(fmt::format("CREATE TABLE texts (id BIGINT NOT NULL PRIMARY KEY, n INT, d DATE, ts {}, b {}, "
                     "x DECIMAL(10,3))",
                     ts_type, bool_type));
  auto st = make_schema({field("id", tk::int64, false), field("n", tk::string), field("d", tk::string),
                         field("ts", tk::string), field("b", tk::string), field("x", tk::string)});
  w.produce("texts", {record(std::nullopt, connect_json(*st, {num(1), str("42"), str("2024-02-29"),
                                                              str("2024-02-29T15:05:09.5+02:00"), str("yes"),
                                                              str("3.25")})),
                      record(std::nullopt, connect_json(*st, {num(2), str("forty-two"), null(), null(), null(), null()})),
                      record(std::nullopt, connect_json(*st, {num(3), null(), str("Feb 29"), null(), null(), null()})),
                      record(std::nullopt, connect_json(*st, {num(4), null(), null(), null(), str("maybe"), null()}))});
  auto started = w.start_together(
      {{"sink", {{"topics", "typed"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                 {"pk.mode", "record_key"}, {"pk.fields", "id"}}},
       {"texts", {{"topics", "texts"}, {"pk.mode", "record_value"}, {"pk.fields", "id"},
                  {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq"},
                  {"errors.deadletterqueue.topic.replication.factor", "1"}}}});
  auto* c = started[0].get();
  auto* c2 = started[1].get();
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM typed", "2", c));
  auto one = [&](const std::string& expr) { return w.scalar("SELECT " + expr + " FROM typed WHERE id = 1"); };
  EXPECT_EQ(one("i8"), "-128");
  EXPECT_EQ(one("i16"), "-32768");
  EXPECT_EQ(one("i32"), "2147483647");
  EXPECT_EQ(one("f32"), "1.5");
  EXPECT_EQ(one("f64"), "0.1");
  EXPECT_EQ(one("flag"), w.is_postgres() ? "t" : "1");
  EXPECT_EQ(one("name"), text);
  EXPECT_EQ(one(sql_hex(w, "raw")), "0001ff");
  EXPECT_EQ(one("amount"), "-12345.67");
  EXPECT_EQ(one("day"), "2024-02-29");
  EXPECT_EQ(one("at"), w.is_postgres() ? "13:05:09.123" : "13:05:09.123000");
  EXPECT_EQ(one(sql_timestamp(w, "ts")), "2024-02-29 13:05:09.123000");
  EXPECT_EQ(one("missing"), "NULL");
  EXPECT_EQ(w.scalar("SELECT flag FROM typed WHERE id = 2"), w.is_postgres() ? "f" : "0");
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM typed WHERE id = 2 AND i8 IS NULL AND name IS NULL AND ts IS NULL"), "1");

  ASSERT_TRUE(w.eventually("SELECT next_offset FROM sluice_offsets WHERE connector = 'texts'", "4", c2));
  EXPECT_EQ(w.rows("SELECT id, n, d FROM texts ORDER BY id"), "1|42|2024-02-29");
  EXPECT_EQ(w.scalar("SELECT " + sql_timestamp(w, "ts") + " FROM texts"), "2024-02-29 13:05:09.500000");
  EXPECT_EQ(w.scalar("SELECT b FROM texts"), w.is_postgres() ? "t" : "1");
  EXPECT_EQ(w.scalar("SELECT x FROM texts"), w.kind() == backend_kind::sqlite ? "3.25" : "3.250");
  EXPECT_EQ(sluice::testing::read_topic(w.bootstrap(), "dlq", 3, 10s).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkTypes, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
