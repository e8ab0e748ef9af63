#pragma once
// A Kafka cluster inside this process: librdkafka's mock cluster, which speaks the real Kafka
// protocol on 127.0.0.1 to any client (librdkafka, kcat, Java) and keeps the newest ~5 MiB of
// each partition in memory. Used for `bootstrap.servers=embedded`, `sluice kafka` and tests.
//
// What librdkafka 2.0.2's mock does NOT do (checked by tests/kafka): it writes no transaction
// markers, so a read_committed consumer also sees records of aborted transactions; it never
// fences an older transactional producer when a newer one with the same transactional.id calls
// init_transactions; it does not answer the CreateTopics admin request (use create_topic()); it
// auto-creates unknown topics with 4 partitions when another client asks for their metadata
// (default_partitions applies to topics first touched by sluice's own producer/consumer); and
// its group coordinator holds a rebalance of a running group for session.timeout.ms minus 1 s
// before it assigns anything, where a real broker moves on once every member has rejoined
// (embedded_group_settings()).
//
// Ownership: owns one librdkafka handle that owns the mock cluster and its threads; destroying
// the broker closes every client connection to it. Thread-safety: all members are safe from any
// thread.
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/handles.hpp"
#include "kafka/settings.hpp"

namespace sluice::kafka {

class embedded_broker {
 public:
  // Broker ids are 1..brokers. Throws sluice::error when the cluster cannot start.
  explicit embedded_broker(int brokers = 1, int default_partitions = 1);
  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  // "127.0.0.1:port,..." one entry per broker.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  int default_partitions() const { return default_partitions_; }

  // Creates `topic`; an existing topic with the same count is fine, with another count throws.
  void create_topic(const std::string& topic, int partitions);
  // Creates `topic` with `partitions` (-1: default_partitions()) unless it exists, with any count.
  void ensure_topic(const std::string& topic, int partitions = -1);

  // Closes the broker's connections and refuses new ones until set_broker_up.
  void set_broker_down(int broker_id);
  void set_broker_up(int broker_id);

  rd_kafka_mock_cluster_t* raw_cluster() const { return cluster_; }

 private:
  int partition_count(const std::string& topic) const;

  int brokers_;
  int default_partitions_;
  handle_ptr handle_;                  // owns the mock cluster (test.mock.num.brokers)
  rd_kafka_mock_cluster_t* cluster_;   // borrowed from handle_
  std::string bootstrap_;
};

// The process-wide embedded broker (1 broker, 1 partition per new topic) behind
// `bootstrap.servers=embedded`, started on first use and never destroyed before exit.
embedded_broker& process_embedded_broker();

// Consumer settings for a group on an embedded broker: a 6 s session timeout and 0.5 s heartbeats,
// so a rebalance waits 5 s rather than the 44 s librdkafka's default session timeout makes it
// wait. With two sink tasks the broker now and then refused the group's first SyncGroup, and the
// drain stood still 42-44 s (bench/RESULTS.md, 2026-11-24).
const settings& embedded_group_settings();

// True when `bootstrap` is the address list of a live embedded_broker of this process.
bool is_embedded_bootstrap(const std::string& bootstrap);
// When `bootstrap` is the address list of a live embedded_broker of this process, ensures
// `topic` exists on it (with `partitions`, -1: the broker's default) and returns true; otherwise
// returns false and does nothing. This is how default_partitions takes effect: sluice's own
// clients call it before first touching a topic of an embedded broker.
bool ensure_embedded_topic(const std::string& bootstrap, const std::string& topic,
                           int partitions = -1);

}  // namespace sluice::kafka
