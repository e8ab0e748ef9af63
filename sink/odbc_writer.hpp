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
// Thread-safety: one thread at a time (the task's writer thread).
#include <map>
#include <memory>
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

 private:
  struct table_group;

  void prepare(odbc::connection& c);
  void ensure_offsets_table(odbc::connection& c);
  void ensure_table(odbc::connection& c, table_group& g);
  void write_group(odbc::connection& c, batch& b, table_group& g, bool isolate,
                   std::vector<std::size_t>& failed);
  void write_ops(odbc::connection& c, batch& b, table_group& g, const std::vector<std::size_t>& ups,
                 const std::vector<std::size_t>& dels, std::vector<std::size_t>& failed);
  void run_dml(odbc::connection& c, batch& b, table_group& g, const odbc::dml& d,
               const std::vector<std::size_t>& entries, bool keys_only, std::vector<std::size_t>& failed);
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
  std::optional<std::size_t> failed_entry_;  // the entry the driver marked in the last failure
};

}  // namespace sluice::sink
