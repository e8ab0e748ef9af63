// The settings a sink derives from its connector config: the consumer settings its tasks run with
// (the connector's tasks share one prefetch budget) and the ODBC dialect options of its writer.
#include <regex.h>
#include <optional>

#include <gtest/gtest.h>

#include "dialects/odbc/dialect.hpp"
#include "kafka/embedded_broker.hpp"
#include "sink/sink_connector.hpp"
#include "sink/sink_settings.hpp"
#include "tests/config/config_test_helpers.hpp"

namespace sluice::sink {
namespace {

using config::test::base_sink;
using config::test::with;

config::connector_config sink_config(std::initializer_list<std::pair<const std::string, std::string>> changes) {
  auto v = config::validate(with(base_sink(), changes));
  EXPECT_TRUE(v.config.has_value());
  return *v.config;
}

bool librdkafka_matches(const std::string& subscription, const char* topic) {
  // What librdkafka does with a "^" subscription: POSIX regcomp (extended) and regexec.
  regex_t re;
  EXPECT_EQ(regcomp(&re, subscription.c_str(), REG_EXTENDED | REG_NOSUB), 0) << subscription;
  const bool hit = regexec(&re, topic, 0, nullptr, 0) == 0;
  regfree(&re);
  return hit;
}

TEST(SinkSettings, TopicsRegexSubscribesToWholeTopicNamesOnly) {
  // Kafka's Java consumer matches the whole name; regexec finds a match anywhere.
  const auto s = sink_settings::from(sink_config({{"topics", ""}, {"topics.regex", "orders"}}));
  ASSERT_EQ(s.topics.size(), 1u);
  EXPECT_TRUE(librdkafka_matches(s.topics[0], "orders"));
  EXPECT_FALSE(librdkafka_matches(s.topics[0], "orders-dlq"));
  EXPECT_FALSE(librdkafka_matches(s.topics[0], "old-orders"));
  const auto alt = sink_settings::from(sink_config({{"topics", ""}, {"topics.regex", "orders|refunds-.*"}}));
  EXPECT_TRUE(librdkafka_matches(alt.topics[0], "orders"));
  EXPECT_TRUE(librdkafka_matches(alt.topics[0], "refunds-eu"));
  EXPECT_FALSE(librdkafka_matches(alt.topics[0], "orders-dlq"));
  const auto anchored = sink_settings::from(sink_config({{"topics", ""}, {"topics.regex", "^orders$"}}));
  EXPECT_TRUE(librdkafka_matches(anchored.topics[0], "orders"));
  EXPECT_FALSE(librdkafka_matches(anchored.topics[0], "orders-dlq"));
}

TEST(SinkConsumerSettings, TheTasksShareSixteenMebibytesOfPrefetchEachKeepingAtLeastTwo) {
  EXPECT_EQ(consumer_settings(sink_config({}), "g").at("queued.max.messages.kbytes"), "16384");
  EXPECT_EQ(consumer_settings(sink_config({{"tasks.max", "2"}}), "g").at("queued.max.messages.kbytes"), "8192");
  EXPECT_EQ(consumer_settings(sink_config({{"tasks.max", "3"}}), "g").at("queued.max.messages.kbytes"), "5461");
  EXPECT_EQ(consumer_settings(sink_config({{"tasks.max", "64"}}), "g").at("queued.max.messages.kbytes"), "2048");
}

TEST(SinkConsumerSettings, AnOverrideSetsEachTasksBoundAsGiven) {
  auto s = consumer_settings(
      sink_config({{"tasks.max", "4"}, {"consumer.override.queued.max.messages.kbytes", "32768"}}), "g");
  EXPECT_EQ(s.at("queued.max.messages.kbytes"), "32768");
  EXPECT_EQ(s.at("group.id"), "g");
}

TEST(SinkConsumerSettings, OnTheEmbeddedBrokerTheSessionIsShortUnlessOverridden) {
  // The embedded broker holds a rebalance for the session timeout minus 1 s.
  auto embedded = consumer_settings(sink_config({{"bootstrap.servers", "embedded"}}), "g");
  EXPECT_EQ(embedded.at("session.timeout.ms"), "6000");
  EXPECT_EQ(embedded.at("heartbeat.interval.ms"), "500");
  auto real = consumer_settings(sink_config({{"bootstrap.servers", "kafka-1:9092"}}), "g");
  EXPECT_FALSE(real.contains("session.timeout.ms"));  // librdkafka's default
  EXPECT_FALSE(real.contains("heartbeat.interval.ms"));
  auto overridden = consumer_settings(
      sink_config({{"bootstrap.servers", "embedded"}, {"consumer.override.session.timeout.ms", "45000"}}), "g");
  EXPECT_EQ(overridden.at("session.timeout.ms"), "45000");
  // Another embedded broker of this process (as a test starts its own): short too, while it runs.
  std::string address;
  {
    kafka::embedded_broker own;
    address = own.bootstrap_servers();
    auto in_process = consumer_settings(sink_config({{"bootstrap.servers", address}}), "g");
    EXPECT_EQ(in_process.at("session.timeout.ms"), "6000");
    EXPECT_EQ(in_process.at("heartbeat.interval.ms"), "500");
  }
  EXPECT_FALSE(consumer_settings(sink_config({{"bootstrap.servers", address}}), "g").contains("session.timeout.ms"));
}

// The MERGE a SQL Server sink writes, through the function make_writer uses to turn the config
// into dialect options; `holdlock` unset leaves mssql.use.merge.holdlock at its default.
std::string sqlserver_merge(std::optional<std::string> holdlock) {
  auto raw = with(base_sink(), {{"connection.url", "jdbc:sqlserver://mssql:1433;databaseName=shop"}});
  if (holdlock) raw.values["mssql.use.merge.holdlock"] = *holdlock;
  auto v = config::validate(raw);
  if (!v.config) {
    ADD_FAILURE() << config::test::all_rendered(v);
    return {};
  }
  EXPECT_EQ(v.config->connection().kind, config::dialect::sqlserver);
  auto d = odbc::make_dialect(v.config->connection().kind, odbc_dialect_options(*v.config));
  return d->upsert_sql({"dbo", "Orders"}, {"id", "qty"}, 1).sql;
}

TEST(SinkOdbcDialectOptions, MssqlUseMergeHoldlockReachesTheSqlServerMerge) {
  const std::string locked =
      "MERGE INTO [dbo].[Orders] WITH (HOLDLOCK) AS target USING (SELECT ? AS [id], ? AS [qty]) AS incoming ON "
      "(target.[id] = incoming.[id]) WHEN MATCHED THEN UPDATE SET [qty] = incoming.[qty] WHEN NOT MATCHED THEN "
      "INSERT ([id], [qty]) VALUES (incoming.[id], incoming.[qty]);";
  const std::string unlocked =
      "MERGE INTO [dbo].[Orders] AS target USING (SELECT ? AS [id], ? AS [qty]) AS incoming ON "
      "(target.[id] = incoming.[id]) WHEN MATCHED THEN UPDATE SET [qty] = incoming.[qty] WHEN NOT MATCHED THEN "
      "INSERT ([id], [qty]) VALUES (incoming.[id], incoming.[qty]);";
  // Locked by default: two tasks upserting one new key must not both take the insert branch.
  EXPECT_EQ(sqlserver_merge(std::nullopt), locked);
  EXPECT_EQ(sqlserver_merge("true"), locked);
  EXPECT_EQ(sqlserver_merge("false"), unlocked);
}

}  // namespace
}  // namespace sluice::sink
