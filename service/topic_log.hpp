#pragma once
// A Kafka topic used as the cluster's shared log of keyed records (connector configs, worker
// statuses): every partition is read from the beginning and each record handed to the handler
// in offset order per partition; publish() returns once the broker acknowledged the record.
// Records of one key keep their order because a key always goes to one partition, so the topic
// may have any number of partitions (a compacted topic keeps the newest record per key).
// Ownership: owns a producer, a consumer and the reader thread.
// Thread-safety: publish() from any thread; start/stop from one. The handler runs on the
// thread calling start() until the end is reached, then on the reader thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "kafka/settings.hpp"

namespace sluice::service {

class topic_log {
 public:
  using handler =
      std::function<void(const std::string& key, const std::optional<std::string>& value)>;

  // `client` holds bootstrap.servers and security settings; `where` names the role in errors.
  topic_log(kafka::settings client, std::string topic, std::string where);
  ~topic_log();  // stop()
  topic_log(const topic_log&) = delete;
  topic_log& operator=(const topic_log&) = delete;

  // Reads every partition up to its end as it is now, then keeps reading on its own thread.
  // Throws sluice::error (retryable) when the topic cannot be read within `timeout`.
  void start(handler on_record, std::chrono::milliseconds timeout);
  void stop();
  // Durable when it returns (acknowledged); nullopt publishes a tombstone. Throws sluice::error.
  void publish(const std::string& key, const std::optional<std::string>& value);
  const std::string& topic() const { return topic_; }

 private:
  void read(std::chrono::milliseconds timeout);  // one poll
  void run(std::stop_token stop);

  kafka::settings client_;
  std::string topic_, where_;
  handler on_record_;
  std::mutex publish_mu_;
  std::unique_ptr<kafka::producer> producer_;
  std::string failure_;     // of the record being published, under publish_mu_
  std::uint64_t sent_ = 0;  // token of that record
  std::unique_ptr<kafka::consumer> consumer_;
  std::jthread reader_;
};

}  // namespace sluice::service
