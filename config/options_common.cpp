// Options every connector has. Names and defaults are Confluent's JDBC connector and Kafka
// Connect's, so existing connector configs are accepted as they are; options marked "sluice"
// in their doc are new.
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
constexpr auto both = scope::both;

rule converter_names() {
  return one_of({{"org.apache.kafka.connect.json.JsonConverter", "json"},
                 {"org.apache.kafka.connect.storage.StringConverter", "string"},
                 {"org.apache.kafka.connect.converters.LongConverter", "long"},
                 {"org.apache.kafka.connect.converters.IntegerConverter", "integer"},
                 {"org.apache.kafka.connect.converters.ByteArrayConverter", "bytes"}});
}
}  // namespace

std::vector<declaration> common_options() {
  const std::string connector = "Connector", connection = "Connection", pool = "Connection pool",
                    kafka = "Kafka", converters = "Converters", errors = "Error handling",
                    sql = "SQL", transforms = "Transforms";
  std::vector<declaration> o;
  o.push_back(required(declare("name", S, std::nullopt, high, both, connector,
      "Unique name of the connector. It names the consumer group (group.id defaults to "
      "connect-<name>), the source offset file and every log line and error of this connector."),
      both));
  o.push_back(required(declare("connector.class", value_type::class_name, std::nullopt, high, both, connector,
      "What the connector does: io.confluent.connect.jdbc.JdbcSinkConnector writes Kafka topics "
      "into database tables; io.confluent.connect.jdbc.JdbcSourceConnector publishes table rows to "
      "Kafka. Decides which other options apply. Kafka Connect's aliases (JdbcSinkConnector, "
      "JdbcSink, JdbcSourceConnector, JdbcSource) and sluice's short names (jdbc-sink, "
      "jdbc-source) are accepted too.",
      one_of({{"io.confluent.connect.jdbc.JdbcSinkConnector", "jdbc-sink", "JdbcSinkConnector", "JdbcSink"},
              {"io.confluent.connect.jdbc.JdbcSourceConnector", "jdbc-source", "JdbcSourceConnector",
               "JdbcSource"}})),
      both));
  o.push_back(declare("tasks.max", I, "1", high, both, connector,
      "Maximum number of tasks (threads) of this connector. A sink's partitions are spread over "
      "its tasks; a source's tables are spread over its tasks. Each task may hold one database "
      "connection at a time, within connection.pool.max.size.",
      between(1, 1024)));

  o.push_back(required(declare("connection.url", S, std::nullopt, high, both, connection,
      "The database to connect to. Accepted as written for Confluent: jdbc:postgresql://host:port/db"
      "?user=..&password=..&sslmode=.., jdbc:mysql://, jdbc:mariadb://, jdbc:sqlite:PATH, "
      "jdbc:sqlserver://host:port;databaseName=..; also libpq URIs (postgresql://...), libpq "
      "conninfo strings (host=.. dbname=..) and odbc:<ODBC connection string or DSN=..>. Passwords "
      "in the URL are never printed. Driver properties in Confluent's connection.<property> form "
      "(connection.loginTimeout=10, connection.sslmode=require) are taken as parameters of a "
      "jdbc:postgresql, jdbc:mysql, jdbc:mariadb or jdbc:sqlserver URL, translated the same way; "
      "a parameter written in the URL wins."),
      both));
  o.push_back(declare("connection.user", S, std::nullopt, high, both, connection,
      "Database user. Overrides a user given in connection.url."));
  o.push_back(secret(declare("connection.password", value_type::password, std::nullopt, high, both,
      connection,
      "Database password. Overrides a password given in connection.url. Use ${env:NAME} or "
      "${file:PATH:KEY} to keep it out of the config file. Printed as [secret].")));
  o.push_back(declare("dialect.name", S, "", medium, both, connection,
      "The SQL dialect. Empty: detected from connection.url. Confluent names "
      "(PostgreSqlDatabaseDialect, MySqlDatabaseDialect, SqliteDatabaseDialect, "
      "SqlServerDatabaseDialect, GenericDatabaseDialect) and short names (postgresql, mysql, "
      "mariadb, sqlite, sqlserver, generic) are accepted.",
      one_of({{"PostgreSqlDatabaseDialect", "postgresql", "postgres"},
              {"MySqlDatabaseDialect", "mysql", "mariadb"},
              {"SqliteDatabaseDialect", "sqlite"},
              {"SqlServerDatabaseDialect", "sqlserver"},
              {"GenericDatabaseDialect", "generic"}},
             true)));
  o.push_back(declare("connection.attempts", I, "3", low, both, connection,
      "How many times to try to open a database connection before the task fails (and is "
      "restarted with back-off).",
      at_least(1)));
  o.push_back(declare("connection.backoff.ms", I, "10000", low, both, connection,
      "Milliseconds to wait between connection attempts.", at_least(0)));

  o.push_back(declare("connection.pool.max.size", I, "4", medium, both, pool,
      "sluice: the most connections the process holds to one database (connectors with the "
      "same host, port, database and user share one pool). Tasks wait for a free connection "
      "rather than opening more.",
      between(1, 1000)));
  o.push_back(declare("connection.pool.acquire.timeout.ms", I, "30000", low, both, pool,
      "sluice: how long a task waits for a free pooled connection before it fails with an error "
      "that names this option.",
      at_least(0)));
  o.push_back(declare("connection.pool.max.lifetime.ms", I, "1800000", low, both, pool,
      "sluice: a pooled connection older than this is closed when returned and replaced on "
      "demand (so server-side settings and fail-overs are picked up). 0 = no limit.",
      at_least(0)));
  o.push_back(declare("connection.pool.idle.timeout.ms", I, "600000", low, both, pool,
      "sluice: a pooled connection unused for this long is closed. 0 = never.", at_least(0)));
  o.push_back(declare("connection.pool.lease.warn.ms", I, "60000", low, both, pool,
      "sluice: a connection held by one task longer than this is logged as a possible leak, "
      "with the task that holds it. 0 = never warn.",
      at_least(0)));

  o.push_back(declare("bootstrap.servers", L, "embedded", high, both, kafka,
      "Kafka brokers, host:port[,host:port...]. The default \"embedded\" starts an in-process "
      "Kafka-protocol broker (librdkafka's mock cluster, newest 5 MiB per partition in memory) "
      "for trying things out and tests; a sink's consumers there use a 6 s session timeout and "
      "0.5 s heartbeats, since that broker holds a rebalance for the session timeout minus 1 s. "
      "Other librdkafka settings are given with the prefixes "
      "kafka. (all clients), consumer.override., producer.override. and admin.override."));

  o.push_back(declare("key.converter", value_type::class_name,
      "org.apache.kafka.connect.json.JsonConverter", medium, both, converters,
      "Format of record keys in Kafka: JsonConverter (json), StringConverter (string), "
      "LongConverter (long), IntegerConverter (integer), ByteArrayConverter (bytes).",
      converter_names()));
  o.push_back(declare("value.converter", value_type::class_name,
      "org.apache.kafka.connect.json.JsonConverter", medium, both, converters,
      "Format of record values in Kafka; the same names as key.converter.", converter_names()));
  o.push_back(declare("key.converter.schemas.enable", B, "true", medium, both, converters,
      "JsonConverter only: keys carry Kafka Connect's {\"schema\":..,\"payload\":..} envelope. "
      "A sink needs schemas (or pk.mode=kafka/none) to map fields to columns."));
  o.push_back(declare("value.converter.schemas.enable", B, "true", medium, both, converters,
      "JsonConverter only: values carry Kafka Connect's {\"schema\":..,\"payload\":..} envelope."));

  o.push_back(declare("errors.tolerance", S, "none", medium, both, errors,
      "none: a record that cannot be converted or written stops the task with the reason. all: "
      "such a record is skipped, logged, and sent to errors.deadletterqueue.topic.name when set.",
      one_of({{"none"}, {"all"}})));
  o.push_back(declare("errors.deadletterqueue.topic.name", S, "", medium, both, errors,
      "Topic that receives records skipped under errors.tolerance=all, with the original key, "
      "value and headers. Empty: skipped records are only logged."));
  o.push_back(declare("errors.deadletterqueue.context.headers.enable", B, "false", low, both, errors,
      "Add __connect.errors.* headers (topic, partition, offset, exception class and message) to "
      "dead-letter records."));
  o.push_back(declare("errors.deadletterqueue.topic.replication.factor", I, "3", low, both, errors,
      "Replication factor used when the dead-letter topic is created. -1 = the broker's default.",
      minus_one_or_at_least(1)));
  o.push_back(declare("errors.log.enable", B, "false", low, both, errors,
      "Log every failed record (topic, partition, offset and the reason) at error level."));
  o.push_back(declare("errors.log.include.messages", B, "false", low, both, errors,
      "Accepted for compatibility with Kafka Connect configs and ignored: sluice never logs a "
      "record's key or value (records may hold personal data); the log names the topic, "
      "partition and offset to look the record up."));
  o.push_back(declare("errors.retry.timeout", I, "0", low, both, errors,
      "Accepted for compatibility with Kafka Connect configs and ignored: a record that "
      "cannot be converted fails the same way every time, so sluice applies errors.tolerance "
      "at once; transient database errors are retried by max.retries / retry.backoff.ms.",
      minus_one_or_at_least(0)));
  o.push_back(declare("errors.retry.delay.max.ms", I, "60000", low, both, errors,
      "Accepted for compatibility with Kafka Connect configs and ignored, with "
      "errors.retry.timeout.",
      at_least(1)));
  o.push_back(declare("errors.restart.enable", B, "true", medium, both, errors,
      "sluice: restart a task that failed with an error a retry may fix (database or broker gone, "
      "a rebalance conflict) by itself, waiting errors.restart.backoff.ms, doubling up to "
      "errors.restart.max.ms. A task that failed for good (a bad record with "
      "errors.tolerance=none, a missing privilege) stays FAILED until restarted through the REST "
      "API. false: every failure is final, as in Kafka Connect."));
  o.push_back(declare("errors.restart.backoff.ms", I, "500", low, both, errors,
      "sluice: wait before the first automatic restart of a failed task; each further failure in a "
      "row doubles it.",
      at_least(10)));
  o.push_back(declare("errors.restart.max.ms", I, "60000", low, both, errors,
      "sluice: the longest wait between automatic restarts. A task that ran longer than this before "
      "failing starts the back-off over.",
      at_least(10)));
  o.push_back(declare("stall.timeout.ms", I, "120000", medium, both, errors,
      "sluice (sluice serve): a sink task with consumer lag that committed nothing for this long, or "
      "a source task whose polls kept failing this long, reports STALLED with the reason instead "
      "of RUNNING. 0 = never.",
      at_least(0)));

  o.push_back(declare("db.timezone", S, "UTC", medium, both, sql,
      "Time zone used for time columns without a zone (timestamp without time zone, DATETIME) "
      "when reading and writing them.",
      time_zone()));
  o.push_back(declare("quote.sql.identifiers", S, "always", medium, both, sql,
      "always: table and column names are quoted, so their exact case is kept (\"OrderLines\" "
      "stays OrderLines). never: names are left to the database's case folding.",
      one_of({{"always"}, {"never"}})));

  o.push_back(declare("transforms", L, "", low, both, transforms,
      "Single Message Transforms. Accepted so existing configs parse, but not supported yet: a "
      "non-empty value is reported as an error naming the transforms."));
  o.push_back(declare("predicates", L, "", low, both, transforms,
      "Predicates of Single Message Transforms, with their predicates.<alias>.* settings. Since "
      "transforms are not supported (see transforms), predicates select nothing and have no "
      "effect; they are accepted when every named predicate has a predicates.<alias>.type Kafka "
      "ships (org.apache.kafka.connect.transforms.predicates.TopicNameMatches, HasHeaderKey, "
      "RecordIsTombstone). Other types, and predicates.<alias>.* of a predicate not named here, "
      "are reported."));

  const std::string compat = "Kafka Connect worker settings (no effect)";
  o.push_back(declare("header.converter", value_type::class_name,
      "org.apache.kafka.connect.storage.SimpleHeaderConverter", low, both, compat,
      "Accepted for compatibility and not used: a sink writes no record header into a column "
      "(headers reach the dead-letter queue as they were), and a source publishes its records "
      "without headers. Any class name is accepted."));
  o.push_back(declare("config.action.reload", S, "restart", low, both, compat,
      "Accepted for compatibility with no effect: sluice resolves ${env:..} and ${file:..} when "
      "a config is loaded or PUT, and does not watch them for changes, so neither restart nor "
      "none restarts a connector when a referenced file changes; restart it (or PUT its config) "
      "to pick a new value up.",
      one_of({{"restart"}, {"none"}})));
  o.push_back(declare("tasks.max.enforce", B, "true", low, both, compat,
      "Accepted for compatibility with no effect: sluice never runs more tasks than tasks.max, "
      "so true and false behave the same."));
  o.push_back(declare("topic.creation.groups", L, "", low, both, compat,
      "Accepted for compatibility with no effect, like every other topic.creation.* setting "
      "(topic.creation.<group>.include, .exclude, topic.creation.default.<topic config> ...): "
      "a source creates a missing topic itself with the broker's defaults (num.partitions, "
      "default.replication.factor, its other topic defaults), whatever these say. Create the "
      "topics beforehand to give them other settings."));
  o.push_back(declare("topic.creation.default.replication.factor", I, std::nullopt, low, both, compat,
      "Accepted for compatibility with no effect: a missing topic is created with the broker's "
      "default.replication.factor (see topic.creation.groups).",
      minus_one_or_at_least(1)));
  o.push_back(declare("topic.creation.default.partitions", I, std::nullopt, low, both, compat,
      "Accepted for compatibility with no effect: a missing topic is created with the broker's "
      "num.partitions (see topic.creation.groups).",
      minus_one_or_at_least(1)));
  return o;
}

}  // namespace sluice::config::detail
