#pragma once
// One source task: polls the tables assigned to it, each every poll.interval.ms, with its own
// pool lease per poll, and publishes the rows with an idempotent producer. A record counts as
// published only once the broker acknowledged it; an offset is written only after every record
// before it is acknowledged (at-least-once), or in the same Kafka transaction as the records
// (exactly-once: one transactional producer per table, transactional.id "<connector>-<table>").
// Stopping ends the poll in flight at its next commit point, waits for the acknowledgements and
// writes the offset.
// In a cluster (`claims` set) the task polls only the tables this worker holds, reads their
// offsets again whenever it gains one, and confirms it still holds a table before each poll and
// before storing its offsets or committing its transaction (table_claims.hpp: fencing).
// Ownership: owns its producers and the per-table pollers; shares the pool, the offset store,
// the assignment and the claims with the connector. Thread-safety: run() on one thread; metrics from any.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "dialects/postgres/connection.hpp"
#include "kafka/producer.hpp"
#include "pool/pool.hpp"
#include "source/assignment.hpp"
#include "source/metrics.hpp"
#include "source/offsets.hpp"
#include "source/source_settings.hpp"
#include "source/table_claims.hpp"
#include "source/table_reader.hpp"

namespace sluice::source {

using pg_pool = pool::pool<pg::connection>;

class source_task final : private row_consumer {
 public:
  // `readers` makes the reader of each table (it holds the database's pool).
  source_task(const source_settings& s, int id, reader_factory readers,
              std::shared_ptr<offset_store> offsets, std::shared_ptr<table_assignment> tables,
              kafka::settings producer_settings, std::shared_ptr<task_metrics> metrics,
              std::shared_ptr<table_claims> claims = nullptr);
  ~source_task() override;

  // Polls until `stop` (then finishes gracefully) or a failure (thrown; retryable() says whether
  // a restart may help).
  void run(std::stop_token stop);

 private:
  struct table_state {
    std::unique_ptr<table_reader> querier;
    std::optional<source_offset> position;  // after the last completed poll
    std::chrono::steady_clock::time_point next_poll{};
    std::unique_ptr<kafka::producer> txn;   // exactly-once only
    bool topic_ready = false;
    std::uint64_t epoch = 0;                // cluster: the claim this state was built under
  };
  struct in_flight {
    std::uint64_t seq;
    bool acked = false;
    std::optional<source_offset> commit;  // a resumable offset once this and all before are acked
  };

  void sync_tables();
  // The stored offset of `t`: under its partition, else under the first of its fallbacks that has one.
  std::optional<source_offset> load_offset(const poll_target& t, const std::string& where);
  void poll_table(table_state& t);
  kafka::producer& transactional_producer(table_state& t);
  void begin_if_needed();
  void commit_transaction();
  void abort_quietly(table_state& t) noexcept;

  // row_consumer
  void on_row(const row_plan& plan, const std::vector<value>& row,
              const std::vector<std::string_view>& texts) override;
  void on_commit_point(const source_offset& offset) override;
  bool keep_going() override;

  void on_delivery(const kafka::delivery_report& r);
  void settle_acks();  // in-flight prefix → acked_offset_
  void save_acked(bool force);
  void check_delivery_failures();
  void confirm_claim();  // cluster: throws code FENCED when the table is no longer ours

  const source_settings& s_;
  int id_;
  std::string where_;
  reader_factory readers_;
  std::shared_ptr<offset_store> offsets_;
  std::shared_ptr<table_assignment> tables_;
  kafka::settings producer_settings_;
  std::shared_ptr<task_metrics> metrics_;
  std::shared_ptr<table_claims> claims_;
  std::unique_ptr<kafka::producer> producer_;  // at-least-once
  std::map<std::string, table_state> states_;  // by partition JSON
  std::stop_token stop_;

  // The poll in flight.
  table_state* current_ = nullptr;
  kafka::producer* out_ = nullptr;
  std::deque<in_flight> in_flight_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t failed_ = 0;
  std::string first_failure_;
  std::optional<source_offset> last_commit_;   // newest commit point handed over
  std::optional<source_offset> acked_offset_;  // newest commit point with all before it acked
  std::optional<source_offset> saved_offset_;
  std::chrono::steady_clock::time_point last_save_{};
  std::string value_buf_;
  std::size_t rows_since_poll_ = 0;
  bool in_txn_ = false;
  std::size_t txn_records_ = 0;
  std::chrono::steady_clock::time_point txn_started_{};
};

}  // namespace sluice::source
