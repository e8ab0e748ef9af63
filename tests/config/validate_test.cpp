#include <gtest/gtest.h>
#include "config/connector_config.hpp"
#include "tests/config/config_test_helpers.hpp"

namespace sluice::config {
namespace {

using namespace test;

TEST(Validate, ConfluentSinkQuickstartIsClean) {
  auto r = validate(raw({{"name", "test-sink"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                         {"tasks.max", "1"},
                         {"topics", "orders"},
                         {"connection.url", "jdbc:sqlite:test.db"},
                         {"auto.create", "true"}}));
  EXPECT_TRUE(r.problems.empty()) << all_rendered(r);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->kind(), connector_kind::sink);
  EXPECT_EQ(r.config->connection().kind, dialect::sqlite);
}

TEST(Validate, ConfluentPostgresSinkWithConvertersIsClean) {
  auto r = validate(raw({{"name", "pg-sink"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                         {"tasks.max", "2"},
                         {"topics", "orders,customers"},
                         {"connection.url", "jdbc:postgresql://postgres:5432/postgres"},
                         {"connection.user", "postgres"},
                         {"connection.password", "postgres"},
                         {"insert.mode", "upsert"},
                         {"pk.mode", "record_key"},
                         {"pk.fields", "id"},
                         {"auto.create", "true"},
                         {"auto.evolve", "true"},
                         {"delete.enabled", "true"},
                         {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                         {"value.converter.schemas.enable", "true"},
                         {"errors.tolerance", "all"},
                         {"errors.deadletterqueue.topic.name", "dlq-orders"},
                         {"errors.deadletterqueue.context.headers.enable", "true"},
                         {"errors.log.enable", "true"},
                         {"errors.log.include.messages", "true"}}));
  EXPECT_TRUE(r.problems.empty()) << all_rendered(r);
}

TEST(Validate, ConfluentSourceQuickstartIsClean) {
  auto r = validate(raw({{"name", "test-source-sqlite-jdbc-autoincrement"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                         {"tasks.max", "1"},
                         {"connection.url", "jdbc:sqlite:test.db"},
                         {"mode", "incrementing"},
                         {"incrementing.column.name", "id"},
                         {"topic.prefix", "test-sqlite-jdbc-"}}));
  EXPECT_TRUE(r.problems.empty()) << all_rendered(r);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->kind(), connector_kind::source);
}

TEST(Validate, ConfluentTimestampSourceWithWhitelistIsClean) {
  auto r = validate(raw({{"name", "pg-source"},
                         {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                         {"connection.url", "jdbc:postgresql://localhost:5432/shop?user=app&password=pw"},
                         {"mode", "timestamp+incrementing"},
                         {"timestamp.column.name", "updated_at"},
                         {"incrementing.column.name", "id"},
                         {"table.whitelist", "orders,customers"},
                         {"validate.non.null", "false"},
                         {"poll.interval.ms", "1000"},
                         {"numeric.mapping", "best_fit"},
                         {"db.timezone", "Europe/Berlin"},
                         {"topic.prefix", "pg-"}}));
  EXPECT_TRUE(r.problems.empty()) << all_rendered(r);
}

TEST(Validate, ShortConnectorClassNamesAreAccepted) {
  auto sink = validate(with(base_sink(), {{"connector.class", "jdbc-sink"}}));
  ASSERT_TRUE(sink.config) << all_rendered(sink);
  EXPECT_EQ(sink.config->kind(), connector_kind::sink);
  EXPECT_EQ(sink.config->get_string("connector.class"), "io.confluent.connect.jdbc.JdbcSinkConnector");
  auto source = validate(with(base_source(), {{"connector.class", "JDBC-Source"}}));
  ASSERT_TRUE(source.config) << all_rendered(source);
  EXPECT_EQ(source.config->kind(), connector_kind::source);
}

TEST(Validate, KafkaConnectsPluginAliasesAreAccepted) {
  // Kafka Connect resolves connector.class by class name, simple name, or simple name without
  // "Connector"; configs written for it use all three.
  for (const char* alias : {"JdbcSinkConnector", "JdbcSink"}) {
    auto sink = validate(with(base_sink(), {{"connector.class", alias}}));
    ASSERT_TRUE(sink.config) << alias << ": " << all_rendered(sink);
    EXPECT_EQ(sink.config->kind(), connector_kind::sink);
    EXPECT_EQ(sink.config->get_string("connector.class"), "io.confluent.connect.jdbc.JdbcSinkConnector");
  }
  for (const char* alias : {"JdbcSourceConnector", "JdbcSource"}) {
    auto source = validate(with(base_source(), {{"connector.class", alias}}));
    ASSERT_TRUE(source.config) << alias << ": " << all_rendered(source);
    EXPECT_EQ(source.config->kind(), connector_kind::source);
    EXPECT_EQ(source.config->get_string("connector.class"), "io.confluent.connect.jdbc.JdbcSourceConnector");
  }
}

TEST(Validate, NonIntegerIsATypeProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"batch.size", "lots"}})), "batch.size");
  EXPECT_EQ(p.value, "lots");
  EXPECT_EQ(p.render(),
            "batch.size=lots: 'lots' is not a whole number. Fix: set batch.size to a whole number such as "
            "3000 (the default), or remove it");
}

TEST(Validate, NonBooleanIsATypeProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"auto.create", "yes"}})), "auto.create");
  EXPECT_TRUE(contains(p.why, "'yes' is not true or false"));
  EXPECT_TRUE(contains(p.fix, "true or false"));
}

TEST(Validate, BooleansAndEnumsIgnoreCaseAndBlanks) {
  auto r = validate(with(base_sink(), {{"auto.create", " TRUE "}, {"insert.mode", "UPSERT"}, {"pk.mode", "Record_Key"}}));
  ASSERT_TRUE(r.config) << all_rendered(r);
  EXPECT_TRUE(r.config->get_bool("auto.create"));
  EXPECT_EQ(r.config->get_string("insert.mode"), "upsert");
  EXPECT_EQ(r.config->get_string("pk.mode"), "record_key");
  EXPECT_EQ(r.config->values().at("insert.mode"), "UPSERT");
}

TEST(Validate, EnumProblemListsValidValuesAndSuggests) {
  auto p = only_problem(validate(with(base_sink(), {{"insert.mode", "upsret"}})), "insert.mode");
  EXPECT_EQ(p.render(),
            "insert.mode=upsret: 'upsret' is not a valid value. Fix: did you mean 'upsert'? set insert.mode "
            "to one of insert, upsert, update (case does not matter)");
}

TEST(Validate, RangeProblemsNameTheBounds) {
  EXPECT_EQ(only_problem(validate(with(base_sink(), {{"batch.size", "0"}})), "batch.size").render(),
            "batch.size=0: must be at least 1. Fix: set batch.size to 1 or more (default 3000)");
  EXPECT_EQ(only_problem(validate(with(base_sink(), {{"tasks.max", "2000"}})), "tasks.max").render(),
            "tasks.max=2000: must be between 1 and 1024. Fix: set tasks.max to a value from 1 to 1024 (default 1)");
  EXPECT_TRUE(contains(only_problem(validate(with(base_sink(), {{"connection.pool.max.size", "0"}})),
                                    "connection.pool.max.size").why, "between 1 and 1000"));
  EXPECT_TRUE(contains(only_problem(validate(with(base_sink(), {{"retry.backoff.ms", "-5"}})),
                                    "retry.backoff.ms").why, "at least 0"));
  EXPECT_TRUE(validate(with(base_sink(), {{"errors.retry.timeout", "-1"}})).config.has_value());
  EXPECT_TRUE(contains(only_problem(validate(with(base_source(), {{"timestamp.initial", "-2"}})),
                                    "timestamp.initial").why, "-1 or at least 0"));
}

TEST(Validate, TimeZoneMustBeKnown) {
  EXPECT_TRUE(validate(with(base_sink(), {{"db.timezone", "America/New_York"}})).config.has_value());
  auto p = only_problem(validate(with(base_sink(), {{"db.timezone", "Europe/Berlinn"}})), "db.timezone");
  EXPECT_TRUE(contains(p.why, "not a time zone"));
  auto lower = only_problem(validate(with(base_sink(), {{"db.timezone", "europe/berlin"}})), "db.timezone");
  EXPECT_TRUE(contains(lower.fix, "did you mean 'Europe/Berlin'?")) << lower.fix;
  only_problem(validate(with(base_sink(), {{"db.timezone", "../../etc/passwd"}})), "db.timezone");
}

TEST(Validate, RequiredKeysAreReportedTogether) {
  auto r = validate(raw({{"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"}}));
  ASSERT_FALSE(r.config);
  std::vector<std::string> keys;
  for (const auto& p : r.problems) keys.push_back(p.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "connection.url", "mode", "topic.prefix"})) << all_rendered(r);
  EXPECT_EQ(r.problems[1].render(),
            "connection.url: is required but not set. Fix: set connection.url, e.g. "
            "jdbc:postgresql://localhost:5432/mydb");
}

TEST(Validate, MissingConnectorClassIsRequired) {
  auto r = validate(with(base_sink(), {}, {"connector.class"}));
  auto p = only_problem(r, "connector.class");
  EXPECT_TRUE(contains(p.fix, "io.confluent.connect.jdbc.JdbcSinkConnector"));
}

TEST(Validate, UnknownKeyGetsDidYouMean) {
  auto p = only_problem(validate(with(base_sink(), {{"connection.uri", "x"}})), "connection.uri");
  EXPECT_EQ(p.render(),
            "connection.uri=x: not an option sluice knows. Fix: did you mean 'connection.url'? Otherwise "
            "remove it; `sluice docs` lists every option");
  EXPECT_TRUE(contains(only_problem(validate(with(base_sink(), {{"insert_mode", "upsert"}})), "insert_mode").fix,
                       "did you mean 'insert.mode'?"));
  EXPECT_TRUE(contains(only_problem(validate(with(base_sink(), {{"batch.szie", "5"}})), "batch.szie").fix,
                       "did you mean 'batch.size'?"));
}

TEST(Validate, UnknownKeyFarFromAnyOptionGetsNoSuggestion) {
  auto p = only_problem(validate(with(base_sink(), {{"plugin.path", "/usr/share/java"}})), "plugin.path");
  EXPECT_FALSE(contains(p.fix, "did you mean")) << p.fix;
}

TEST(Validate, OptionOfTheOtherKindIsAProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"mode", "bulk"}})), "mode");
  EXPECT_EQ(p.render(),
            "mode=bulk: mode belongs to source connectors, but connector.class makes this a sink. Fix: remove "
            "mode, or set connector.class=io.confluent.connect.jdbc.JdbcSourceConnector if this is meant to be "
            "a source");
  auto q = only_problem(validate(with(base_source(), {{"insert.mode", "upsert"}})), "insert.mode");
  EXPECT_TRUE(contains(q.why, "belongs to sink connectors"));
}

TEST(Validate, PassThroughKeysAreAcceptedButNeedANameAfterThePrefix) {
  auto r = validate(with(base_sink(), {{"consumer.override.fetch.min.bytes", "1024"},
                                       {"producer.override.linger.ms", "5"},
                                       {"admin.override.request.timeout.ms", "100"},
                                       {"kafka.security.protocol", "SASL_SSL"}}));
  ASSERT_TRUE(r.config) << all_rendered(r);
  EXPECT_EQ(r.config->with_prefix("consumer.override."),
            (std::map<std::string, std::string>{{"fetch.min.bytes", "1024"}}));
  EXPECT_EQ(r.config->with_prefix("kafka."), (std::map<std::string, std::string>{{"security.protocol", "SASL_SSL"}}));
  only_problem(validate(with(base_sink(), {{"kafka.", "x"}})), "kafka.");
}

TEST(Validate, ConnectionUrlErrorBecomesAProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"connection.url", "jdbc:oracle:thin:@h:1521:x"}})),
                        "connection.url");
  EXPECT_TRUE(contains(p.why, "'oracle'"));
  EXPECT_FALSE(p.fix.empty());
}

TEST(Validate, TransformsAreNotSupportedYetAndNamed) {
  auto r = validate(with(base_sink(), {{"transforms", "unwrap, route"},
                                       {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
                                       {"transforms.route.regex", "x"}}));
  auto p = only_problem(r, "transforms");
  EXPECT_TRUE(contains(p.why, "not supported yet (named: unwrap, route)")) << p.why;
  EXPECT_TRUE(validate(with(base_sink(), {{"transforms", ""}})).config.has_value());
}

TEST(Validate, RegexOptionsMustCompile) {
  auto p = only_problem(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", "orders-("}})), "topics.regex");
  EXPECT_TRUE(contains(p.why, "not a valid regular expression"));
  EXPECT_TRUE(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", "orders-[0-9]{1,3}"}})).config.has_value());
  only_problem(validate(with(base_source(), {{"table.include.list", "public\\.orders, ([a"}})), "table.include.list");
}

TEST(Validate, TopicsRegexIsCheckedAsThePosixExpressionLibrdkafkaMatches) {
  // librdkafka matches topics.regex with POSIX regexec (extended): \d is the letter d there.
  auto d = only_problem(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", "orders-\\d+"}})),
                        "topics.regex");
  EXPECT_TRUE(contains(d.why, "\\d")) << d.render();
  EXPECT_TRUE(contains(d.why, "POSIX")) << d.render();
  EXPECT_TRUE(contains(d.fix, "[0-9]")) << d.render();
  auto group = only_problem(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", "(?:orders|refunds)"}})),
                            "topics.regex");
  EXPECT_TRUE(contains(group.fix, "(?")) << group.render();
  only_problem(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", "a)(b"}})), "topics.regex");
  for (const char* ok : {"orders-[0-9]+", "(orders|refunds)-.*", "\\w+\\.events", "^orders$"})
    EXPECT_TRUE(validate(with(base_sink(), {{"topics", ""}, {"topics.regex", ok}})).config.has_value()) << ok;
}

TEST(Validate, NoBootstrapServersIsAWarningNotAProblem) {
  auto implicit = validate(with(base_sink(), {}));
  ASSERT_TRUE(implicit.config) << all_rendered(implicit);
  ASSERT_EQ(implicit.warnings.size(), 1u);
  const auto& w = implicit.warnings[0];
  EXPECT_EQ(w.key, "bootstrap.servers");
  EXPECT_TRUE(contains(w.why, "embedded")) << w.render();
  EXPECT_TRUE(contains(w.fix, "bootstrap.servers=")) << w.render();
  EXPECT_TRUE(validate(with(base_sink(), {{"bootstrap.servers", "embedded"}})).warnings.empty());
  EXPECT_TRUE(validate(with(base_source(), {{"bootstrap.servers", "kafka:9092"}})).warnings.empty());
}

TEST(Validate, UnresolvableProviderIsAProblem) {
  ::unsetenv("SLUICE_TEST_NOT_SET");
  auto p = only_problem(validate(with(base_sink(), {{"connection.password", "${env:SLUICE_TEST_NOT_SET}"}})),
                        "connection.password");
  EXPECT_EQ(p.value, "[secret]");
}

TEST(Validate, ConfigNameMustMatchTheConnectorName) {
  raw_connector r = with(base_sink(), {});
  r.name = "other";
  auto p = only_problem(validate(r), "name");
  EXPECT_TRUE(contains(p.why, "'other'"));
}

TEST(Validate, NameFromTheRestPathIsEnough) {
  raw_connector r = with(base_sink(), {}, {"name"});
  r.name = "from-path";
  auto v = validate(r);
  ASSERT_TRUE(v.config) << all_rendered(v);
  EXPECT_EQ(v.config->name(), "from-path");
  EXPECT_EQ(v.config->values().at("name"), "from-path");
}

TEST(Validate, NameMayComeFromAProviderAndIsTrimmed) {
  ::setenv("SLUICE_TEST_CONNECTOR_NAME", "env-named", 1);
  auto from_env = validate(parse_properties_text(
      "name=${env:SLUICE_TEST_CONNECTOR_NAME}\nconnector.class=jdbc-sink\ntopics=t\n"
      "connection.url=jdbc:sqlite:x.db\n", "p")[0]);
  ASSERT_TRUE(from_env.config) << all_rendered(from_env);
  EXPECT_EQ(from_env.config->name(), "env-named");
  EXPECT_EQ(from_env.config->get_string("group.id"), "connect-env-named");
  auto blanks = validate(parse_properties_text(
      "name=spaced   \nconnector.class=jdbc-sink\ntopics=t\nconnection.url=jdbc:sqlite:x.db\n", "p")[0]);
  ASSERT_TRUE(blanks.config) << all_rendered(blanks);
  EXPECT_EQ(blanks.config->name(), "spaced");
}

TEST(Validate, ProblemsAreCollectedNotStoppedAtTheFirst) {
  auto r = validate(with(base_sink(), {{"batch.size", "x"}, {"auto.create", "maybe"}, {"bogus", "1"},
                                       {"insert.mode", "upsert"}}));
  EXPECT_EQ(r.problems.size(), 4u) << all_rendered(r);  // three keys, and upsert without pk.mode
}

TEST(Validate, NoProblemOrDisplayShowsAPassword) {
  const std::string pw = "Hunter2Secret";
  ::setenv("SLUICE_TEST_PW", pw.c_str(), 1);
  const std::vector<raw_connector> configs = {
      with(base_sink(), {{"connection.password", pw}, {"batch.size", "x"}, {"connection.pasword", pw},
                         {"my.passwd", pw}}),
      with(base_sink(), {{"connection.url", "jdbc:postgresql://h/db?password=" + pw + "&x=" }, {"tasks.max", "0"}}),
      with(base_sink(), {{"connection.url", "jdbc:postgresql://u:" + pw + "@h:bad/db"}}),
      with(base_sink(), {{"connection.url", "jdbc:postgresql://h/db?password=${env:SLUICE_TEST_PW}"},
                         {"dialect.name", "oracle"}}),
      with(base_sink(), {{"connection.url", "jdbc:mysql://h/db?password=" + pw}, {"dialect.name", "sqlite"}}),
      with(base_sink(), {{"connection.url", "host=h password=" + pw + " junk"}}),
      with(base_sink(), {{"connection.url", "jdbc:oracle:thin:u/" + pw + "@h:1521:x"}}),
      with(base_sink(), {{"connection.password", "${env:SLUICE_TEST_PW}"}, {"insert.mode", "upsert"}}),
      with(base_sink(), {{"kafka.sasl.password", pw}, {"producer.override.ssl.key.password", pw},
                         {"consumer.override.sasl.jaas.config", "x password=\"" + pw + "\";"},
                         {"kafka.", "x"}}),
      with(base_sink(), {{"connection.password", pw}, {"connector.class", "nope"}}),
      // Keys real Confluent configs carry, unknown to sluice or passed through: Schema Registry's
      // KEY:SECRET, JAAS configs, key/keystore/truststore passwords.
      with(base_sink(), {{"value.converter.basic.auth.user.info", "SRKEY:" + pw},
                         {"key.converter.basic.auth.user.info", "SRKEY:" + pw},
                         {"value.converter.schema.registry.basic.auth.user.info", "SRKEY:" + pw},
                         {"producer.override.sasl.jaas.config", "x password=\"" + pw + "\";"},
                         {"consumer.sasl.jaas.config", "x password=\"" + pw + "\";"},
                         {"value.converter.schema.registry.ssl.key.password", pw},
                         {"value.converter.schema.registry.ssl.keystore.password", pw},
                         {"admin.override.ssl.truststore.password", pw},
                         {"kafka.ssl.keystore.key", pw},
                         {"schema.registry.user.info", pw}}),
  };
  for (const auto& c : configs) {
    auto r = validate(c);
    EXPECT_FALSE(r.problems.empty());
    const std::string all = all_rendered(r);
    EXPECT_FALSE(contains(all, pw)) << all;
  }
  auto ok = validate(with(base_sink(), {{"connection.url", "jdbc:postgresql://h/db?user=u&password=" + pw},
                                        {"kafka.sasl.password", pw}, {"connection.password", pw},
                                        {"kafka.ssl.key.password", pw}}));
  ASSERT_TRUE(ok.config) << all_rendered(ok);
  EXPECT_FALSE(contains(ok.config->connection().display, pw));
  for (const auto& [k, v] : ok.config->masked_values()) EXPECT_FALSE(contains(v, pw)) << k << "=" << v;
  EXPECT_EQ(ok.config->masked_values().at("connection.password"), "[secret]");
  EXPECT_EQ(ok.config->get_string("connection.password"), pw);
}

}  // namespace
}  // namespace sluice::config
