#pragma once
// A Kafka producer: idempotent by default (enable.idempotence=true unless the settings say
// otherwise), keys partitioned like the Java client (partitioner=murmur2_random), transactional
// when transactional.id is set. produce() is the hot path: expected outcomes such as a full
// queue come back as values; delivery reports come back through the on_delivery callback from
// poll()/flush() on the calling thread, each with the token given to produce().
// Ownership: owns its librdkafka handle; destroying it drops undelivered records (flush first).
// Thread-safety: produce() may be called from several threads; poll(), flush() and the
// transaction calls from one thread at a time. on_delivery runs on the thread calling
// poll()/flush(); an exception it throws is rethrown from that poll()/flush().
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "core/error.hpp"
#include "kafka/handles.hpp"
#include "kafka/message.hpp"
#include "kafka/settings.hpp"

namespace sluice::kafka {

struct delivery_report {
  std::uint64_t token;
  rd_kafka_resp_err_t err;
  std::string error_text;
  std::string topic;
  std::int32_t partition;
  std::int64_t offset;
};

class producer {
 public:
  // `where` names the connector/role in errors and logs ("source 'orders' producer").
  producer(const settings& s, std::string where,
           std::function<void(const delivery_report&)> on_delivery = {});
  ~producer();
  producer(producer&&) noexcept;
  producer& operator=(producer&&) noexcept;

  // partition -1 = by key (murmur2_random unless `partitioner` is set). Returns NO_ERROR when
  // queued; RD_KAFKA_RESP_ERR__QUEUE_FULL (poll and retry), RD_KAFKA_RESP_ERR__FATAL (the
  // producer is fenced or broken: see fatal_error()) and other failures as values.
  rd_kafka_resp_err_t produce(const std::string& topic, std::int32_t partition,
                              std::optional<std::string_view> key,
                              std::optional<std::string_view> value,
                              const std::vector<header>& headers, std::uint64_t token);
  // Serves delivery reports; returns how many were served.
  int poll(int timeout_ms);
  // Waits until every queued record is delivered (or failed: see the reports). Throws
  // sluice::error when some are still in flight at the timeout.
  void flush(std::chrono::milliseconds timeout);

  // Transactions (transactional.id must be set). Each throws sluice::error; a fenced producer
  // gets code "FENCED" and must be destroyed.
  void init_transactions(std::chrono::milliseconds timeout);
  void begin_transaction();
  void commit_transaction(std::chrono::milliseconds timeout);
  void abort_transaction(std::chrono::milliseconds timeout);

  // The fatal error that stopped this producer, if any (idempotence or transaction state lost,
  // or fenced: code "FENCED").
  std::optional<sluice::error> fatal_error() const;

  // Creates the topic through the admin API of this handle; "already exists" is fine. On the
  // embedded broker (whose mock does not serve CreateTopics) it creates the topic directly.
  // `timeout`: how long to wait for the answer (a mock broker in another process never answers).
  void create_topic_if_missing(const std::string& topic, int partitions,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& where() const;
  rd_kafka_t* raw() { return handle_.get(); }

  struct callbacks;  // internal: what librdkafka's C callbacks reach through the opaque pointer

 private:
  void rethrow_pending();

  std::unique_ptr<callbacks> callbacks_;  // declared first: outlives handle_
  handle_ptr handle_;
};

// Whether `topic` exists, from the metadata of every topic (asking for the one topic would make
// brokers with auto-creation create it with their defaults). false also when no answer came.
bool topic_exists(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace sluice::kafka
