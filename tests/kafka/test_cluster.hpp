#pragma once
// The cluster a kafka test runs against: a fresh embedded broker by default, or a real cluster
// when SLUICE_TEST_KAFKA_BOOTSTRAP is set (for the behaviours librdkafka 2.0.2's mock lacks:
// those tests skip on the embedded broker and say why).
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kafka/embedded_broker.hpp"
#include "kafka/producer.hpp"

namespace sluice::testing {

class test_cluster {
 public:
  explicit test_cluster(int brokers = 1, int default_partitions = 1) {
    if (const char* real = std::getenv("SLUICE_TEST_KAFKA_BOOTSTRAP")) {
      bootstrap_ = real;
    } else {
      embedded_ = std::make_unique<kafka::embedded_broker>(brokers, default_partitions);
      bootstrap_ = embedded_->bootstrap_servers();
    }
  }
  bool is_embedded() const { return embedded_ != nullptr; }
  kafka::embedded_broker& embedded() { return *embedded_; }
  const std::string& bootstrap() const { return bootstrap_; }

  // A topic name unique in this process (a real cluster keeps topics between runs).
  std::string topic(int partitions, const std::string& prefix = "t") {
    static std::atomic<int> n{0};
    std::string name = fmt::format("{}-{}-{}", prefix, ::getpid(), ++n);
    kafka::producer p({{"bootstrap.servers", bootstrap_}}, "test topic creation");
    p.create_topic_if_missing(name, partitions);
    return name;
  }

 private:
  std::unique_ptr<kafka::embedded_broker> embedded_;
  std::string bootstrap_;
};

}  // namespace sluice::testing
