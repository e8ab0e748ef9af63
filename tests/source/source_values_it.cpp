// Every column type, PostgreSQL → source → Kafka → the project's record converter (what the sink
// reads), compared value for value: NULLs, numeric precision, microseconds, bytea, UTF-8.
#include <gtest/gtest.h>

#include "tests/source/source_test_util.hpp"

namespace sluice::source::testing {
namespace {

class SourceValues : public source_test {
 protected:
  static constexpr const char* all_types = R"(
CREATE TABLE everything (
  id bigserial PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
  amount numeric(20,6), anynum numeric, flag boolean,
  t text, vc varchar(10), ch char(3), blob bytea,
  d date, tm time, ts timestamp, tstz timestamptz,
  j json, jb jsonb, u uuid, iv interval);
INSERT INTO everything (i2, i4, i8, f4, f8, amount, anynum, flag, t, vc, ch, blob, d, tm, ts, tstz, j, jb, u, iv)
VALUES (32767, -2147483648, 9223372036854775807, 1.5, 0.1, '12345678901234.123456',
        '3.14159265358979323846264338327950288', true, 'héllo ✓ 😀 "q" \ end', 'abc', 'ab',
        '\x00ff10', '2024-02-29', '13:05:09.123456', '2024-02-29 13:05:09.123456',
        '2024-02-29 13:05:09.123456+02', '{"a": [1, 2]}', '{"b": null}',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04');
INSERT INTO everything (id) VALUES (DEFAULT);
INSERT INTO everything (i2, amount, f8, d, tstz, t, blob)
VALUES (-32768, '-0.000001', -1e-300, '1969-12-31', '1969-12-31 23:59:59.999999+00', '', '');
)";
};

TEST_F(SourceValues, EveryColumnTypeRoundTripsLosslessly) {
  sql(all_types);
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "everything";
  start(cfg);
  auto rs = published("everything", 3);
  ASSERT_EQ(rs.size(), 3u);
  const auto& a = rs[0];
  EXPECT_EQ(field(a, "i2"), value(std::int64_t{32767}));
  EXPECT_EQ(field(a, "i4"), value(std::int64_t{-2147483648LL}));
  EXPECT_EQ(field(a, "i8"), value(std::int64_t{9223372036854775807LL}));
  EXPECT_EQ(field(a, "f4"), value(1.5));
  EXPECT_EQ(field(a, "f8"), value(0.1));
  EXPECT_EQ(field(a, "amount"), value(decimal_value{"12345678901234123456", 6}));
  EXPECT_EQ(field(a, "anynum"), value(std::string("3.14159265358979323846264338327950288")));
  EXPECT_EQ(field(a, "flag"), value(true));
  EXPECT_EQ(field(a, "t"), value(std::string("héllo ✓ 😀 \"q\" \\ end")));
  EXPECT_EQ(field(a, "vc"), value(std::string("abc")));
  EXPECT_EQ(field(a, "ch"), value(std::string("ab ")));
  EXPECT_EQ(field(a, "blob"), value(bytes_value{std::string("\x00\xff\x10", 3)}));
  EXPECT_EQ(field(a, "d"), value(date_value{19782}));
  EXPECT_EQ(field(a, "tm"), value(time_value{47109123456}));
  EXPECT_EQ(field(a, "ts"), value(timestamp_value{1709211909123456}));
  EXPECT_EQ(field(a, "tstz"), value(timestamp_value{1709211909123456 - 7200000000LL}));
  EXPECT_EQ(field(a, "j"), value(std::string("{\"a\": [1, 2]}")));
  EXPECT_EQ(field(a, "jb"), value(std::string("{\"b\": null}")));
  EXPECT_EQ(field(a, "u"), value(std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));
  EXPECT_EQ(field(a, "iv"), value(std::string("1 day 02:03:04")));

  const auto& nulls = rs[1];
  for (const auto& f : nulls.value_schema->fields)
    if (f.name != "id") {
      EXPECT_TRUE(is_null(field(nulls, f.name))) << f.name;
    }

  const auto& edge = rs[2];
  EXPECT_EQ(field(edge, "i2"), value(std::int64_t{-32768}));
  EXPECT_EQ(field(edge, "amount"), value(decimal_value{"-1", 6}));
  EXPECT_EQ(field(edge, "f8"), value(-1e-300));
  EXPECT_EQ(field(edge, "d"), value(date_value{-1}));
  EXPECT_EQ(field(edge, "tstz"), value(timestamp_value{-1}));
  EXPECT_EQ(field(edge, "t"), value(std::string()));
  EXPECT_EQ(field(edge, "blob"), value(bytes_value{}));

  // The schema says what the sink needs to recreate the columns.
  const auto& s = *a.value_schema;
  EXPECT_EQ(s.fields[static_cast<std::size_t>(s.index_of("tstz"))].logical, logical_kind::micro_timestamp);
  EXPECT_EQ(s.fields[static_cast<std::size_t>(s.index_of("amount"))].scale, 6);
  EXPECT_EQ(s.fields[static_cast<std::size_t>(s.index_of("i8"))].optional, true);
  EXPECT_EQ(s.fields[static_cast<std::size_t>(s.index_of("id"))].optional, false);
}

TEST_F(SourceValues, ConnectLogicalTimestampsAreMillisecondsAndNanosLongIsExact) {
  sql("CREATE TABLE tt (id bigserial PRIMARY KEY, at timestamptz, clock time);"
      "INSERT INTO tt (at, clock) VALUES ('2024-02-29 13:05:09.123456+00', '00:00:01.000999')");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "tt";
  cfg["timestamp.granularity"] = "connect_logical";
  start(cfg);
  auto ms = published("tt", 1);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(field(ms[0], "at"), value(timestamp_value{1709211909123000}));
  EXPECT_EQ(field(ms[0], "clock"), value(time_value{1000000}));
  stop_all();

  auto nanos = base("incrementing");
  nanos["name"] = prefix_ + "nanos";
  nanos["topic.prefix"] = prefix_ + "n-";
  nanos["table.whitelist"] = "tt";
  nanos["timestamp.granularity"] = "nanos_long";
  start(nanos);
  auto ns = published("n-tt", 1);
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(field(ns[0], "at"), value(std::int64_t{1709211909123456000}));
}

TEST_F(SourceValues, TimestampWithoutTimeZoneIsWallClockTimeInDbTimezone) {
  sql("CREATE TABLE local_times (id bigserial PRIMARY KEY, at timestamp NOT NULL);"
      "INSERT INTO local_times (at) VALUES ('2024-07-01 12:00:00')");
  auto cfg = base("timestamp");
  cfg["table.whitelist"] = "local_times";
  cfg["timestamp.column.name"] = "at";
  cfg["db.timezone"] = "Europe/Paris";
  start(cfg);
  auto rs = published("local_times", 1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(field(rs[0], "at"), value(timestamp_value{1719828000LL * 1000000}));  // 10:00 UTC
}

TEST_F(SourceValues, SchemalessValuesWhenSchemasAreDisabled) {
  sql("CREATE TABLE plain (id bigserial PRIMARY KEY, name text); INSERT INTO plain (name) VALUES ('x')");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "plain";
  cfg["value.converter.schemas.enable"] = "false";
  cfg["key.converter.schemas.enable"] = "false";
  start(cfg);
  topic_reader r(broker().bootstrap_servers(), prefix_ + "plain");
  r.wait_for(1, 10s);
  const auto& ms = r.drain();
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(*ms[0].value, R"({"id":1,"name":"x"})");
  EXPECT_EQ(*ms[0].key, R"({"id":1})");
}

}  // namespace
}  // namespace sluice::source::testing
