#include <gtest/gtest.h>
#include "config/connector_config.hpp"
#include "tests/config/config_test_helpers.hpp"

namespace sluice::config {
namespace {

using namespace test;

TEST(SinkRules, TopicsAndTopicsRegexTogetherIsAProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"topics.regex", "orders-.*"}})), "topics.regex");
  EXPECT_TRUE(contains(p.why, "both set"));
}

TEST(SinkRules, NeitherTopicsNorTopicsRegexIsAProblem) {
  auto p = only_problem(validate(with(base_sink(), {}, {"topics"})), "topics");
  EXPECT_EQ(p.render(), "topics: neither topics nor topics.regex is set, so there is nothing to consume. Fix: set "
                        "topics to a comma list of topics, or topics.regex to a pattern");
  only_problem(validate(with(base_sink(), {{"topics", " , "}})), "topics");
}

TEST(SinkRules, TopicsRegexAloneIsFine) {
  EXPECT_TRUE(validate(with(base_sink(), {{"topics.regex", "orders-.*"}}, {"topics"})).config.has_value());
}

TEST(SinkRules, TheDeadLetterTopicMustNotBeConsumed) {
  // Kafka Connect refuses a sink that would consume its own dead-letter records.
  auto listed = only_problem(validate(with(base_sink(), {{"topics", "orders,orders-dlq"}, {"errors.tolerance", "all"},
                                                         {"errors.deadletterqueue.topic.name", "orders-dlq"}})),
                             "topics");
  EXPECT_TRUE(contains(listed.why, "orders-dlq")) << listed.render();
  EXPECT_TRUE(contains(listed.fix, "errors.deadletterqueue.topic.name")) << listed.render();
  auto matched = only_problem(validate(with(base_sink(), {{"topics.regex", "orders.*"}, {"errors.tolerance", "all"},
                                                          {"errors.deadletterqueue.topic.name", "orders-dlq"}},
                                            {"topics"})),
                              "topics.regex");
  EXPECT_TRUE(contains(matched.why, "orders-dlq")) << matched.render();
  // topics.regex matches whole names: "orders" does not match "orders-dlq".
  EXPECT_TRUE(validate(with(base_sink(), {{"topics.regex", "orders"}, {"errors.tolerance", "all"},
                                          {"errors.deadletterqueue.topic.name", "orders-dlq"}},
                            {"topics"}))
                  .config.has_value());
}

TEST(SinkRules, UpsertAndUpdateNeedAPrimaryKeyMode) {
  for (const char* mode : {"upsert", "update"}) {
    auto p = only_problem(validate(with(base_sink(), {{"insert.mode", mode}})), "insert.mode");
    EXPECT_EQ(p.value, mode);
    EXPECT_TRUE(contains(p.why, "but pk.mode is none")) << p.why;
    EXPECT_TRUE(contains(p.fix, "pk.mode=record_key"));
  }
  EXPECT_TRUE(validate(with(base_sink(), {{"insert.mode", "upsert"}, {"pk.mode", "record_value"},
                                          {"pk.fields", "id"}})).config.has_value());
}

TEST(SinkRules, KafkaPrimaryKeyTakesZeroOrThreeFields) {
  EXPECT_TRUE(validate(with(base_sink(), {{"pk.mode", "kafka"}})).config.has_value());
  EXPECT_TRUE(validate(with(base_sink(), {{"pk.mode", "kafka"}, {"pk.fields", "t,p,o"}})).config.has_value());
  auto p = only_problem(validate(with(base_sink(), {{"pk.mode", "kafka"}, {"pk.fields", "t,p"}})), "pk.fields");
  EXPECT_TRUE(contains(p.why, "0 or 3 names, not 2")) << p.why;
}

TEST(SinkRules, DeleteWithRecordValueKeyIsAProblem) {
  auto p = only_problem(validate(with(base_sink(), {{"delete.enabled", "true"}, {"pk.mode", "record_value"}})),
                        "delete.enabled");
  EXPECT_TRUE(contains(p.why, "pk.mode=record_value")) << p.why;
  EXPECT_TRUE(contains(p.fix, "pk.mode=record_key"));
}

TEST(SinkRules, DeleteNeedsRecordKey) {
  auto p = only_problem(validate(with(base_sink(), {{"delete.enabled", "true"}})), "delete.enabled");
  EXPECT_TRUE(contains(p.why, "pk.mode is none")) << p.why;
  EXPECT_TRUE(validate(with(base_sink(), {{"delete.enabled", "true"}, {"pk.mode", "record_key"}})).config.has_value());
}

TEST(SinkRules, ToleranceAllWithOrWithoutDeadLetterTopicIsFine) {
  EXPECT_TRUE(validate(with(base_sink(), {{"errors.tolerance", "all"}})).config.has_value());
  EXPECT_TRUE(validate(with(base_sink(), {{"errors.tolerance", "ALL"}, {"errors.deadletterqueue.topic.name", "dlq"}}))
                  .config.has_value());
}

TEST(SourceRules, IncrementingModesMayLeaveTheColumnToDiscovery) {
  EXPECT_TRUE(validate(with(base_source(), {{"mode", "incrementing"}})).config.has_value());
  EXPECT_TRUE(validate(with(base_source(), {{"mode", "timestamp+incrementing"}, {"timestamp.column.name", "ts"}}))
                  .config.has_value());
}

TEST(SourceRules, TimestampModesNeedTheTimestampColumn) {
  for (const char* mode : {"timestamp", "timestamp+incrementing"}) {
    auto p = only_problem(validate(with(base_source(), {{"mode", mode}})), "timestamp.column.name");
    EXPECT_TRUE(contains(p.why, std::string("mode=") + mode)) << p.why;
  }
}

TEST(SourceRules, QueryWithTableListsIsAProblem) {
  auto p = only_problem(validate(with(base_source(), {{"query", "SELECT * FROM orders"},
                                                      {"table.whitelist", "orders"}})), "query");
  EXPECT_TRUE(contains(p.why, "query and table.whitelist are both set"));
  only_problem(validate(with(base_source(), {{"query", "SELECT 1"}, {"table.include.list", "o.*"}})), "query");
  EXPECT_TRUE(validate(with(base_source(), {{"query", "SELECT * FROM orders"}})).config.has_value());
}

TEST(SourceRules, WhitelistAndBlacklistAreExclusive) {
  only_problem(validate(with(base_source(), {{"table.whitelist", "a"}, {"table.blacklist", "b"}})), "table.blacklist");
  only_problem(validate(with(base_source(), {{"table.include.list", "a"}, {"table.exclude.list", "b"}})),
               "table.exclude.list");
  only_problem(validate(with(base_source(), {{"table.whitelist", "a"}, {"table.include.list", "b"}})),
               "table.include.list");
}

TEST(SourceRules, QueryNeedsANonEmptyTopicPrefix) {
  only_problem(validate(with(base_source(), {{"query", "SELECT 1"}, {"topic.prefix", ""}})), "topic.prefix");
  EXPECT_TRUE(validate(with(base_source(), {{"topic.prefix", ""}})).config.has_value());
}

TEST(SourceRules, RequiredExactlyOnceNeedsAnOffsetTopic) {
  only_problem(validate(with(base_source(), {{"exactly.once.support", "required"}})), "exactly.once.support");
  EXPECT_TRUE(validate(with(base_source(), {{"exactly.once.support", "required"},
                                            {"offset.storage.topic", "connect-offsets"}})).config.has_value());
}

TEST(SourceRules, OnlyPollTransactionBoundaryIsSupported) {
  auto p = only_problem(validate(with(base_source(), {{"transaction.boundary", "interval"}})), "transaction.boundary");
  EXPECT_TRUE(contains(p.why, "not supported yet"));
  EXPECT_TRUE(validate(with(base_source(), {{"transaction.boundary", "POLL"}})).config.has_value());
}

}  // namespace
}  // namespace sluice::config
