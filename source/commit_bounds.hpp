#pragma once
// Commit-aware upper bounds for PostgreSQL, so a row whose transaction commits after rows with
// higher ids / later timestamps were published is still published (see source/README.md, "No row
// lost", for the argument and its limits).
//
// incrementing: snapshot sampling. Before each poll's data transaction, sample() records the
// largest id visible in a fresh snapshot (S), that snapshot, and the transactions running just
// after it (V). read_busy() then lists the transactions that may still commit a sampled id: those
// holding an xid or a RowExclusiveLock on a non-catalog relation of this database (nextval() and
// INSERT take it and keep it to the transaction's end), or hidden from this user. A sample is safe once every xid that was
// in progress in its snapshot is visible to the data transaction's snapshot and none of its V is
// still busy: no transaction can then commit an id <= S any more. safe_bound() returns the
// largest safe S; the poll publishes ids in (offset, bound].
//
// timestamp modes: read_timestamp_bound() returns least(oldest xact_start of this database's other
// sessions in a transaction, the clock) - timestamp.delay.interval.ms; rows written with now() or
// clock_timestamp() by transactions still running can never be older than that.
//
// Ownership: a sampler is per table and owned by the task polling it. Thread-safety: none; one
// poller at a time. Statement order matters and is documented on each member.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "dialects/postgres/connection.hpp"

namespace sluice::source {

class snapshot_sampler {
 public:
  // Autocommit, before read_busy(): SELECT max(<id_expr>) FROM <from_sql> with the snapshot and
  // the running transactions, in one statement. `offset` prunes samples that can no longer
  // raise the bound.
  void sample(pg::connection& c, const std::string& from_sql, const std::string& id_expr,
              std::optional<std::int64_t> offset);
  // Autocommit, after sample() and before the data transaction's first statement.
  void read_busy(pg::connection& c);
  // The first statement of the data transaction (REPEATABLE READ): its snapshot is the one the
  // rows are read with. The largest safe sampled id; samples up to it are consumed.
  std::optional<std::int64_t> safe_bound(pg::connection& c);

  std::size_t samples() const { return samples_.size(); }
  // Sessions of other users whose state this user cannot see (they count as busy).
  int hidden_sessions() const { return hidden_; }

 private:
  struct sample_t {
    std::int64_t max_id;
    std::string snapshot;                // pg_snapshot text "xmin:xmax:xip,..."
    std::vector<std::string> running;    // virtual transaction ids running at the sample
  };
  static constexpr std::size_t max_samples = 64;
  std::deque<sample_t> samples_;
  std::unordered_set<std::string> busy_;
  int hidden_ = 0;
};

struct timestamp_bound {
  std::int64_t bound_us = 0;  // publish rows with timestamp < bound
  std::int64_t clock_us = 0;  // the database clock when read
  int hidden_sessions = 0;    // sessions whose xact_start this user cannot see
};

// Autocommit, before the data transaction (its snapshot must be taken after this read).
timestamp_bound read_timestamp_bound(pg::connection& c, std::chrono::milliseconds delay);

// True when the user may see every session's state in pg_stat_activity (superuser or member of
// pg_read_all_stats), which the bounds need to see writers of other users.
bool sees_all_sessions(pg::connection& c);

}  // namespace sluice::source
