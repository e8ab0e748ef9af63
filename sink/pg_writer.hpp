#pragma once
// The PostgreSQL writer (libpq). Per batch, in one transaction on one leased connection:
//   insert  — binary COPY straight into the table;
//   upsert  — binary COPY into a temporary staging table (one per connection and table, created
//             once, ON COMMIT DELETE ROWS), then INSERT … SELECT … ON CONFLICT (pk) DO UPDATE;
//   update  — the same staging, then UPDATE … FROM staging;
//   deletes — the keys into a key staging table, then DELETE … USING;
// then the offsets row of every partition in the batch is advanced by compare-and-set, and the
// transaction commits. Records are de-duplicated by key first (last operation wins). A record
// that cannot be written is isolated by bisecting the batch under savepoints; transient errors are
// retried on a fresh connection with exponential back-off.
// Thread-safety: one thread at a time (the task's writer thread).
#include <map>
#include <memory>
#include <string>

#include "dialects/postgres/catalog.hpp"
#include "dialects/postgres/connection.hpp"
#include "pool/pool.hpp"
#include "sink/row_plan.hpp"
#include "sink/writer.hpp"

namespace sluice::sink {

using pg_pool = pool::pool<pg::connection>;

class pg_writer final : public writer {
 public:
  pg_writer(sink_settings s, std::shared_ptr<pg_pool> pool, std::string holder);

  std::map<partition_key, std::optional<std::int64_t>> load_offsets(
      const std::vector<partition_key>& parts) override;
  void forget(const std::vector<partition_key>& parts) override;
  std::map<partition_key, std::int64_t> stored_offsets() override;
  void set_offsets(const std::map<partition_key, std::int64_t>& next) override;
  write_result write(batch& b, const before_commit_fn& before_commit) override;

 private:
  struct table_group;

  void ensure_offsets_table(pg::connection& c);
  const pg::table_info& ensure_table(pg::connection& c, table_group& g);
  // true (errors.tolerance=all, outside bisection) when a record that could not be encoded had
  // superseded others of its key: the batch is then written again under bisection.
  bool write_group(pg::connection& c, batch& b, table_group& g, bool bisect,
                   std::vector<std::size_t>& failed);
  void write_ops(pg::connection& c, batch& b, table_group& g, const std::vector<std::size_t>& ups,
                 const std::vector<std::size_t>& dels, bool bisect, std::vector<std::size_t>& failed);
  void bisect(pg::connection& c, batch& b, table_group& g, std::vector<std::size_t> ups,
              std::vector<std::size_t> dels, std::vector<std::size_t>& failed);
  bool advance_offsets(pg::connection& c, const batch& b);
  std::string where(const std::string& table) const;

  sink_settings s_;
  std::shared_ptr<pg_pool> pool_;
  std::string holder_;
  pg::quoting q_;
  pg::table_ref offsets_ref_;
  bool offsets_ready_ = false;
  std::map<std::pair<std::string, std::string>, pg::table_info> tables_;  // exact names
  std::map<partition_key, std::optional<std::int64_t>> expected_;
};

}  // namespace sluice::sink
