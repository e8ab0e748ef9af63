// The consumer settings a sink task runs with: the connector's tasks share one prefetch budget.
#include <gtest/gtest.h>

#include "sink/sink_connector.hpp"
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
}

}  // namespace
}  // namespace sluice::sink
