// Options of source connectors (database → Kafka). Names and defaults are Confluent's
// JdbcSourceConnector's and Kafka Connect's; options marked "sluice" in their doc are new.
#include <fmt/format.h>
#include "config/rules.hpp"

namespace sluice::config::detail {

namespace {
constexpr auto S = value_type::string;
constexpr auto I = value_type::integer;
constexpr auto B = value_type::boolean;
constexpr auto L = value_type::list;
constexpr auto high = importance::high;
constexpr auto medium = importance::medium;
constexpr auto low = importance::low;
constexpr auto source = scope::source;

// Kafka Connect knows three boundaries; sluice commits one transaction per poll only so far.
rule transaction_boundaries() {
  rule r = one_of({{"poll"}});
  auto base = r.check;
  r.check = [base](const option& o, std::string_view v) -> std::optional<problem> {
    const std::string l = lower(trim(v));
    if (l == "interval" || l == "connector")
      return make_problem(o, v, fmt::format("transaction.boundary={} is not supported yet", l),
                          "set transaction.boundary=poll (one transaction per poll), or remove it");
    return base(o, v);
  };
  return r;
}
// Confluent's transaction.isolation.mode; sluice chooses the isolation of a poll itself.
rule isolation_modes() {
  rule r = one_of({{"DEFAULT"}});
  auto base = r.check;
  r.check = [base](const option& o, std::string_view v) -> std::optional<problem> {
    const std::string l = lower(trim(v));
    for (const char* level : {"read_uncommitted", "read_committed", "repeatable_read", "serializable",
                              "sql_server_snapshot"})
      if (l == level)
        return make_problem(o, v,
                            fmt::format("transaction.isolation.mode={} is not supported: sluice chooses "
                                        "each poll's isolation itself (REPEATABLE READ on PostgreSQL, "
                                        "the database's default elsewhere)",
                                        trim(v)),
                            "remove transaction.isolation.mode, or set it to DEFAULT");
    return base(o, v);
  };
  return r;
}
}  // namespace

std::vector<declaration> source_options() {
  const std::string mode = "Source: mode", tables = "Source: tables and queries",
                    polling = "Source: topics and polling", types = "Source: types",
                    delivery = "Source: offsets and delivery";
  std::vector<declaration> o;
  o.push_back(required(declare("mode", S, std::nullopt, high, source, mode,
      "How new and changed rows are found. bulk: the whole table every poll. incrementing: rows "
      "with a larger incrementing.column.name (new rows only). timestamp: rows with a newer "
      "timestamp.column.name (new and updated rows). timestamp+incrementing: both, the most "
      "reliable. On PostgreSQL the upper bound of each query is commit-aware, so rows committed "
      "out of order are not lost.",
      one_of({{"bulk"}, {"incrementing"}, {"timestamp"}, {"timestamp+incrementing"}})),
      source));
  o.push_back(declare("incrementing.column.name", S, "", medium, source, mode,
      "Strictly increasing column (e.g. an identity/serial id) for mode=incrementing and "
      "timestamp+incrementing. Empty: the table's auto-increment column is used."));
  o.push_back(declare("timestamp.column.name", L, "", medium, source, mode,
      "Timestamp columns for mode=timestamp and timestamp+incrementing, comma separated; the "
      "first non-null one (COALESCE) is used. Required in those modes."));
  o.push_back(declare("timestamp.delay.interval.ms", I, "0", medium, source, mode,
      "Rows are published only once their timestamp is this much older than the database's "
      "clock, to give slow transactions time to commit.",
      at_least(0)));
  o.push_back(declare("timestamp.initial", I, std::nullopt, low, source, mode,
      "Where a timestamp mode starts when there is no stored offset: unset = from the beginning, "
      "-1 = now, otherwise milliseconds since the epoch.",
      minus_one_or_at_least(0)));
  o.push_back(declare("timestamp.granularity", S, std::nullopt, low, source, mode,
      "How timestamps are published. Unset (sluice's default, unlike Confluent's connect_logical): "
      "timestamp columns as io.debezium.time.MicroTimestamp (int64 microseconds since the epoch) "
      "and time columns as io.debezium.time.MicroTime, lossless, which sluice's sink and "
      "Debezium-aware consumers read back exactly. connect_logical (set explicitly): Kafka "
      "Connect's Timestamp and Time logical types (milliseconds), as Confluent's connector "
      "publishes them by default. nanos_long, nanos_string: nanoseconds since the epoch as a number or a "
      "string. nanos_iso_datetime_string: ISO-8601 text with nanoseconds. Whatever is chosen, "
      "sub-millisecond precision is preserved where it matters for correctness: the stored "
      "offset keeps the full timestamp (timestamp_nanos, lossless), so rows that differ below a "
      "millisecond are neither skipped nor published twice.",
      one_of({{"connect_logical"}, {"nanos_long"}, {"nanos_string"}, {"nanos_iso_datetime_string"}})));
  o.push_back(declare("incrementing.relaxed.monotonic", B, "false", low, source, mode,
      "false (the only value supported): the incrementing column must grow strictly, as sluice "
      "reads the rows whose value is greater than the last one published. true is reported as "
      "not supported."));
  o.push_back(declare("validate.non.null", B, "true", low, source, mode,
      "Check at start that the incrementing and timestamp columns are NOT NULL (rows with NULL "
      "there would never be published); fail the task with the column named when they are not."));

  o.push_back(declare("query", S, "", high, source, tables,
      "A custom SELECT instead of whole tables; the mode's WHERE clause is appended (write the "
      "query so that this is valid, e.g. wrap it: SELECT * FROM (...) AS q). topic.prefix is then "
      "the whole topic name. Cannot be combined with table lists."));
  o.push_back(declare("query.suffix", S, "", low, source, tables,
      "Text appended after the generated query, e.g. a locking or hint clause."));
  o.push_back(declare("table.whitelist", L, "", high, source, tables,
      "Tables to publish, comma separated: exact names, the table alone or qualified as Kafka "
      "Connect names it (PostgreSQL schema.table, MySQL/MariaDB database.table, SQL Server "
      "database.schema.table; schema.table also). Empty: every table of table.types. Not together "
      "with table.blacklist."));
  o.push_back(declare("table.blacklist", L, "", medium, source, tables,
      "Tables not to publish, comma separated, named as in table.whitelist. Not together with "
      "table.whitelist."));
  o.push_back(declare("table.include.list", L, "", medium, source, tables,
      "Regular expressions, comma separated; tables whose fully qualified name matches one are "
      "published. The newer form of table.whitelist; do not mix the two styles.",
      regex_list()));
  o.push_back(declare("table.exclude.list", L, "", medium, source, tables,
      "Regular expressions, comma separated; tables whose fully qualified name matches one are "
      "not published.",
      regex_list()));
  o.push_back(declare("table.types", L, "TABLE", low, scope::both, tables,
      "Sources: kinds of tables discovered: TABLE, VIEW, and others the database reports (SYSTEM "
      "TABLE, MATERIALIZED VIEW ...), comma separated. Sinks: accepted for compatibility with "
      "Confluent's sink and not applied: a sink writes into the relation table.name.format names, "
      "table or view alike (auto.create creates tables)."));
  o.push_back(declare("catalog.pattern", S, std::nullopt, low, source, tables,
      "Accepted for compatibility and not applied: sluice discovers the tables of the database "
      "connection.url names only (on MySQL/MariaDB that database is the catalog), whatever this "
      "pattern says. To read another database, point connection.url at it."));
  o.push_back(declare("schema.pattern", S, std::nullopt, medium, source, tables,
      "Only tables of schemas matching this pattern (SQL LIKE) are discovered. Unset: all "
      "schemas the user can read."));
  o.push_back(declare("key.columns", L, "", medium, source, tables,
      "sluice: columns that form each record's key, comma separated. Empty: the table's primary "
      "key (no key when the table has none)."));

  o.push_back(required(declare("topic.prefix", S, std::nullopt, high, source, polling,
      "Prefix of the topic names: rows of table T go to <topic.prefix>T. With query it is the "
      "whole topic name."),
      source));
  o.push_back(declare("poll.interval.ms", I, "5000", high, source, polling,
      "Milliseconds between polls of each table for new rows.", at_least(0)));
  o.push_back(declare("batch.max.rows", I, "100", low, source, polling,
      "Most rows fetched per query round trip.", at_least(1)));
  o.push_back(declare("table.poll.interval.ms", I, "60000", low, source, polling,
      "Milliseconds between checks for new or removed tables.", at_least(0)));

  o.push_back(declare("query.retry.attempts", I, "-1", low, source, polling,
      "Accepted for compatibility and not applied: a query that fails fails its poll, and the "
      "task is restarted with back-off (errors.restart.enable, errors.restart.backoff.ms, "
      "errors.restart.max.ms) for as long as the error may pass (connection lost, deadlock, "
      "timeout); an error a retry cannot fix (syntax, missing privilege) fails the task at once.",
      minus_one_or_at_least(0)));
  o.push_back(declare("transaction.isolation.mode", S, "DEFAULT", low, source, polling,
      "DEFAULT only: sluice chooses each poll's isolation itself (on PostgreSQL one REPEATABLE "
      "READ READ ONLY transaction, which its commit-aware upper bound relies on; elsewhere the "
      "database's default). Confluent's other levels (READ_UNCOMMITTED, READ_COMMITTED, "
      "REPEATABLE_READ, SERIALIZABLE, SQL_SERVER_SNAPSHOT) are reported as not supported.",
      isolation_modes()));

  o.push_back(declare("numeric.mapping", S, "none", low, source, types,
      "How NUMERIC/DECIMAL columns are published. none: always Connect Decimal (exact). "
      "precision_only: integers by precision (INT8..INT64) when scale is 0. best_fit: also "
      "FLOAT64 for fractional values that fit. best_fit_eager_double: FLOAT64 for all fractional "
      "values.",
      one_of({{"none"}, {"precision_only"}, {"best_fit"}, {"best_fit_eager_double"}})));
  o.push_back(declare("numeric.precision.mapping", B, "false", low, source, types,
      "Deprecated: true is numeric.mapping=precision_only. numeric.mapping wins when both are "
      "set."));

  o.push_back(declare("offset.storage.file.filename", S, "sluice-offsets/<name>.json", medium,
      source, delivery,
      "File holding this source's offsets (Kafka Connect's format: per table the last "
      "incrementing value and timestamp). Default: sluice-offsets/<connector name>.json, "
      "relative to the working directory. Not used when offset.storage.topic is set."));
  o.push_back(declare("offset.storage.topic", S, "", medium, source, delivery,
      "Compacted Kafka topic holding source offsets instead of the file, as a Kafka Connect "
      "distributed worker does. Needed for exactly.once.support=required."));
  o.push_back(declare("offsets.storage.topic", S, "", low, source, delivery,
      "Kafka Connect's connector-level name (KIP-618) for offset.storage.topic: the same "
      "setting. Give one of the two, or both with the same value."));
  o.push_back(declare("exactly.once.support", S, "requested", medium, source, delivery,
      "Kafka Connect's names. requested: rows and offsets are published in one Kafka "
      "transaction when the offsets are kept in offset.storage.topic, else at-least-once. "
      "required: fail unless exactly-once is possible. disabled (sluice): never use "
      "transactions.",
      one_of({{"requested"}, {"required"}, {"disabled"}})));
  o.push_back(declare("transaction.boundary", S, "poll", low, source, delivery,
      "With exactly-once: one transaction per poll. Kafka Connect's interval and connector are "
      "not supported yet.",
      transaction_boundaries()));
  o.push_back(declare("transaction.boundary.interval.ms", I, std::nullopt, low, source, delivery,
      "Accepted for compatibility with no effect: Kafka Connect reads it only with "
      "transaction.boundary=interval, which sluice does not support yet (see "
      "transaction.boundary).",
      at_least(0)));
  return o;
}

}  // namespace sluice::config::detail
