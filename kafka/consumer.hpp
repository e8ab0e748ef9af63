#pragma once
// A Kafka group consumer with manual offsets: enable.auto.commit=false and
// enable.auto.offset.store=false are forced, so an offset is committed only when the caller says
// so (sinks commit offsets with their rows first). Handles the EAGER (range, roundrobin) and
// COOPERATIVE (cooperative-sticky) rebalance protocols; on every assignment the listener may set
// where each partition starts (offsets stored in the database), else the group's committed
// offset (or auto.offset.reset) applies.
// Ownership: owns its librdkafka handle; borrows the listener, which must outlive it.
// Thread-safety: one thread at a time (the poll thread); the listener runs on that thread
// inside poll() and close(). An exception from the listener is rethrown from that poll(); the
// partitions of a failed on_assigned are assigned but paused, so nothing is read from an
// unknown position.
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka/handles.hpp"
#include "kafka/message.hpp"
#include "kafka/settings.hpp"

namespace sluice::kafka {

struct topic_partition {
  std::string topic;
  std::int32_t partition;
  std::int64_t offset = RD_KAFKA_OFFSET_INVALID;  // -1001
  bool operator==(const topic_partition&) const = default;
};

class rebalance_listener {
 public:
  virtual ~rebalance_listener() = default;
  // Set tp.offset to where consumption must start; leave it invalid for the group's committed
  // offset. With the COOPERATIVE protocol `partitions` holds only the newly added ones.
  virtual void on_assigned(std::vector<topic_partition>& partitions) = 0;
  // Before the partitions are given up (flush and commit now); also when they were lost (the
  // group moved on without us: a commit would fail, stop writing them).
  virtual void on_revoked(const std::vector<topic_partition>& partitions) = 0;
};

class consumer {
 public:
  // `where` names the connector/role in errors and logs; `listener` may be null.
  consumer(const settings& s, std::string where, rebalance_listener* listener);
  ~consumer();  // calls close(), never throws
  consumer(consumer&&) noexcept;
  consumer& operator=(consumer&&) noexcept;

  // A name starting with ^ is a regex, as in librdkafka.
  void subscribe(const std::vector<std::string>& topics);
  // nullopt on timeout; errors surface as messages with error() set.
  std::optional<message> poll(std::chrono::milliseconds timeout);
  // offsets = the next offset to read. A synchronous commit throws sluice::error; an
  // asynchronous one logs its failure.
  void commit(const std::vector<topic_partition>& offsets, bool async);
  void pause(const std::vector<topic_partition>& partitions);
  void resume(const std::vector<topic_partition>& partitions);
  std::vector<topic_partition> assignment();
  // The partition's high watermark from the last fetch response (no blocking call), or nullopt
  // when none has been seen yet.
  std::optional<std::int64_t> high_watermark(const std::string& topic, std::int32_t partition);
  // Messages librdkafka has fetched and not yet handed to poll() (all partitions; no blocking).
  std::size_t queued();
  // The value librdkafka runs with for a configuration property (its default where the settings
  // left it out); empty for an unknown name.
  std::string setting(const char* name);
  // The group's committed offsets for `partitions` (a blocking call to the coordinator).
  std::vector<topic_partition> committed(const std::vector<topic_partition>& partitions,
                                         std::chrono::milliseconds timeout);
  // Leaves the group (revoking through the listener). Idempotent; throws sluice::error when
  // librdkafka reports a failure.
  void close();

  const std::string& where() const;
  rd_kafka_t* raw() { return handle_.get(); }

  struct callbacks;  // internal: what librdkafka's C callbacks reach through the opaque pointer

 private:
  void rethrow_pending();

  std::unique_ptr<callbacks> callbacks_;  // declared first: outlives handle_
  handle_ptr handle_;
  bool closed_ = false;
};

// Conversions between topic_partition vectors and librdkafka's lists.
partition_list_ptr to_list(const std::vector<topic_partition>& tps);
std::vector<topic_partition> from_list(const rd_kafka_topic_partition_list_t* list);

}  // namespace sluice::kafka
