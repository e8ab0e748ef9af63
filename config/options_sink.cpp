// Options of sink connectors (Kafka → database). Names and defaults are Confluent's
// JdbcSinkConnector's; options marked "sluice" in their doc are new.
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
constexpr auto sink = scope::sink;
}  // namespace

std::vector<declaration> sink_options() {
  const std::string topics = "Sink: topics", writes = "Sink: writes", batching = "Sink: batching",
                    ddl = "Sink: tables", progress = "Sink: retries and progress";
  std::vector<declaration> o;
  o.push_back(declare("topics", L, "", high, sink, topics,
      "Topics to consume, comma separated. Exactly one of topics and topics.regex is set; it must "
      "not name errors.deadletterqueue.topic.name."));
  o.push_back(declare("topics.regex", S, "", high, sink, topics,
      "A regular expression; every topic whose whole name matches is consumed, including topics "
      "created later (orders matches orders, not orders-dlq). It is a POSIX extended regular "
      "expression, as librdkafka matches it: [0-9] rather than \\d, plain (...) groups rather than "
      "(?:...); such Java-only syntax is reported. Exactly one of topics and topics.regex is set; it "
      "must not match errors.deadletterqueue.topic.name.",
      posix_regex()));

  o.push_back(declare("insert.mode", S, "insert", high, sink, writes,
      "insert: plain INSERT (a duplicate key fails). upsert: insert or update by primary key "
      "(INSERT .. ON CONFLICT DO UPDATE / ON DUPLICATE KEY UPDATE / MERGE); needs pk.mode. "
      "update: UPDATE by primary key only; needs pk.mode. A batch is de-duplicated by key, the "
      "last record wins.",
      one_of({{"insert"}, {"upsert"}, {"update"}})));
  o.push_back(declare("pk.mode", S, "none", high, sink, writes,
      "Where the primary key comes from. none: no key. kafka: the record's topic, partition and "
      "offset (columns named by pk.fields, default __connect_topic, __connect_partition, "
      "__connect_offset). record_key: fields of the record key (a primitive key becomes one "
      "column). record_value: fields of the record value.",
      one_of({{"none"}, {"kafka"}, {"record_key"}, {"record_value"}})));
  o.push_back(declare("pk.fields", L, "", medium, sink, writes,
      "Primary key fields, comma separated. Empty: all fields of the key (record_key), or of the "
      "value (record_value). With pk.mode=kafka: 0 or 3 names for topic, partition and offset."));
  o.push_back(declare("fields.whitelist", L, "", medium, sink, writes,
      "Value fields written to the table, comma separated. Empty: all fields."));
  o.push_back(declare("table.name.format", S, "${topic}", medium, sink, writes,
      "Target table name; ${topic} is replaced by the record's topic. May name a schema "
      "(\"analytics.${topic}\"). The exact case is kept when quote.sql.identifiers=always."));
  o.push_back(declare("mssql.use.merge.holdlock", B, "true", low, sink, writes,
      "SQL Server only: upserts run MERGE … WITH (HOLDLOCK), so two writers of one new key cannot "
      "both take the insert branch. false: plain MERGE (less locking; safe only when one writer "
      "owns each key)."));
  o.push_back(declare("delete.enabled", B, "false", medium, sink, writes,
      "A record with a null value (tombstone) deletes the row with its key. Needs "
      "pk.mode=record_key."));
  o.push_back(declare("truncate.enabled", B, "false", low, sink, writes,
      "A truncate event (Debezium op \"t\") empties the target table. When false such events "
      "are skipped."));

  o.push_back(declare("batch.size", I, "3000", medium, sink, batching,
      "Most records written to the database in one transaction per partition.", at_least(1)));
  o.push_back(declare("batch.max.bytes", I, "16777216", low, sink, batching,
      "sluice: a batch is written once its records reach this many bytes, even if batch.size is "
      "not reached, so memory stays bounded whatever the record size.",
      at_least(1)));
  o.push_back(declare("batch.linger.ms", I, "20", low, sink, batching,
      "sluice: how long a partial batch waits for more records before it is written. Higher "
      "values mean fewer, larger transactions; lower values mean lower latency.",
      at_least(0)));

  o.push_back(declare("auto.create", B, "false", medium, sink, ddl,
      "Create a missing target table from the record schema (CREATE TABLE with the primary key "
      "of pk.mode)."));
  o.push_back(declare("auto.evolve", B, "false", medium, sink, ddl,
      "Add columns for record fields missing in the table (ALTER TABLE .. ADD COLUMN, nullable). "
      "Columns are never dropped or changed."));

  o.push_back(declare("max.retries", I, "10", medium, sink, progress,
      "How many times a batch that failed with a retryable database error is retried before the "
      "task fails.",
      at_least(0)));
  o.push_back(declare("retry.backoff.ms", I, "3000", medium, sink, progress,
      "Milliseconds to wait before retrying a failed batch.", at_least(0)));
  o.push_back(declare("offsets.table.name", S, "sluice_offsets", medium, sink, progress,
      "sluice: table holding the consumed Kafka offsets, written in the same transaction as the "
      "rows (exactly-once into the table). Created when missing."));
  o.push_back(declare("trim.sensitive.log", B, "false", low, sink, progress,
      "Accepted for compatibility with no effect: sluice never logs a record's key or value nor "
      "the values it binds to statements (the log names topic, partition and offset), with true "
      "or false; a database error it reports is quoted as the database wrote it, which may "
      "include a value (PostgreSQL's DETAIL: Key (id)=(5) already exists)."));
  o.push_back(declare("group.id", S, "connect-<name>", medium, sink, progress,
      "Kafka consumer group. Run more sluice processes with the same group.id to share the "
      "partitions. Default: connect-<name>, as Kafka Connect names it."));
  return o;
}

}  // namespace sluice::config::detail
