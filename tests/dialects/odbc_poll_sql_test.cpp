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

// SQL Server (no server runs here, so the T-SQL is checked as text). Every name is bracketed with
// `]` doubled, so mixed case survives whatever the database's collation folds and a hostile name
// stays one identifier. Polls carry no TOP / OFFSET … FETCH: a poll reads its whole window, which
// the upper bounds (MAX(id) read first, the database clock minus the delay) keep finite, and a
// row limit the user wants goes in query.suffix. The window travels as parameters (SQL Server's
// driver streams a parameterised result), in the order the placeholders appear.
TEST(OdbcPollSql, SqlServerBulkBracketsEveryNameAndReadsEveryRowUnordered) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::bulk);
  s.table = table_id{"Sales Q]1", "Order Lines"};
  s.columns = {"OrderId", "Note]x", "qty"};
  // A bulk poll has no window even when one is passed: every row, every poll.
  auto q = poll_rows_sql(*d, s, {.after_id = 5, .after_ts_us = 0, .upto_id = 9, .before_ts_us = 1000000});
  EXPECT_EQ(q.sql, "SELECT [OrderId], [Note]]x], [qty] FROM [Sales Q]]1].[Order Lines]");
  EXPECT_TRUE(q.params.empty());
  s.columns.clear();
  EXPECT_EQ(poll_rows_sql(*d, s, {}).sql, "SELECT * FROM [Sales Q]]1].[Order Lines]");
}

TEST(OdbcPollSql, SqlServerIncrementingReadsAboveTheLastIdUpToTheBoundInIdOrder) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::incrementing);
  s.table = table_id{"dbo", "Orders]; DROP TABLE t; --"};
  s.incrementing = "Order]Id";
  auto q = poll_rows_sql(*d, s, {.after_id = -41, .upto_id = 100});
  EXPECT_EQ(q.sql,
            "SELECT *, [Order]]Id] FROM [dbo].[Orders]]; DROP TABLE t; --] WHERE [Order]]Id] > ? AND "
            "[Order]]Id] <= ? ORDER BY [Order]]Id] ASC");
  EXPECT_EQ(q.params, (text_params{"-41", "100"}));
  // The first poll has no last id: everything up to the bound.
  auto first = poll_rows_sql(*d, s, {.upto_id = 100});
  EXPECT_EQ(first.sql,
            "SELECT *, [Order]]Id] FROM [dbo].[Orders]]; DROP TABLE t; --] WHERE [Order]]Id] <= ? ORDER BY "
            "[Order]]Id] ASC");
  EXPECT_EQ(first.params, (text_params{"100"}));
  EXPECT_EQ(poll_max_id_sql(*d, s), "SELECT MAX([Order]]Id]) FROM [dbo].[Orders]]; DROP TABLE t; --]");
}

TEST(OdbcPollSql, SqlServerTimestampIncrementingBreaksTiesByTheIdBelowTheClockBound) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::timestamp_incrementing);
  s.timestamps = {"ModifiedAt", "CreatedAt"};
  s.incrementing = "Id";
  s.columns = {"Id", "Total"};
  const std::string ts = "COALESCE([ModifiedAt], [CreatedAt])";
  auto q = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 1500000, .before_ts_us = 2000000});
  EXPECT_EQ(q.sql, "SELECT [Id], [Total], " + ts + ", [Id] FROM [Orders] WHERE " + ts + " < ? AND (" + ts +
                       " > ? OR (" + ts + " = ? AND [Id] > ?)) ORDER BY " + ts + " ASC, [Id] ASC");
  // Placeholders left to right: the bound, the last timestamp twice, the last id.
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:02.000000", "1970-01-01 00:00:01.500000",
                                   "1970-01-01 00:00:01.500000", "7"}));
  // The first poll has no last row: everything before the bound.
  auto first = poll_rows_sql(*d, s, {.before_ts_us = 2000000});
  EXPECT_EQ(first.sql, "SELECT [Id], [Total], " + ts + ", [Id] FROM [Orders] WHERE " + ts + " < ? ORDER BY " + ts +
                           " ASC, [Id] ASC");
  EXPECT_EQ(first.params, (text_params{"1970-01-01 00:00:02.000000"}));
}

// SQL Server converts a bound window value to the tracked column's type, and `datetime` refuses
// more than three fractional digits (Msg 241), `smalldatetime` any: the window is cut to the
// digits the column's type takes, which are the digits the driver reads its values back with.
TEST(OdbcPollSql, SqlServerWindowValuesCarryNoMoreFractionalDigitsThanTheTrackedTypeTakes) {
  auto d = make_dialect(dialect::sqlserver);
  auto col = [](std::string type, int digits = -1) {
    column_def c;
    c.name = "t";
    c.type = std::move(type);
    c.family = column_family::timestamp;
    c.fraction_digits = digits;
    return c;
  };
  const auto dt = col("datetime"), sdt = col("smalldatetime"), dt2 = col("datetime2"), dto = col("datetimeoffset"),
             upper = col("DATETIME"), q3 = col("", 3), q0 = col("", 0), q7 = col("", 7), q_unknown = col("");
  using cols = std::vector<const column_def*>;
  EXPECT_EQ(d->timestamp_param_digits(cols{&dt}), 3);
  EXPECT_EQ(d->timestamp_param_digits(cols{&upper}), 3);
  EXPECT_EQ(d->timestamp_param_digits(cols{&sdt}), 0);
  EXPECT_EQ(d->timestamp_param_digits(cols{&dt2}), 6);
  EXPECT_EQ(d->timestamp_param_digits(cols{&dto}), 6);
  // COALESCE takes the type of highest precedence: the widest column decides.
  EXPECT_EQ(d->timestamp_param_digits(cols{&sdt, &dt}), 3);
  EXPECT_EQ(d->timestamp_param_digits(cols{&dt, &dt2}), 6);
  // A custom query's columns: only the driver's described digits are known.
  EXPECT_EQ(d->timestamp_param_digits(cols{&q3}), 3);
  EXPECT_EQ(d->timestamp_param_digits(cols{&q0}), 0);
  EXPECT_EQ(d->timestamp_param_digits(cols{&q7}), 6);
  EXPECT_EQ(d->timestamp_param_digits(cols{&q_unknown}), 6);
  // Other databases take microseconds whatever the column.
  for (auto other : {dialect::mysql, dialect::sqlite, dialect::postgresql, dialect::generic})
    EXPECT_EQ(make_dialect(other)->timestamp_param_digits(cols{&dt, &sdt}), 6);

  auto s = spec(poll_mode::timestamp_incrementing);
  s.timestamp_digits = 3;
  auto q = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 1503000, .before_ts_us = 2000999});
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:02.000", "1970-01-01 00:00:01.503", "1970-01-01 00:00:01.503",
                                   "7"}));
  s.mode = poll_mode::timestamp;
  s.timestamp_digits = 0;
  q = poll_rows_sql(*d, s, {.after_ts_us = -60000000, .before_ts_us = 120999999});
  EXPECT_EQ(q.params, (text_params{"1969-12-31 23:59:00", "1970-01-01 00:02:00"}));
}

// The custom query becomes a derived table, which T-SQL accepts only with an alias; the window's
// WHERE is the outer one, so it never collides with the query's own WHERE, and the suffix (here a
// query hint, which T-SQL wants last) follows the ORDER BY.
TEST(OdbcPollSql, SqlServerCustomQueryIsAnAliasedDerivedTableInEveryMode) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::incrementing);
  s.table.reset();
  s.query = "SELECT o.[Id], o.[Qty] FROM [dbo].[Orders] o WHERE o.[Qty] > 0;\n";
  s.incrementing = "Id";
  s.suffix = "OPTION (RECOMPILE)";
  const std::string from = "(SELECT o.[Id], o.[Qty] FROM [dbo].[Orders] o WHERE o.[Qty] > 0) AS sluice_query";
  auto inc = poll_rows_sql(*d, s, {.after_id = 3, .upto_id = 9});
  EXPECT_EQ(inc.sql, "SELECT sluice_query.*, [Id] FROM " + from +
                         " WHERE [Id] > ? AND [Id] <= ? ORDER BY [Id] ASC OPTION (RECOMPILE)");
  EXPECT_EQ(inc.params, (text_params{"3", "9"}));
  EXPECT_EQ(poll_max_id_sql(*d, s), "SELECT MAX([Id]) FROM " + from);

  s.mode = poll_mode::bulk;
  s.suffix.clear();
  EXPECT_EQ(poll_rows_sql(*d, s, {.after_id = 3, .upto_id = 9}).sql, "SELECT sluice_query.* FROM " + from);

  s.mode = poll_mode::timestamp;
  s.timestamps = {"updated_at"};
  auto ts = poll_rows_sql(*d, s, {.after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(ts.sql, "SELECT sluice_query.*, [updated_at] FROM " + from +
                        " WHERE [updated_at] > ? AND [updated_at] < ? ORDER BY [updated_at] ASC");
  EXPECT_EQ(ts.params, (text_params{"1970-01-01 00:00:00.000000", "1970-01-01 00:00:01.000000"}));

  s.mode = poll_mode::timestamp_incrementing;
  auto ti = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 0, .before_ts_us = 1000000});
  EXPECT_EQ(ti.sql, "SELECT sluice_query.*, [updated_at], [Id] FROM " + from +
                        " WHERE [updated_at] < ? AND ([updated_at] > ? OR ([updated_at] = ? AND [Id] > ?)) "
                        "ORDER BY [updated_at] ASC, [Id] ASC");
  EXPECT_EQ(ti.params.size(), 4u);
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

// T-SQL takes neither a WITH nor an ORDER BY (without TOP, OFFSET or FOR) inside a derived table:
// a custom query's common table expressions go in front of the poll's statements, and its final
// ORDER BY gets OFFSET 0 ROWS. Keywords inside strings, identifiers, comments or parentheses
// count for nothing.
TEST(OdbcPollSql, SqlServerCustomQueryKeepsItsCommonTableExpressionsInFrontAndItsOrderByLegal) {
  auto d = make_dialect(dialect::sqlserver);
  auto s = spec(poll_mode::incrementing);
  s.table.reset();
  s.incrementing = "Id";
  s.query =
      ";WITH recent ([Id], Qty) AS (SELECT [Id], [Qty] FROM [dbo].[Orders] WHERE [Note] <> 'AS (x), ORDER BY'),\n"
      "  [big one] AS (SELECT * FROM recent /* WITH a AS (b) */ WHERE Qty > 10)\n"
      "SELECT Id, Qty FROM [big one] ORDER BY Qty DESC;";
  const std::string with =
      "WITH recent ([Id], Qty) AS (SELECT [Id], [Qty] FROM [dbo].[Orders] WHERE [Note] <> 'AS (x), ORDER BY'),\n"
      "  [big one] AS (SELECT * FROM recent /* WITH a AS (b) */ WHERE Qty > 10) ";
  const std::string from = "(SELECT Id, Qty FROM [big one] ORDER BY Qty DESC OFFSET 0 ROWS) AS sluice_query";
  auto q = poll_rows_sql(*d, s, {.after_id = 3, .upto_id = 9});
  EXPECT_EQ(q.sql, with + "SELECT sluice_query.*, [Id] FROM " + from + " WHERE [Id] > ? AND [Id] <= ? ORDER BY [Id] ASC");
  EXPECT_EQ(q.params, (text_params{"3", "9"}));
  EXPECT_EQ(poll_max_id_sql(*d, s), with + "SELECT MAX([Id]) FROM " + from);
  EXPECT_EQ(poll_with(*d, s), with);

  auto from_of = [&](std::string query) {
    s.query = std::move(query);
    EXPECT_EQ(poll_with(*d, s), "") << s.query;
    return poll_from(*d, s);
  };
  // ORDER BY alone; with TOP, OFFSET or FOR XML it is legal already; nested or quoted it is not
  // the query's own.
  EXPECT_EQ(from_of("select Id from t order by Id"), "(select Id from t order by Id OFFSET 0 ROWS) AS sluice_query");
  EXPECT_EQ(from_of("SELECT TOP 10 Id FROM t ORDER BY Id"), "(SELECT TOP 10 Id FROM t ORDER BY Id) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id FROM t ORDER BY Id OFFSET 5 ROWS"),
            "(SELECT Id FROM t ORDER BY Id OFFSET 5 ROWS) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id FROM t ORDER BY Id FOR XML PATH"), "(SELECT Id FROM t ORDER BY Id FOR XML PATH) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id, (SELECT TOP 1 x FROM y ORDER BY z) AS w, '[ORDER BY]' AS \"ORDER BY\" FROM t"),
            "(SELECT Id, (SELECT TOP 1 x FROM y ORDER BY z) AS w, '[ORDER BY]' AS \"ORDER BY\" FROM t) AS sluice_query");
  // A line comment at the end would swallow what follows it.
  EXPECT_EQ(from_of("SELECT Id FROM t ORDER BY Id -- newest last"),
            "(SELECT Id FROM t ORDER BY Id -- newest last\nOFFSET 0 ROWS) AS sluice_query");
  // What it does not understand (WITH XMLNAMESPACES) it leaves for the server to judge.
  EXPECT_EQ(from_of("WITH XMLNAMESPACES ('urn:x' AS ns) SELECT Id FROM t"),
            "(WITH XMLNAMESPACES ('urn:x' AS ns) SELECT Id FROM t) AS sluice_query");
}

// On every dialect, a line comment on a custom query's last line does not swallow the derived
// table's closing parenthesis (MySQL's comments also start with #).
TEST(OdbcPollSql, ACustomQueryEndingInALineCommentStillClosesItsDerivedTable) {
  auto s = spec(poll_mode::bulk);
  s.table.reset();
  s.query = "SELECT 1 AS id -- one row";
  for (auto kind : {dialect::mysql, dialect::sqlite, dialect::postgresql, dialect::generic, dialect::sqlserver})
    EXPECT_EQ(poll_from(*make_dialect(kind), s), "(SELECT 1 AS id -- one row\n) AS sluice_query");
  s.query = "SELECT 1 AS id # one row";
  EXPECT_EQ(poll_from(*make_dialect(dialect::mysql), s), "(SELECT 1 AS id # one row\n) AS sluice_query");
  s.query = "SELECT 1 AS id /* one row */";
  EXPECT_EQ(poll_from(*make_dialect(dialect::postgresql), s), "(SELECT 1 AS id /* one row */) AS sluice_query");
}

}  // namespace
}  // namespace sluice::odbc
