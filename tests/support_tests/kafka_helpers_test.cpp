#include <gtest/gtest.h>

#include "kafka/embedded_broker.hpp"
#include "tests/support/kafka_helpers.hpp"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;

TEST(KafkaHelpers, ReadTopicReturnsEveryPartitionsRecords) {
  kafka::embedded_broker broker;
  broker.create_topic("helpers", 3);
  std::vector<test_record> records;
  for (int i = 0; i < 9; ++i)
    records.push_back({.key = "k" + std::to_string(i), .value = std::to_string(i),
                       .partition = i % 3, .headers = {{"n", std::to_string(i)}}});
  produce_all(broker.bootstrap_servers(), "helpers", records);
  auto got = read_topic(broker.bootstrap_servers(), "helpers", 9, 20s);
  ASSERT_EQ(got.size(), 9u);
  for (const auto& r : got) {
    int i = std::stoi(r.value.value());
    EXPECT_EQ(r.partition, i % 3);
    EXPECT_EQ(r.offset, i / 3);
    EXPECT_EQ(r.key, "k" + std::to_string(i));
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].value, std::to_string(i));
  }
}

TEST(KafkaHelpers, ReadTopicStopsAtTheTimeoutWithWhatItHas) {
  kafka::embedded_broker broker;
  produce_all(broker.bootstrap_servers(), "short", {{.key = "k", .value = "v"}});
  auto started = std::chrono::steady_clock::now();
  auto got = read_topic(broker.bootstrap_servers(), "short", 5, 2s);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace sluice::testing
