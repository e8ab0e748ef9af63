#pragma once
// The source's polling statements for the ODBC dialects, per mode (Confluent's JDBC source
// semantics):
//   bulk                   — SELECT … (every row, every poll);
//   incrementing           — WHERE inc > last AND inc <= upper ORDER BY inc;
//   timestamp              — WHERE ts > last AND ts < upper ORDER BY ts;
//   timestamp+incrementing — WHERE ts < upper AND (ts > last OR (ts = last AND inc > last_id))
//                            ORDER BY ts, inc;
// where ts is COALESCE of timestamp.column.name's columns (SQLite: normalized with strftime,
// since text timestamps order by how they were written), a table is quoted per dialect and a
// custom query is wrapped as a derived table. Values travel as text parameters (timestamps as
// "YYYY-MM-DD HH:MM:SS.ffffff", UTC, floored to poll_spec::grain).
//
// Upper bounds: the incrementing bound is the current MAX(inc) read before the rows; the
// timestamp bound is the database's own clock minus timestamp.delay.interval.ms (generic ODBC:
// this process's clock). The commit-aware bound that closes the gap for transactions committing
// out of order is PostgreSQL-only (pg_stat_activity); on these dialects, as in Confluent's
// connector, a row whose transaction commits later than timestamp.delay.interval.ms after its
// timestamp (or, for incrementing, after a higher id committed) can be missed — set the delay
// above the longest write transaction.
// Thread-safety: pure functions.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/dialect.hpp"

namespace sluice::odbc {

enum class poll_mode { bulk, incrementing, timestamp, timestamp_incrementing };

struct poll_spec {
  poll_mode mode = poll_mode::bulk;
  std::optional<table_id> table;         // the table, or …
  std::string query;                     // … a custom query (query mode)
  std::vector<std::string> columns;      // select list (stored names); empty: *
  std::string incrementing;              // incrementing.column.name (stored)
  std::vector<std::string> timestamps;   // timestamp.column.name, COALESCE order (stored)
  std::string suffix;                    // query.suffix, appended as given
  timestamp_grain grain = timestamp_grain::micros;  // of timestamp values bound (dialect::
                                                   // timestamp_param_grain of the tracked columns)
};

struct poll_window {
  std::optional<std::int64_t> after_id;     // the last id published
  std::optional<std::int64_t> after_ts_us;  // the last timestamp published (UTC micros)
  std::optional<std::int64_t> upto_id;      // incrementing upper bound (inclusive)
  std::optional<std::int64_t> before_ts_us;  // timestamp upper bound (exclusive)
  std::int32_t after_ts_ns = 0;   // nanoseconds past after_ts_us (0-999; timestamp_grain::ticks100)
  std::int32_t before_ts_ns = 0;  // nanoseconds past before_ts_us
};

struct text_query {
  std::string sql;
  text_params params;
};

// What a statement reading the poll's rows puts after its FROM (`from`: the quoted table, or the
// custom query as a derived table, dialect::wrap_query) and before its SELECT (`with`: a custom
// query's common table expressions where the dialect cannot keep them inside a derived table,
// SQL Server; else "").
dialect::wrapped_query poll_source(const dialect& d, const poll_spec& spec);
// The tracked timestamp expression: the column, or COALESCE(a, b, …).
std::string poll_timestamp_expr(const dialect& d, const poll_spec& spec);
// The rows of one poll. Columns: the select list, then (timestamp modes) the tracked timestamp,
// then (incrementing modes) the incrementing column, so offsets never depend on the select list.
text_query poll_rows_sql(const dialect& d, const poll_spec& spec, const poll_window& w);
// SELECT MAX(inc) FROM target.
std::string poll_max_id_sql(const dialect& d, const poll_spec& spec);
// The tables (and, with "VIEW" in `types`, views) a source would poll in the connection's
// database: MySQL the current database, SQLite main, SQL Server every schema, PostgreSQL every
// schema but the system ones, generic what SQLTables lists. Schema empty where the database has
// one namespace per connection (MySQL, SQLite). Sorted by schema, then name.
std::vector<table_id> list_tables(const dialect& d, connection& c, const std::vector<std::string>& types);
// The catalog Confluent's JDBC source qualifies these tables with (the TABLE_CAT its JDBC driver
// reports, part of its offset partitions): the current database for MySQL/MariaDB (Connector/J)
// and SQL Server (mssql-jdbc); "" for PostgreSQL (pgjdbc reports none), SQLite and generic ODBC.
std::string source_catalog(const dialect& d, connection& c);

// One value: the database's UTC clock minus `delay`, as "YYYY-MM-DD HH:MM:SS[.ffffff]"; "" for
// generic ODBC (no portable clock query: use this process's clock).
std::string poll_clock_sql(config::dialect kind, std::chrono::milliseconds delay);

}  // namespace sluice::odbc
