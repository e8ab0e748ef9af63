// Keys real Kafka Connect and Confluent configs carry that sluice accepts: some applied
// (offsets.storage.topic, connection.<driver property>), most accepted with no effect as the
// reference says, and values needing behaviour sluice lacks reported.
#include <gtest/gtest.h>
#include "config/connector_config.hpp"
#include "tests/config/config_test_helpers.hpp"

namespace sluice::config {
namespace {

using namespace test;

TEST(CompatKeys, ConfluentSourceWithWorkerAndConnectKeysIsClean) {
  auto r = validate(with(base_source(), {{"header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter"},
                                         {"config.action.reload", "restart"},
                                         {"tasks.max.enforce", "true"},
                                         {"predicates", "isTombstone"},
                                         {"predicates.isTombstone.type",
                                          "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"},
                                         {"topic.creation.groups", "compacted"},
                                         {"topic.creation.default.replication.factor", "3"},
                                         {"topic.creation.default.partitions", "6"},
                                         {"topic.creation.default.cleanup.policy", "delete"},
                                         {"topic.creation.compacted.include", "shop-.*"},
                                         {"topic.creation.compacted.cleanup.policy", "compact"},
                                         {"offsets.storage.topic", "shop-offsets"},
                                         {"transaction.boundary", "poll"},
                                         {"transaction.boundary.interval.ms", "10000"},
                                         {"catalog.pattern", "shop"},
                                         {"query.retry.attempts", "3"},
                                         {"transaction.isolation.mode", "DEFAULT"},
                                         {"incrementing.relaxed.monotonic", "false"},
                                         {"table.types", "TABLE,VIEW"}}));
  ASSERT_TRUE(r.config) << all_rendered(r);
  // offsets.storage.topic is Kafka Connect's connector-level name of offset.storage.topic.
  EXPECT_EQ(r.config->get_string("offset.storage.topic"), "shop-offsets");
}

TEST(CompatKeys, ConfluentSinkKeysAreClean) {
  auto r = validate(with(base_sink(), {{"trim.sensitive.log", "true"}, {"table.types", "TABLE"},
                                       {"header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter"},
                                       {"config.action.reload", "none"}}));
  EXPECT_TRUE(r.config) << all_rendered(r);
}

TEST(CompatKeys, DriverPropertiesBecomeUrlParameters) {
  auto r = validate(with(base_sink(), {{"connection.loginTimeout", "7"}, {"connection.sslmode", "require"},
                                       {"connection.url", "jdbc:postgresql://h/db?sslmode=verify-full"}}));
  ASSERT_TRUE(r.config) << all_rendered(r);
  const auto& conninfo = r.config->connection().libpq_conninfo;
  EXPECT_NE(conninfo.find("connect_timeout='7'"), std::string::npos) << conninfo;
  EXPECT_NE(conninfo.find("sslmode='verify-full'"), std::string::npos) << "the URL's parameter wins: " << conninfo;
  EXPECT_EQ(conninfo.find("sslmode='require'"), std::string::npos) << conninfo;
  // A misspelt option is still one, not a driver property.
  auto typo = only_problem(validate(with(base_sink(), {{"connection.atempts", "3"}})), "connection.atempts");
  EXPECT_NE(typo.fix.find("connection.attempts"), std::string::npos) << typo.render();
  // Forms without JDBC driver properties say where the setting goes instead.
  auto conninfo_form = only_problem(validate(with(base_sink(), {{"connection.url", "host=h dbname=d"},
                                                                {"connection.loginTimeout", "7"}})),
                                    "connection.loginTimeout");
  EXPECT_NE(conninfo_form.fix.find("connection.url"), std::string::npos) << conninfo_form.render();
}

TEST(CompatKeys, ValuesNeedingWhatSluiceLacksAreReported) {
  auto predicate = only_problem(validate(with(base_sink(), {{"predicates", "p"}, {"predicates.p.type", "com.acme.Mine"}})),
                                "predicates.p.type");
  EXPECT_NE(predicate.fix.find("TopicNameMatches"), std::string::npos) << predicate.render();
  only_problem(validate(with(base_sink(), {{"predicates", "p"}})), "predicates.p.type");
  only_problem(validate(with(base_sink(), {{"predicates.q.type", "TopicNameMatches"}})), "predicates.q.type");
  auto isolation = only_problem(validate(with(base_source(), {{"transaction.isolation.mode", "SERIALIZABLE"}})),
                                "transaction.isolation.mode");
  EXPECT_NE(isolation.why.find("not supported"), std::string::npos) << isolation.render();
  only_problem(validate(with(base_source(), {{"incrementing.relaxed.monotonic", "true"}})),
               "incrementing.relaxed.monotonic");
  only_problem(validate(with(base_source(), {{"offsets.storage.topic", "a"}, {"offset.storage.topic", "b"}})),
               "offsets.storage.topic");
  only_problem(validate(with(base_source(), {{"config.action.reload", "sometimes"}})), "config.action.reload");
  only_problem(validate(with(base_sink(), {{"trim.sensitive.log", "maybe"}})), "trim.sensitive.log");
}

}  // namespace
}  // namespace sluice::config
