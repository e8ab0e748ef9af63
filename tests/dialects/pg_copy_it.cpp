#include <cmath>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "dialects/postgres/catalog.hpp"
#include "dialects/postgres/copy_encoder.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "tests/dialects/pg_test_db.hpp"

namespace sluice::pg {
namespace {

class PgCopy : public pg_test {
 protected:
  // Creates `table` with one column `v` of `sql_type`, COPYs `values` in binary (one row each,
  // with the row number in `n`), and returns v::text in row order.
  std::vector<std::string> round_trip(const std::string& table, const std::string& sql_type,
                                      const std::vector<value>& values) {
    auto c = connect();
    c->exec("CREATE TABLE " + quote_ident(table) + " (n int, v " + sql_type + ")");
    auto info = describe_table(*c, {"", table}, quoting::always);
    EXPECT_TRUE(info);
    copy_encoder enc({info->columns[0].type_oid, info->columns[1].type_oid}, {"n", "v"});
    enc.begin();
    std::vector<value> numbers;
    for (std::size_t i = 0; i < values.size(); ++i) numbers.emplace_back(static_cast<std::int64_t>(i));
    for (std::size_t i = 0; i < values.size(); ++i) enc.add_row({&numbers[i], &values[i]});
    enc.finish();
    EXPECT_EQ(c->copy_in("COPY " + quote_ident(table) + " (n, v) FROM STDIN (FORMAT binary)", enc.data()),
              values.size());
    result r = c->exec("SELECT v::text FROM " + quote_ident(table) + " ORDER BY n");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.is_null(i, 0) ? "NULL" : std::string(r.text(i, 0)));
    return out;
  }
  using strings = std::vector<std::string>;
};

TEST_F(PgCopy, IntegersRoundTripAtTheirLimits) {
  EXPECT_EQ(round_trip("i2", "smallint", {std::int64_t{-32768}, std::int64_t{32767}, std::string("12"), null_value{}}),
            (strings{"-32768", "32767", "12", "NULL"}));
  EXPECT_EQ(round_trip("i4", "integer", {std::int64_t{-2147483648LL}, std::int64_t{2147483647}, 42.0}),
            (strings{"-2147483648", "2147483647", "42"}));
  EXPECT_EQ(round_trip("i8", "bigint", {std::int64_t{INT64_MIN}, std::int64_t{INT64_MAX},
                                        decimal_value{"1200", 2}}),
            (strings{"-9223372036854775808", "9223372036854775807", "12"}));
}

TEST_F(PgCopy, FloatsRoundTripExactly) {
  EXPECT_EQ(round_trip("f4", "real", {1.5, -0.25, std::string("NaN"), std::int64_t{3}}),
            (strings{"1.5", "-0.25", "NaN", "3"}));
  EXPECT_EQ(round_trip("f8", "double precision",
                       {0.1, 1e300, -HUGE_VAL, std::string("2.5e-3"), decimal_value{"15", 1}}),
            (strings{"0.1", "1e+300", "-Infinity", "0.0025", "1.5"}));
}

TEST_F(PgCopy, BooleansRoundTrip) {
  EXPECT_EQ(round_trip("b", "boolean", {true, false, std::string("yes"), std::int64_t{0}}),
            (strings{"true", "false", "true", "false"}));
}

TEST_F(PgCopy, TextTypesRoundTripHostileText) {
  const std::string hostile = "Überweisung \"x\"; DROP TABLE y; -- \\N \t tab 'q' 😀";
  EXPECT_EQ(round_trip("tx", "text", {hostile, std::string(""), std::int64_t{-5}, true, decimal_value{"-5", 1}}),
            (strings{hostile, "", "-5", "true", "-0.5"}));
  EXPECT_EQ(round_trip("vc", "varchar(80)", {hostile}), (strings{hostile}));
  EXPECT_EQ(round_trip("bp", "char(3)", {std::string("ab")}), (strings{"ab"}));
  EXPECT_EQ(round_trip("nm", "name", {std::string("Überweisung")}), (strings{"Überweisung"}));
  EXPECT_EQ(round_trip("ts_text", "text", {timestamp_value{-1}, date_value{-1}, time_value{1}}),
            (strings{"1969-12-31T23:59:59.999999Z", "1969-12-31", "00:00:00.000001"}));
}

TEST_F(PgCopy, JsonAndJsonbRoundTrip) {
  EXPECT_EQ(round_trip("js", "json", {std::string("{\"a\": 1}"), std::int64_t{7}}),
            (strings{"{\"a\": 1}", "7"}));
  EXPECT_EQ(round_trip("jb", "jsonb", {std::string("{\"b\":[1,2],\"a\":null}"), 2.5, std::string("\"Ü\"")}),
            (strings{"{\"a\": null, \"b\": [1, 2]}", "2.5", "\"Ü\""}));
}

TEST_F(PgCopy, ByteaRoundTrips) {
  EXPECT_EQ(round_trip("by", "bytea", {bytes_value{std::string("\0\xff\\", 3)}, std::string("ab")}),
            (strings{"\\x00ff5c", "\\x6162"}));
}

TEST_F(PgCopy, NumericEdgeCasesRoundTripExactly) {
  EXPECT_EQ(round_trip("num", "numeric",
                       {decimal_value{"0", 0}, decimal_value{"0", 4}, decimal_value{"-5", 0},
                        decimal_value{"1", 4}, decimal_value{"-12345678901234567890123456789012", 2},
                        decimal_value{"99999999999999999999999999999999999999", 0},
                        decimal_value{"1", 30}, decimal_value{"123", -3}, decimal_value{"100000000", 4},
                        decimal_value{"99999999", 4}, decimal_value{"10001", 8}}),
            (strings{"0", "0.0000", "-5", "0.0001", "-123456789012345678901234567890.12",
                     "99999999999999999999999999999999999999", "0.000000000000000000000000000001",
                     "123000", "10000.0000", "9999.9999", "0.00010001"}));
  EXPECT_EQ(round_trip("num2", "numeric",
                       {std::int64_t{INT64_MIN}, 0.1, 1e20, std::string("NaN"), std::string("-Infinity"),
                        std::string("1.5e-3"), std::string(" +42.10 "), decimal_value{"1", 1000}}),
            (strings{"-9223372036854775808", "0.1", "100000000000000000000", "NaN", "-Infinity",
                     "0.0015", "42.10", "0." + std::string(999, '0') + "1"}));
}

TEST_F(PgCopy, NumericWithTypmodIsRoundedByTheServer) {
  EXPECT_EQ(round_trip("num_typmod", "numeric(12,2)", {decimal_value{"12345", 4}, std::string("-0.005")}),
            (strings{"1.23", "-0.01"}));
}

TEST_F(PgCopy, DatesRoundTripBefore2000And1970) {
  EXPECT_EQ(round_trip("dt", "date",
                       {date_value{0}, date_value{-1}, date_value{10956}, date_value{10957},
                        std::string("1899-12-31"), std::string("0001-01-01"), std::string("2024-02-29"),
                        std::string("infinity"), timestamp_value{86'400'000'000LL}}),
            (strings{"1970-01-01", "1969-12-31", "1999-12-31", "2000-01-01", "1899-12-31", "0001-01-01",
                     "2024-02-29", "infinity", "1970-01-02"}));
}

TEST_F(PgCopy, TimesRoundTrip) {
  EXPECT_EQ(round_trip("tm", "time",
                       {time_value{0}, time_value{(13 * 3600 + 5 * 60 + 9) * 1'000'000LL + 123},
                        std::string("23:59:59.999999"), std::string("24:00:00")}),
            (strings{"00:00:00", "13:05:09.000123", "23:59:59.999999", "24:00:00"}));
}

TEST_F(PgCopy, TimestampsRoundTripBefore2000And1970) {
  const std::vector<value> values = {
      timestamp_value{0}, timestamp_value{-1}, timestamp_value{-14'182'940'000'000LL} /* 1969-07-20 20:17:40 */,
      timestamp_value{946'684'799'999'999LL}, std::string("1900-01-01T00:00:00Z"),
      std::string("1999-12-31 23:30:00-01:00"), std::string("0001-01-01T00:00:00Z"), date_value{-1},
      std::string("-infinity")};
  EXPECT_EQ(round_trip("tstz", "timestamptz", values),
            (strings{"1970-01-01 00:00:00+00", "1969-12-31 23:59:59.999999+00", "1969-07-20 20:17:40+00",
                     "1999-12-31 23:59:59.999999+00", "1900-01-01 00:00:00+00", "2000-01-01 00:30:00+00",
                     "0001-01-01 00:00:00+00", "1969-12-31 00:00:00+00", "-infinity"}));
  EXPECT_EQ(round_trip("ts", "timestamp", values),
            (strings{"1970-01-01 00:00:00", "1969-12-31 23:59:59.999999", "1969-07-20 20:17:40",
                     "1999-12-31 23:59:59.999999", "1900-01-01 00:00:00", "2000-01-01 00:30:00",
                     "0001-01-01 00:00:00", "1969-12-31 00:00:00", "-infinity"}));
}

TEST_F(PgCopy, UuidsRoundTrip) {
  EXPECT_EQ(round_trip("uu", "uuid",
                       {std::string("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
                        bytes_value{std::string("\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78\x9a\xbc\xde\xf0", 16)}}),
            (strings{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "12345678-9abc-def0-1234-56789abcdef0"}));
}

TEST_F(PgCopy, DomainColumnsTakeTheirBaseTypesBinaryForm) {
  auto c = connect();
  c->exec("CREATE DOMAIN money_amount AS numeric(10,2)");
  EXPECT_EQ(round_trip("dom", "money_amount", {decimal_value{"1999", 2}}), (strings{"19.99"}));
}

TEST_F(PgCopy, RowsRejectedByTheEncoderAreSkippedAndTheRestLoads) {
  auto c = connect();
  c->exec("CREATE TABLE partial (id bigint, small smallint)");
  copy_encoder enc({oid::int8, oid::int2}, {"id", "small"});
  enc.begin();
  std::vector<value> ids = {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}};
  std::vector<value> smalls = {std::int64_t{1}, std::int64_t{70000}, std::string("3")};
  int rejected = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    try {
      enc.add_row({&ids[i], &smalls[i]});
    } catch (const sluice::error& e) {
      ++rejected;
      EXPECT_EQ(e.info().code, "22003");
      EXPECT_NE(std::string(e.what()).find("\"small\""), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("70000"), std::string::npos) << e.what();
    }
  }
  enc.finish();
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(c->copy_in("COPY partial FROM STDIN (FORMAT binary)", enc.data()), 2u);
  EXPECT_EQ(scalar(*c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM partial"), "1,3");
}

TEST_F(PgCopy, UniqueViolationDuringCopyIs23505) {
  auto c = connect();
  c->exec("CREATE TABLE copy_pk (id bigint PRIMARY KEY)");
  copy_encoder enc({oid::int8}, {"id"});
  enc.begin();
  value one = std::int64_t{1};
  enc.add_row({&one});
  enc.add_row({&one});
  enc.finish();
  try {
    c->copy_in("COPY copy_pk FROM STDIN (FORMAT binary)", enc.data());
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "23505") << e.what();
    EXPECT_NE(e.info().fix.find("insert.mode=upsert"), std::string::npos);
  }
  EXPECT_TRUE(c->reusable());
}

TEST_F(PgCopy, LargeBatchStreamsInChunks) {
  auto c = connect();
  c->exec("CREATE TABLE big (id bigint, payload text)");
  copy_encoder enc({oid::int8, oid::text}, {"id", "payload"});
  enc.begin();
  const value payload = std::string(1000, 'x');
  for (std::int64_t i = 0; i < 5000; ++i) {
    value id = i;
    enc.add_row({&id, &payload});
  }
  enc.finish();
  ASSERT_GT(enc.data().size(), 3u << 20);  // several 1 MiB chunks
  EXPECT_EQ(c->copy_in("COPY big FROM STDIN (FORMAT binary)", enc.data()), 5000u);
  EXPECT_EQ(scalar(*c, "SELECT sum(id) || '/' || sum(length(payload)) FROM big"), "12497500/5000000");
}

// What the sink does: encode a chunk, send it, encode the next, with a row rejected by the
// encoder between two chunks; the server sees one COPY of the good rows.
TEST_F(PgCopy, StreamSendsChunksWhileEncoding) {
  auto c = connect();
  c->exec("CREATE TABLE streamed (id bigint, small smallint)");
  copy_encoder enc({oid::int8, oid::int2}, {"id", "small"});
  enc.begin();
  copy_stream out(*c, "COPY streamed FROM STDIN (FORMAT binary)");
  int chunks = 0;
  for (std::int64_t i = 0; i < 3000; ++i) {
    value id = i;
    value small = i == 1500 ? std::int64_t{70000} : i % 100;
    try {
      enc.add_row({&id, &small});
    } catch (const sluice::error&) {
      continue;  // the row is left out; the buffer is as before it
    }
    if (enc.data().size() >= 4096) {
      out.send(enc.data());
      enc.consumed();
      ++chunks;
    }
  }
  enc.finish();
  out.send(enc.data());
  EXPECT_EQ(enc.rows(), 2999u);
  EXPECT_GT(chunks, 5);
  EXPECT_EQ(out.finish(), 2999u);
  EXPECT_EQ(scalar(*c, "SELECT count(*) || '/' || sum(id) FROM streamed"), "2999/4497000");  // 0 + … + 2999 without 1500
  EXPECT_TRUE(c->reusable());
}

// A producer that throws mid-stream: the COPY is aborted with the transaction, nothing of it
// stays, and the connection can roll back and go on.
TEST_F(PgCopy, StreamAbandonedMidwayRollsBack) {
  auto c = connect();
  c->exec("CREATE TABLE abandoned (id bigint)");
  c->exec("BEGIN");
  {
    copy_encoder enc({oid::int8}, {"id"});
    enc.begin();
    copy_stream out(*c, "COPY abandoned FROM STDIN (FORMAT binary)");
    value one = std::int64_t{1};
    enc.add_row({&one});
    out.send(enc.data());
    // destroyed without finish(), as when the encoding loop throws
  }
  EXPECT_FALSE(c->is_broken());
  EXPECT_TRUE(c->in_transaction_or_failed());
  c->exec("ROLLBACK");
  EXPECT_TRUE(c->reusable());
  EXPECT_EQ(scalar(*c, "SELECT count(*) FROM abandoned"), "0");
}

TEST_F(PgCopy, StreamRefusesAStatementThatIsNotACopy) {
  auto c = connect();
  try {
    copy_stream out(*c, "SELECT 1");
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_NE(std::string(e.what()).find("not a COPY"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(c->reusable());
}

}  // namespace
}  // namespace sluice::pg
