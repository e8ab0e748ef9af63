#pragma once
// What a sink task needs from a database: stored offsets for partitions it is given, and the
// transactional write of a batch together with those offsets. One implementation per dialect
// family (PostgreSQL native; ODBC). A writer is used by one thread at a time.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "sink/batch.hpp"

namespace sluice::sink {

struct write_result {
  // The offsets row of a partition did not hold what this task expected: another owner wrote
  // (a rebalance). Nothing was committed; re-read the offsets and seek.
  bool conflict = false;
  std::map<partition_key, std::int64_t> committed;  // next offset per partition now stored
  std::vector<std::size_t> failed;   // entries that could not be written (failure set)
  std::optional<error_info> fatal;   // errors.tolerance=none: the first bad record; stop after
  std::size_t rows_written = 0;
  double db_seconds = 0;
  int retries = 0;
};

// Called with the failed entries after they are known and before the transaction commits, so the
// dead-letter queue holds them before the offsets move past them. Throws to abort the commit.
using before_commit_fn = std::function<void(const batch&, const std::vector<std::size_t>&)>;

class writer {
 public:
  virtual ~writer() = default;
  // Stored next offsets for these partitions (nullopt: none stored yet, start where the group is).
  virtual std::map<partition_key, std::optional<std::int64_t>> load_offsets(
      const std::vector<partition_key>& parts) = 0;
  virtual void forget(const std::vector<partition_key>& parts) = 0;
  // For the REST API's offsets endpoints, while the connector is stopped: every stored next offset
  // of this connector (partitions with none stored are left out; no table yet: none), and setting
  // some of them in one transaction (rows created as needed).
  virtual std::map<partition_key, std::int64_t> stored_offsets() = 0;
  virtual void set_offsets(const std::map<partition_key, std::int64_t>& next) = 0;
  virtual write_result write(batch& b, const before_commit_fn& before_commit) = 0;
  // Called on the task's thread with a complete batch, before it is handed to write(), while
  // the writer's thread may still be writing the previous batch: work that needs no connection
  // done ahead (into b.staged), so the writer's thread, which the database often leaves the
  // busiest, does less. write() must check that what was staged still fits, and do the work
  // itself when not. Must not throw; by default nothing is staged.
  virtual void stage(batch& b) noexcept { (void)b; }
};

}  // namespace sluice::sink
