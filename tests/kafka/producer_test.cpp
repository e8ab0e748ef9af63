#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "kafka/producer.hpp"
#include "tests/kafka/test_cluster.hpp"
#include "tests/support/kafka_helpers.hpp"

namespace sluice::kafka {
namespace {

using namespace std::chrono_literals;
using testing::test_cluster;

// Java's Utils.murmur2, to check that keys land where the Java client would put them.
std::int32_t java_murmur2(std::string_view data) {
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  std::uint32_t h = 0x9747b28c ^ static_cast<std::uint32_t>(data.size());
  std::size_t len4 = data.size() / 4;
  for (std::size_t i = 0; i < len4; ++i) {
    std::size_t i4 = i * 4;
    std::uint32_t k = (static_cast<std::uint8_t>(data[i4 + 0])) |
                      (static_cast<std::uint8_t>(data[i4 + 1]) << 8) |
                      (static_cast<std::uint8_t>(data[i4 + 2]) << 16) |
                      (static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i4 + 3])) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  std::size_t tail = len4 * 4;
  switch (data.size() % 4) {
    case 3: h ^= static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[tail + 2])) << 16; [[fallthrough]];
    case 2: h ^= static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[tail + 1])) << 8; [[fallthrough]];
    case 1: h ^= static_cast<std::uint8_t>(data[tail]); h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

TEST(Producer, RoundTripKeepsKeysValuesHeadersAndNulls) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  std::vector<testing::test_record> records = {
      {.key = "k1", .value = "v1", .headers = {{"h", "1"}, {"h", "2"}, {"other", ""}}},
      {.key = std::nullopt, .value = "no key"},
      {.key = "tomb", .value = std::nullopt},
      {.key = "", .value = ""},
  };
  testing::produce_all(cluster.bootstrap(), topic, records);
  auto got = testing::read_topic(cluster.bootstrap(), topic, 4, 20s);
  ASSERT_EQ(got.size(), 4u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, records[i].key) << i;
    EXPECT_EQ(got[i].value, records[i].value) << i;
    EXPECT_EQ(got[i].headers, records[i].headers) << i;
    EXPECT_EQ(got[i].offset, static_cast<std::int64_t>(i));
  }
}

TEST(Producer, DeliveryReportsCarryTheTokenPartitionAndOffset) {
  test_cluster cluster;
  std::string topic = cluster.topic(2);
  std::vector<delivery_report> reports;
  producer p({{"bootstrap.servers", cluster.bootstrap()}}, "test producer",
             [&](const delivery_report& r) { reports.push_back(r); });
  for (std::uint64_t t = 100; t < 105; ++t)
    ASSERT_EQ(p.produce(topic, 1, "k", "v", {}, t), RD_KAFKA_RESP_ERR_NO_ERROR);
  p.flush(10s);
  ASSERT_EQ(reports.size(), 5u);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].token, 100 + i);
    EXPECT_EQ(reports[i].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(reports[i].topic, topic);
    EXPECT_EQ(reports[i].partition, 1);
    EXPECT_EQ(reports[i].offset, static_cast<std::int64_t>(i));
  }
}

TEST(Producer, IsIdempotentUnlessTheSettingsSayOtherwise) {
  auto idempotence = [](producer& p) {
    char buf[16];
    std::size_t n = sizeof buf;
    rd_kafka_conf_get(rd_kafka_conf(p.raw()), "enable.idempotence", buf, &n);
    return std::string(buf);
  };
  producer by_default({{"bootstrap.servers", "127.0.0.1:1"}}, "test");
  EXPECT_EQ(idempotence(by_default), "true");
  producer off({{"bootstrap.servers", "127.0.0.1:1"}, {"enable.idempotence", "false"}}, "test");
  EXPECT_EQ(idempotence(off), "false");
}

TEST(Producer, KeysLandOnThePartitionTheJavaClientChooses) {
  test_cluster cluster;
  std::string topic = cluster.topic(6);
  std::map<std::string, std::int32_t> placed;
  producer p({{"bootstrap.servers", cluster.bootstrap()}}, "test", [&](const delivery_report& r) {
    placed["key-" + std::to_string(r.token)] = r.partition;
  });
  for (std::uint64_t i = 0; i < 30; ++i)
    ASSERT_EQ(p.produce(topic, -1, "key-" + std::to_string(i), "v", {}, i), 0);
  p.flush(10s);
  ASSERT_EQ(placed.size(), 30u);
  for (const auto& [key, partition] : placed)
    EXPECT_EQ(partition, (java_murmur2(key) & 0x7fffffff) % 6) << key;
}

TEST(Producer, FullQueueIsReturnedAsAValue) {
  producer p({{"bootstrap.servers", "127.0.0.1:1"}, {"queue.buffering.max.messages", "1"}},
             "test");
  ASSERT_EQ(p.produce("t", 0, "k", "v", {}, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(p.produce("t", 0, "k", "v", {}, 2), RD_KAFKA_RESP_ERR__QUEUE_FULL);
}

TEST(Producer, FlushThrowsRetryableErrorWhenRecordsAreStillInFlight) {
  producer p({{"bootstrap.servers", "127.0.0.1:1"}}, "source 'x' producer");
  ASSERT_EQ(p.produce("t", 0, "k", "v", {}, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  try {
    p.flush(300ms);
    FAIL() << "flush returned with a record in flight";
  } catch (const sluice::error& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.info().where, "source 'x' producer");
    EXPECT_NE(e.info().why.find("1 record(s)"), std::string::npos) << e.what();
  }
}

TEST(Producer, DeliveryCallbackExceptionIsRethrownFromFlush) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  producer p({{"bootstrap.servers", cluster.bootstrap()}}, "test",
             [](const delivery_report&) { throw std::runtime_error("callback failed"); });
  ASSERT_EQ(p.produce(topic, 0, "k", "v", {}, 1), 0);
  EXPECT_THROW(p.flush(10s), std::runtime_error);
}

TEST(Producer, RecordsProducedWhileTheBrokerIsDownAreDeliveredOnceItIsBack) {
  test_cluster cluster;
  if (!cluster.is_embedded()) GTEST_SKIP() << "needs the embedded broker's fault injection";
  std::string topic = cluster.topic(1);
  std::size_t ok = 0, failed = 0;
  producer p({{"bootstrap.servers", cluster.bootstrap()}}, "test", [&](const delivery_report& r) {
    (r.err ? failed : ok)++;
  });
  ASSERT_EQ(p.produce(topic, 0, "k", "before", {}, 0), 0);
  p.flush(10s);  // connected and the producer id assigned

  cluster.embedded().set_broker_down(1);
  for (std::uint64_t i = 1; i <= 20; ++i) ASSERT_EQ(p.produce(topic, 0, "k", "down", {}, i), 0);
  for (int i = 0; i < 15; ++i) p.poll(100);  // retries fail while it is down
  EXPECT_EQ(ok, 1u);
  cluster.embedded().set_broker_up(1);
  p.flush(30s);
  EXPECT_EQ(ok, 21u);
  EXPECT_EQ(failed, 0u);
  auto got = testing::read_topic(cluster.bootstrap(), topic, 100, 3s);
  EXPECT_EQ(got.size(), 21u) << "every record exactly once";
}

TEST(Producer, CreateTopicIfMissingAcceptsAnExistingTopic) {
  test_cluster cluster;
  producer p({{"bootstrap.servers", cluster.bootstrap()}}, "test");
  p.create_topic_if_missing("made", 3);
  EXPECT_NO_THROW(p.create_topic_if_missing("made", 3));
  EXPECT_NO_THROW(p.create_topic_if_missing("made", 5));
  for (std::uint64_t i = 0; i < 3; ++i)
    EXPECT_EQ(p.produce("made", static_cast<std::int32_t>(i), "k", "v", {}, i), 0);
  p.flush(10s);
}

TEST(Producer, MovedProducerKeepsDeliveringToItsCallback) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  int delivered = 0;
  producer a({{"bootstrap.servers", cluster.bootstrap()}}, "test",
             [&](const delivery_report& r) { delivered += r.err ? 0 : 1; });
  producer b = std::move(a);
  ASSERT_EQ(b.produce(topic, 0, "k", "v", {}, 1), 0);
  b.flush(10s);
  EXPECT_EQ(delivered, 1);
}

}  // namespace
}  // namespace sluice::kafka
