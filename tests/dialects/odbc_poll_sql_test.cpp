// The source's polling statements per dialect and mode, without a server.
#include <gtest/gtest.h>

#include "dialects/odbc/poll_sql.hpp"

namespace sluice::odbc {
namespace {

using config::dialect;

poll_spec spec(poll_mode m) {
  poll_spec s;
  s.mode = m;
  s.table = table_id{"", "Orders"};
  s.incrementing = "id";
  s.timestamps = {"updated_at"};
  return s;
}

TEST(OdbcPollSql, BulkSelectsEverythingUnordered) {
  auto d = make_dialect(dialect::mysql);
  auto q = poll_rows_sql(*d, spec(poll_mode::bulk), {});
  EXPECT_EQ(q.sql, "SELECT * FROM `Orders`");
  EXPECT_TRUE(q.params.empty());
}

TEST(OdbcPollSql, IncrementingReadsAboveTheLastIdUpToTheBoundInIdOrder) {
  auto d = make_dialect(dialect::generic);
  auto q = poll_rows_sql(*d, spec(poll_mode::incrementing), {.after_id = 41, .upto_id = 100});
  EXPECT_EQ(q.sql, "SELECT *, \"id\" FROM \"Orders\" WHERE \"id\" > ? AND \"id\" <= ? ORDER BY \"id\" ASC");
  EXPECT_EQ(q.params, (text_params{"41", "100"}));
  auto first = poll_rows_sql(*d, spec(poll_mode::incrementing), {.upto_id = 100});
  EXPECT_EQ(first.sql, "SELECT *, \"id\" FROM \"Orders\" WHERE \"id\" <= ? ORDER BY \"id\" ASC");
}

// The SQLite ODBC driver reads a whole result into memory before the first row when the statement
// has parameters, so SQLite's polls carry their window as literals: integers bare, timestamps as
// the quoted text they would have been bound as, in every mode.
TEST(OdbcPollSql, SqlitePollsCarryTheirWindowAsLiteralsNotParameters) {
  auto d = make_dialect(dialect::sqlite);
  auto inc = poll_rows_sql(*d, spec(poll_mode::incrementing), {.after_id = -41, .upto_id = 100});
  EXPECT_EQ(inc.sql, "SELECT *, \"id\" FROM \"Orders\" WHERE \"id\" > -41 AND \"id\" <= 100 ORDER BY \"id\" ASC");
  EXPECT_TRUE(inc.params.empty());
  const std::string t0 = d->comparable_timestamp("'1970-01-01 00:00:00.000000'");
  const std::string t1 = d->comparable_timestamp("'1970-01-01 00:00:01.000000'");
  const std::string col = d->comparable_timestamp("\"updated_at\"");
  auto ts = poll_rows_sql(*d, spec(poll_mode::timestamp), {.after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(ts.sql, "SELECT *, " + col + " FROM \"Orders\" WHERE " + col + " > " + t0 + " AND " + col +
                        " < " + t1 + " ORDER BY " + col + " ASC");
  EXPECT_TRUE(ts.params.empty());
  auto ti = poll_rows_sql(*d, spec(poll_mode::timestamp_incrementing),
                          {.after_id = 7, .after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(ti.sql, "SELECT *, " + col + ", \"id\" FROM \"Orders\" WHERE " + col + " < " + t1 + " AND (" + col +
                        " > " + t0 + " OR (" + col + " = " + t0 + " AND \"id\" > 7)) ORDER BY " + col +
                        " ASC, \"id\" ASC");
  EXPECT_TRUE(ti.params.empty());
}

TEST(OdbcPollSql, TimestampReadsAfterTheLastAndBeforeTheBound) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::timestamp);
  s.timestamps = {"modified", "created"};
  auto q = poll_rows_sql(*d, s, {.after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(q.sql,
            "SELECT *, COALESCE([modified], [created]) FROM [Orders] WHERE COALESCE([modified], [created]) > ? "
            "AND COALESCE([modified], [created]) < ? ORDER BY COALESCE([modified], [created]) ASC");
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:00.000000", "1970-01-01 00:00:01.000000"}));
}

TEST(OdbcPollSql, TimestampIncrementingBreaksTiesByTheId) {
  auto d = make_dialect(dialect::mysql);
  auto q = poll_rows_sql(*d, spec(poll_mode::timestamp_incrementing),
                         {.after_id = 7, .after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(q.sql,
            "SELECT *, `updated_at`, `id` FROM `Orders` WHERE `updated_at` < ? AND (`updated_at` > ? OR "
            "(`updated_at` = ? AND `id` > ?)) ORDER BY `updated_at` ASC, `id` ASC");
  EXPECT_EQ(q.params.size(), 4u);
  EXPECT_EQ(q.params[3], "7");
}

TEST(OdbcPollSql, ACustomQueryIsADerivedTableAndTheSuffixComesLast) {
  auto d = make_dialect(dialect::mysql);
  auto s = spec(poll_mode::incrementing);
  s.table.reset();
  s.query = "SELECT o.id, o.qty FROM orders o JOIN lines l ON l.order_id = o.id ; ";
  s.suffix = "LIMIT 1000";
  auto q = poll_rows_sql(*d, s, {.upto_id = 5});
  EXPECT_EQ(q.sql,
            "SELECT sluice_query.*, `id` FROM (SELECT o.id, o.qty FROM orders o JOIN lines l ON l.order_id = "
            "o.id) AS sluice_query WHERE `id` <= ? ORDER BY `id` ASC LIMIT 1000");
  EXPECT_EQ(poll_max_id_sql(*d, s),
            "SELECT MAX(`id`) FROM (SELECT o.id, o.qty FROM orders o JOIN lines l ON l.order_id = o.id) AS "
            "sluice_query");
}

TEST(OdbcPollSql, ClockQueriesSubtractTheDelayOnTheDatabasesClock) {
  using std::chrono::milliseconds;
  EXPECT_EQ(poll_clock_sql(dialect::mysql, milliseconds(1500)),
            "SELECT DATE_FORMAT(UTC_TIMESTAMP(6) - INTERVAL 1500000 MICROSECOND, '%Y-%m-%d %H:%i:%s.%f')");
  EXPECT_EQ(poll_clock_sql(dialect::sqlite, milliseconds(1500)),
            "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now', '-1.500 seconds')");
  EXPECT_EQ(poll_clock_sql(dialect::sqlserver, milliseconds(20)),
            "SELECT CONVERT(varchar(27), DATEADD(millisecond, -20, SYSUTCDATETIME()), 121)");
  EXPECT_TRUE(poll_clock_sql(dialect::generic, milliseconds(0)).empty());
}

}  // namespace
}  // namespace sluice::odbc
