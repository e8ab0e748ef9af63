#pragma once
// The writer for every database reached through ODBC (MySQL/MariaDB, SQLite, SQL Server, generic,
// PostgreSQL via psqlODBC), with the same semantics as pg_writer. Per batch, in one transaction on
// one leased connection:
//   deletes — DELETE … WHERE key = ? with the keys as one parameter array;
//   rows    — the dialect's INSERT / upsert / UPDATE with the rows as one parameter array;
// then the offsets row of every partition in the batch is advanced by compare-and-set (UPDATE …
// WHERE next_offset = expected, one row affected or the transaction rolls back), and the
// transaction commits. Records are de-duplicated by key first (last operation wins). A record
// that cannot be written is isolated under savepoints: directly when the driver marks the failed
// row of an array, by bisecting the batch otherwise. Transient errors are retried on a fresh
// connection with exponential back-off (max.retries, retry.backoff.ms); a record error keeps the
// connection (rolled back), a poisoning error destroys it. When the connection is lost during
// COMMIT, the retry first reads the stored offsets: if they already end where the batch ends, the
// commit went through and the batch is done (no conflict, no task restart).
// DDL (auto.create, auto.evolve, the offsets table) runs in autocommit before the transaction.
// Rows prepared ahead: stage() runs on the task's thread while this writer's thread writes the
// previous batch. For each table whose statement and bindings an earlier write published, it
// fills the rows' parameter arrays (and renders SQLite's JSON parameter) into the batch. write()
// uses them when the statement and bindings it computes for the table are equal to those, the
// batch was not changed since, and it is not bisecting; otherwise it fills the rows itself. On
// SQLite, sluice's own code fell from 14.5% of the writer thread's profile samples to 3.3%
// (RESULTS.md, 2026-11-24 21:10).
// Thread-safety: write() and the rest on one thread at a time (the task's writer thread);
// stage() on one other thread (the task's), sharing only the published targets (mutex).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/dialect.hpp"
#include "dialects/odbc/param_array.hpp"
#include "pool/pool.hpp"
#include "sink/row_plan.hpp"
#include "sink/writer.hpp"

namespace sluice::sink {

using odbc_pool = pool::pool<odbc::connection>;

class odbc_writer final : public writer {
 public:
  odbc_writer(sink_settings s, config::dialect kind, odbc::dialect_options o,
              std::shared_ptr<odbc_pool> pool, std::string holder);

  std::map<partition_key, std::optional<std::int64_t>> load_offsets(
      const std::vector<partition_key>& parts) override;
  void forget(const std::vector<partition_key>& parts) override;
  std::map<partition_key, std::int64_t> stored_offsets() override;
  void set_offsets(const std::map<partition_key, std::int64_t>& next) override;
  write_result write(batch& b, const before_commit_fn& before_commit) override;
  // Fills the parameters of each table's rows (and renders SQLite's JSON parameter) on the
  // task's thread, for tables whose statement and bindings an earlier batch published; write()
  // uses them when its own statement and bindings for the table come out the same.
  void stage(batch& b) noexcept override;

  // What the rows of one table are written with: the plan's columns, the statement, and how each
  // parameter is bound. Published by write() per table for stage(), and compared by value.
  struct write_target {
    std::vector<std::string> plan_columns;  // the plan's column names, in order
    std::size_t pk_count = 0;
    odbc::dml dml;
    std::vector<odbc::bind_as> kinds;
    std::vector<odbc::column_family> families;
    std::vector<std::string> columns;  // the parameters' column names, for messages
    bool utf8 = false;                 // the connection's utf8_params()
    std::size_t per = 1;               // rows per statement
    bool operator==(const write_target& o) const;
  };

 private:
  struct table_group;
  struct staged;

  void prepare(odbc::connection& c);
  void ensure_offsets_table(odbc::connection& c);
  void ensure_table(odbc::connection& c, table_group& g);
  // true (errors.tolerance=all, outside isolation) when a record that could not be converted had
  // superseded others of its key: the batch is then written again under isolation.
  bool write_group(odbc::connection& c, batch& b, table_group& g, bool isolate,
                   std::vector<std::size_t>& failed, staged* st);
  void write_ops(odbc::connection& c, batch& b, table_group& g, const std::vector<std::size_t>& ups,
                 const std::vector<std::size_t>& dels, std::vector<std::size_t>& failed);
  write_target ups_target(odbc::connection& c, const table_group& g) const;  // rows' statement
  write_target target_for(const table_group& g, const odbc::dml& d, bool utf8) const;
  std::shared_ptr<const write_target> publish(const std::string& table, write_target t);
  void run_dml(odbc::connection& c, batch& b, table_group& g, const write_target& t,
               const std::vector<std::size_t>& entries, bool keys_only, std::vector<std::size_t>& failed);
  // Executes the rows filled into `a` with t's statement; row_entry maps array rows to entries.
  void execute_filled(odbc::connection& c, const write_target& t, odbc::param_array& a,
                      const std::vector<std::size_t>& row_entry);
  void isolate(odbc::connection& c, batch& b, table_group& g, std::vector<std::size_t> ups,
               std::vector<std::size_t> dels, std::vector<std::size_t>& failed);
  bool advance_offsets(odbc::connection& c, const batch& b);
  // Whether the stored offsets already end where this batch ends (its commit went through
  // although the connection was lost before the answer came).
  bool already_committed(odbc::connection& c, const batch& b);
  std::string where(const std::string& table) const;

  sink_settings s_;
  std::unique_ptr<odbc::dialect> d_;
  std::shared_ptr<odbc_pool> pool_;
  std::string holder_;
  bool adapted_ = false;
  odbc::table_id offsets_id_;
  bool offsets_ready_ = false;
  std::map<std::pair<std::string, std::string>, odbc::table_def> tables_;  // by requested name
  std::map<partition_key, std::optional<std::int64_t>> expected_;
  odbc::param_array params_;
  std::vector<std::size_t> row_entry_;  // run_dml's array row → batch entry
  // The latest write_target per table (as table.name.format produced it), for stage() on the
  // task's thread: shared, immutable, swapped under the mutex.
  std::mutex published_mu_;
  std::map<std::string, std::shared_ptr<const write_target>> published_;
  std::optional<std::size_t> failed_entry_;  // the entry the driver marked in the last failure
};

}  // namespace sluice::sink
