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

// SQL Server converts a bound window value to the tracked column's type: `datetime` refuses more
// than three fractional digits (Msg 241) and rounds to the nearest 1/300 s, `smalldatetime`
// rounds to the nearest minute. Window values are floored to what the type holds, in the form the
// driver reads such values back in, so a row's own timestamp is bound unchanged and nothing is
// rounded up past the instant it stands for.
TEST(OdbcPollSql, SqlServerWindowValuesAreFlooredToWhatTheTrackedTypeHolds) {
  auto d = make_dialect(dialect::sqlserver);
  auto col = [](std::string type, int digits = -1, bool minutes = false) {
    column_def c;
    c.name = "t";
    c.type = std::move(type);
    c.family = column_family::timestamp;
    c.fraction_digits = digits;
    c.whole_minutes = minutes;
    return c;
  };
  const auto dt = col("datetime"), sdt = col("smalldatetime"), dt2 = col("datetime2"), dto = col("datetimeoffset"),
             upper = col("DATETIME"), q3 = col("", 3), q2 = col("", 2), q0 = col("", 0), q_minutes = col("", 0, true),
             q7 = col("", 7), q_unknown = col("");
  using cols = std::vector<const column_def*>;
  using g = timestamp_grain;
  EXPECT_EQ(d->timestamp_param_grain(cols{&dt}), g::ticks300);
  EXPECT_EQ(d->timestamp_param_grain(cols{&upper}), g::ticks300);
  EXPECT_EQ(d->timestamp_param_grain(cols{&sdt}), g::minutes);
  EXPECT_EQ(d->timestamp_param_grain(cols{&dt2}), g::ticks100);
  EXPECT_EQ(d->timestamp_param_grain(cols{&dto}), g::ticks100);
  // COALESCE takes the type of highest precedence: the finest column decides.
  EXPECT_EQ(d->timestamp_param_grain(cols{&sdt, &dt}), g::ticks300);
  EXPECT_EQ(d->timestamp_param_grain(cols{&dt, &dt2}), g::ticks100);
  // A custom query's columns: only the driver's description is known. Three digits may be a
  // datetime2(3), which holds any millisecond; no digits and 16 characters is a smalldatetime.
  EXPECT_EQ(d->timestamp_param_grain(cols{&q3}), g::millis);
  EXPECT_EQ(d->timestamp_param_grain(cols{&q2}), g::millis);
  EXPECT_EQ(d->timestamp_param_grain(cols{&q0}), g::seconds);
  EXPECT_EQ(d->timestamp_param_grain(cols{&q_minutes}), g::minutes);
  EXPECT_EQ(d->timestamp_param_grain(cols{&q7}), g::ticks100);
  EXPECT_EQ(d->timestamp_param_grain(cols{&q_unknown}), g::micros);
  // Other databases take microseconds whatever the column.
  for (auto other : {dialect::mysql, dialect::sqlite, dialect::postgresql, dialect::generic})
    EXPECT_EQ(make_dialect(other)->timestamp_param_grain(cols{&dt, &sdt}), g::micros);

  // datetime: a value the driver read back (…503, …997) is bound as it is; any other is floored
  // to the tick below it (…125 → …123, …129 → …127, …002 → …000).
  auto s = spec(poll_mode::timestamp_incrementing);
  s.grain = g::ticks300;
  auto q = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 1503000, .before_ts_us = 2997999});
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:02.997", "1970-01-01 00:00:01.503", "1970-01-01 00:00:01.503",
                                   "7"}));
  s.mode = poll_mode::timestamp;
  auto floored = [&](std::int64_t us) { return poll_rows_sql(*d, s, {.after_ts_us = us}).params.at(0); };
  EXPECT_EQ(floored(125999), "1970-01-01 00:00:00.123");
  EXPECT_EQ(floored(129000), "1970-01-01 00:00:00.127");
  EXPECT_EQ(floored(2999), "1970-01-01 00:00:00.000");
  EXPECT_EQ(floored(6999), "1970-01-01 00:00:00.003");
  // smalldatetime: the minute, whatever the seconds (12:00:45 must not become 12:01).
  s.grain = g::minutes;
  q = poll_rows_sql(*d, s, {.after_ts_us = -15000000, .before_ts_us = 43245999999});
  EXPECT_EQ(q.params, (text_params{"1969-12-31 23:59:00", "1970-01-01 12:00:00"}));
  s.grain = g::seconds;
  EXPECT_EQ(floored(120999999), "1970-01-01 00:02:00");
  s.grain = g::millis;
  EXPECT_EQ(floored(125999), "1970-01-01 00:00:00.125");

  // datetime2(7) / datetimeoffset(7): seven digits, the seventh from the nanoseconds past the
  // microsecond, so a row read back as …1234567 is compared as itself (not …1234570).
  s.grain = g::ticks100;
  s.mode = poll_mode::timestamp_incrementing;
  q = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 123456, .before_ts_us = 2000000, .after_ts_ns = 789,
                            .before_ts_ns = 50});
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:02.0000000", "1970-01-01 00:00:00.1234567",
                                   "1970-01-01 00:00:00.1234567", "7"}));
  s.grain = g::micros;  // every other type: the nanoseconds are not bound
  q = poll_rows_sql(*d, s, {.after_id = 7, .after_ts_us = 123456, .after_ts_ns = 789});
  EXPECT_EQ(q.params, (text_params{"1970-01-01 00:00:00.123456", "1970-01-01 00:00:00.123456", "7"}));
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
// ORDER BY is dropped (the poll orders the rows). Keywords inside strings, identifiers, comments
// or parentheses count for nothing.
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
  const std::string from = "(SELECT Id, Qty FROM [big one]) AS sluice_query";
  auto q = poll_rows_sql(*d, s, {.after_id = 3, .upto_id = 9});
  EXPECT_EQ(q.sql, with + "SELECT sluice_query.*, [Id] FROM " + from + " WHERE [Id] > ? AND [Id] <= ? ORDER BY [Id] ASC");
  EXPECT_EQ(q.params, (text_params{"3", "9"}));
  EXPECT_EQ(poll_max_id_sql(*d, s), with + "SELECT MAX([Id]) FROM " + from);
  EXPECT_EQ(poll_source(*d, s).with, with);

  auto from_of = [&](std::string query) {
    s.query = std::move(query);
    const auto source = poll_source(*d, s);
    EXPECT_EQ(source.with, "") << s.query;
    return source.from;
  };
  // ORDER BY alone; with TOP, OFFSET or FOR XML it is legal already and kept; nested, quoted or
  // commented out it is not the query's own.
  EXPECT_EQ(from_of("select Id from t order by Id"), "(select Id from t) AS sluice_query");
  EXPECT_EQ(from_of("SELECT a FROM x UNION SELECT a FROM y\nORDER BY a DESC, b"),
            "(SELECT a FROM x UNION SELECT a FROM y) AS sluice_query");
  EXPECT_EQ(from_of("SELECT TOP 10 Id FROM t ORDER BY Id"), "(SELECT TOP 10 Id FROM t ORDER BY Id) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id FROM t ORDER BY Id OFFSET 5 ROWS"),
            "(SELECT Id FROM t ORDER BY Id OFFSET 5 ROWS) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id FROM t ORDER BY Id FOR XML PATH"), "(SELECT Id FROM t ORDER BY Id FOR XML PATH) AS sluice_query");
  for (std::string kept : {"SELECT Id, ROW_NUMBER() OVER (ORDER BY z) AS r FROM t",
                           "SELECT Id FROM t WHERE n <> ') ORDER BY x'",
                           "SELECT Id FROM t WHERE [a ORDER BY b] = 1",
                           "SELECT Id FROM t /* ORDER BY Id */"})
    EXPECT_EQ(from_of(kept), "(" + kept + ") AS sluice_query");
  // A line comment at the end would swallow what follows it; with a dropped ORDER BY it goes too.
  EXPECT_EQ(from_of("SELECT Id FROM t -- ORDER BY Id"), "(SELECT Id FROM t -- ORDER BY Id\n) AS sluice_query");
  EXPECT_EQ(from_of("SELECT Id FROM t -- newest last\nORDER BY Id -- really"),
            "(SELECT Id FROM t -- newest last\n) AS sluice_query");
  // What it does not understand (WITH XMLNAMESPACES) it leaves for the server to judge.
  EXPECT_EQ(from_of("WITH XMLNAMESPACES ('urn:x' AS ns) SELECT Id FROM t"),
            "(WITH XMLNAMESPACES ('urn:x' AS ns) SELECT Id FROM t) AS sluice_query");

  // A comment between the last definition and the statement stays out of the hoisted WITH,
  // where it would swallow the poll's own SELECT.
  s.query = "WITH e AS (SELECT id FROM t) -- recent\n  /* only */ SELECT id FROM e";
  EXPECT_EQ(poll_source(*d, s).with, "WITH e AS (SELECT id FROM t) ");
  EXPECT_EQ(poll_source(*d, s).from, "(SELECT id FROM e) AS sluice_query");
}

// On every dialect, a line comment on a custom query's last line does not swallow the derived
// table's closing parenthesis (MySQL's comments also start with #).
TEST(OdbcPollSql, ACustomQueryEndingInALineCommentStillClosesItsDerivedTable) {
  auto s = spec(poll_mode::bulk);
  s.table.reset();
  s.query = "SELECT 1 AS id -- one row";
  for (auto kind : {dialect::mysql, dialect::sqlite, dialect::postgresql, dialect::generic, dialect::sqlserver})
    EXPECT_EQ(poll_source(*make_dialect(kind), s).from, "(SELECT 1 AS id -- one row\n) AS sluice_query");
  s.query = "SELECT 1 AS id # one row";
  EXPECT_EQ(poll_source(*make_dialect(dialect::mysql), s).from, "(SELECT 1 AS id # one row\n) AS sluice_query");
  s.query = "SELECT 1 AS id /* one row */";
  EXPECT_EQ(poll_source(*make_dialect(dialect::postgresql), s).from, "(SELECT 1 AS id /* one row */) AS sluice_query");
}

}  // namespace
}  // namespace sluice::odbc
