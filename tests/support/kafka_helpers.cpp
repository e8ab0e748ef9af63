#include "tests/support/kafka_helpers.hpp"

#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"

namespace sluice::testing {

void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<test_record>& records) {
  std::size_t failed = 0;
  std::string first_error;
  kafka::producer p({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}}, "test producer",
                    [&](const kafka::delivery_report& r) {
                      if (r.err && failed++ == 0) first_error = r.error_text;
                    });
  std::uint64_t token = 0;
  for (const auto& r : records) {
    for (;;) {
      auto err = p.produce(topic, r.partition, r.key, r.value, r.headers, token);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        p.poll(10);
        continue;
      }
      if (err)
        throw std::runtime_error(fmt::format("produce to {} failed: {}", topic, rd_kafka_err2str(err)));
      break;
    }
    ++token;
  }
  p.flush(std::chrono::seconds(60));
  if (failed)
    throw std::runtime_error(fmt::format("{} of {} records to {} failed: {}", failed,
                                         records.size(), topic, first_error));
}

std::vector<consumed> read_topic(const std::string& bootstrap, const std::string& topic,
                                 std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // librdkafka's consumer needs a group.id even for manual assignment; this one never joins.
  static std::atomic<int> readers{0};
  kafka::consumer c({{"bootstrap.servers", bootstrap},
                     {"group.id", fmt::format("sluice-test-reader-{}-{}", ::getpid(), ++readers)}},
                    "test reader", nullptr);

  // The partition count, waiting for the topic to appear.
  int partitions = 0;
  while (partitions == 0) {
    kafka::topic_ptr t(rd_kafka_topic_new(c.raw(), topic.c_str(), nullptr));
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(c.raw(), 0, t.get(), &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      kafka::metadata_ptr owned(md);
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        partitions = md->topics[0].partition_cnt;
    }
    if (partitions == 0) {
      if (std::chrono::steady_clock::now() >= deadline) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::vector<kafka::topic_partition> all;
  for (int p = 0; p < partitions; ++p) all.push_back({topic, p, RD_KAFKA_OFFSET_BEGINNING});
  kafka::partition_list_ptr list = kafka::to_list(all);
  if (auto err = rd_kafka_assign(c.raw(), list.get()))
    throw std::runtime_error(fmt::format("cannot assign {}: {}", topic, rd_kafka_err2str(err)));

  std::vector<consumed> out;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto m = c.poll(std::chrono::milliseconds(100));
    if (!m || m->error()) continue;
    consumed r{.partition = m->partition(), .offset = m->offset(), .headers = m->headers()};
    if (auto k = m->key()) r.key = std::string(*k);
    if (auto v = m->value()) r.value = std::string(*v);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sluice::testing
