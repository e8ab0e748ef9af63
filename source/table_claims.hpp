#pragma once
// Which of a source connector's tables this worker polls when several sluice workers run the
// connector (cluster mode). Kafka's group coordinator decides, no election of our own: every
// worker's claims join one consumer group on a small coordination topic whose partitions stand
// for the tables (a table's slot = a stable hash of its name modulo the partition count), so each
// slot, and with it each table, is assigned to exactly one live worker. A worker that dies or
// freezes past the session timeout loses its slots to the others.
//
// Handing a table over: on revocation the claims stop new polls of the revoked tables and wait
// until the polls in flight ended (their offsets are stored), so the next owner, which reads the
// offsets when it gains the table, continues exactly there.
//
// Fencing of a frozen owner: before a poll and before its offsets are stored (or its transaction
// committed) the task calls confirm(), a synchronous offset commit on the table's slot carrying
// the member id and generation; the coordinator refuses it (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS) once the group moved on, and the task then drops the
// table without publishing further. What remains is the window between the last confirm and
// the records already handed to the producer (see README "Running a cluster").
//
// Ownership: owns the consumer and its poll thread. Thread-safety: every public member is safe
// from any thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "kafka/consumer.hpp"
#include "kafka/settings.hpp"
#include "source/offsets.hpp"

namespace sluice::source {

// What a source connector needs to know to run in a cluster (service/cluster.hpp).
struct cluster_membership {
  std::string group_id;  // the cluster's group.id
  std::chrono::milliseconds session_timeout{10000};
};

struct claims_options {
  kafka::settings client;   // bootstrap.servers and security settings
  std::string group;        // the consumer group of this connector's table claims
  std::string topic;        // the coordination topic (its partitions are the slots)
  int partitions = 12;      // asked for when creating the topic; an existing topic keeps its own
  std::chrono::milliseconds session_timeout{10000};
  std::string where;        // "source 'orders' table claims"
};

class table_claims final : public kafka::rebalance_listener {
 public:
  explicit table_claims(claims_options o);
  ~table_claims() override;  // stop()

  // Creates the topic when missing, joins the group and serves it on a thread. Throws
  // sluice::error when the topic's metadata cannot be read.
  void start();
  // Leaves the group (the others take the tables over at once). Call after the tasks stopped.
  void stop();

  // The epoch of `p`'s slot while this worker holds it (new after every gain), or 0.
  std::uint64_t held(const source_partition& p) const;
  // Starts a poll of `p` if the slot is still held with `epoch`: false when it is not (then the
  // caller drops the table). A true answer must be followed by end_poll().
  bool begin_poll(const source_partition& p, std::uint64_t epoch);
  void end_poll(const source_partition& p);
  // Asks the group coordinator whether this worker still holds `p` (a synchronous commit with
  // its generation). false: fenced, publish nothing more for `p`.
  bool confirm(const source_partition& p);

  int slot_of(const source_partition& p) const;

  // kafka::rebalance_listener, on the claims' poll thread.
  void on_assigned(std::vector<kafka::topic_partition>& partitions) override;
  void on_revoked(const std::vector<kafka::topic_partition>& partitions) override;

 private:
  void run(std::stop_token stop);

  claims_options o_;
  int slots_ = 0;
  std::unique_ptr<kafka::consumer> consumer_;
  std::mutex client_mu_;  // consumer_: poll and commit one at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, std::uint64_t> held_;  // slot -> epoch
  std::map<int, int> busy_;            // slot -> polls in flight
  std::set<int> revoking_;             // slots given up in order, while on_revoked waits
  std::uint64_t next_epoch_ = 1;
  std::jthread thread_;
};

}  // namespace sluice::source
