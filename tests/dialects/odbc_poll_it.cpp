// The polling statements run against each real database: the rows each mode returns, their
// order, and the database clock the timestamp bound comes from.
#include <gtest/gtest.h>

#include "dialects/odbc/poll_sql.hpp"
#include "dialects/postgres/text_values.hpp"
#include "tests/dialects/odbc_backends.hpp"

namespace sluice::odbc {
namespace {

using namespace testing;

class OdbcPoll : public ::testing::TestWithParam<odbc_backend> {
 protected:
  void SetUp() override {
    c_ = connect(GetParam(), fresh_database(GetParam()));
    d_ = make_dialect(GetParam().family);
    d_->adapt(*c_);
    const std::string ts = GetParam().family == config::dialect::mysql ? "DATETIME(6)"
                           : GetParam().family == config::dialect::postgresql ? "TIMESTAMP" : "DATETIME";
    c_->exec("CREATE TABLE " + d_->quote("Events", "table") + " (id BIGINT NOT NULL PRIMARY KEY, at " + ts +
             ", v VARCHAR(10))");
    // ids out of timestamp order; two rows share a timestamp.
    for (auto [id, at, v] : std::vector<std::tuple<int, const char*, const char*>>{
             {1, "2024-01-01 00:00:03", "a"}, {2, "2024-01-01 00:00:01", "b"}, {3, "2024-01-01 00:00:02", "c"},
             {4, "2024-01-01 00:00:02", "d"}, {5, "2024-01-01 00:00:05", "e"}})
      c_->exec("INSERT INTO " + d_->quote("Events", "table") + " (id, at, v) VALUES (?, ?, ?)",
               {std::to_string(id), at, v});
  }
  std::string ids(const text_query& q, std::size_t id_col) {
    std::string out;
    for (const auto& r : c_->query(q.sql, q.params)) out += (out.empty() ? "" : ",") + r[id_col].value_or("NULL");
    return out;
  }
  std::int64_t us(const char* text) { return pg::parse_timestamp(text)->value; }

  std::unique_ptr<connection> c_;
  std::unique_ptr<dialect> d_;
};

poll_spec events(poll_mode m) {
  return {.mode = m, .table = table_id{"", "Events"}, .columns = {"id", "v"}, .incrementing = "id",
          .timestamps = {"at"}};
}

TEST_P(OdbcPoll, IncrementingModeReadsTheWindowInIdOrder) {
  auto s = events(poll_mode::incrementing);
  EXPECT_EQ(c_->query(poll_max_id_sql(*d_, s))[0][0].value_or(""), "5");
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.upto_id = 3}), 0), "1,2,3");
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.after_id = 3, .upto_id = 5}), 0), "4,5");
}

TEST_P(OdbcPoll, TimestampModesReadInTimestampOrderAndBreakTiesById) {
  auto s = events(poll_mode::timestamp);
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.before_ts_us = us("2024-01-01 00:00:05")}), 0), "2,3,4,1");
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.after_ts_us = us("2024-01-01 00:00:02"),
                                       .before_ts_us = us("2024-01-01 00:00:09")}), 0),
            "1,5");
  auto ti = events(poll_mode::timestamp_incrementing);
  // After (00:00:02, id 3): id 4 shares the timestamp and comes next.
  EXPECT_EQ(ids(poll_rows_sql(*d_, ti, {.after_id = 3, .after_ts_us = us("2024-01-01 00:00:02"),
                                        .before_ts_us = us("2024-01-01 00:00:09")}),
                0),
            "4,1,5");
  // The tracked timestamp column reads back as a timestamp the offsets can hold.
  auto rows = c_->query(poll_rows_sql(*d_, ti, {.before_ts_us = us("2024-01-01 00:00:02")}).sql,
                        poll_rows_sql(*d_, ti, {.before_ts_us = us("2024-01-01 00:00:02")}).params);
  ASSERT_EQ(rows.size(), 1u);
  auto parsed = pg::parse_timestamp(rows[0][2].value_or(""));
  ASSERT_TRUE(parsed) << rows[0][2].value_or("NULL");
  EXPECT_EQ(parsed->value, us("2024-01-01 00:00:01"));
}

TEST_P(OdbcPoll, ACustomQueryIsPolledLikeATable) {
  auto s = events(poll_mode::incrementing);
  s.table.reset();
  s.columns.clear();
  s.query = "SELECT id, v FROM " + d_->quote("Events", "table") + " WHERE v <> 'c'";
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.after_id = 1, .upto_id = 4}), 0), "2,4");
  // Ending in a line comment, and with a common table expression (which every database here
  // takes inside the derived table): the same rows, and the same highest id.
  s.query += " -- not 'c'";
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.after_id = 1, .upto_id = 4}), 0), "2,4");
  s.query = "WITH e AS (SELECT id, v FROM " + d_->quote("Events", "table") + ")\nSELECT id, v FROM e WHERE v <> 'c'";
  EXPECT_EQ(ids(poll_rows_sql(*d_, s, {.after_id = 1, .upto_id = 4}), 0), "2,4");
  EXPECT_EQ(c_->query(poll_max_id_sql(*d_, s))[0][0].value_or(""), "5");
}

TEST_P(OdbcPoll, TheClockBoundIsTheDatabasesUtcNowMinusTheDelay) {
  const auto sql = poll_clock_sql(GetParam().family, std::chrono::milliseconds(60000));
  auto text = c_->query(sql)[0][0].value_or("");
  auto parsed = pg::parse_timestamp(text);
  ASSERT_TRUE(parsed) << text;
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(now - parsed->value) / 1e6, 60.0, 5.0) << text;
}

INSTANTIATE_TEST_SUITE_P(Backends, OdbcPoll, ::testing::ValuesIn(odbc_backends()), backend_name);

}  // namespace
}  // namespace sluice::odbc
