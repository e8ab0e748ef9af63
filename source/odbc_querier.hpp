#pragma once
// One polled table (or the custom query) of a database reached through ODBC: its columns and
// record plan (source::row_plan, shared with the PostgreSQL path), and the read of one poll with
// the dialect's polling statement (dialects/odbc/poll_sql.hpp).
//
// Bounds: incrementing reads up to MAX(id) taken at the start of the poll; timestamp modes read
// below the database's clock minus timestamp.delay.interval.ms. The commit-aware bound is
// PostgreSQL-only: here, as in Confluent's connector, a row committed later than that delay after
// its timestamp (or after a higher id committed) can be missed. Commit points are those of
// table_querier: each row in incrementing modes, the end of a run of equal timestamps in
// timestamp mode, none in bulk mode.
// Values are read as text (binary columns as bytes) and decoded by the row plan; timestamps
// without a zone (DATETIME, datetime2, SQLite text) are read as UTC.
// Ownership: owned by the task polling the table; borrows the connection for one poll.
// Thread-safety: none (one poller).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/dialect.hpp"
#include "dialects/odbc/poll_sql.hpp"
#include "source/offsets.hpp"
#include "source/row_plan.hpp"
#include "source/source_settings.hpp"
#include "source/table_querier.hpp"

namespace sluice::source {

class odbc_querier {
 public:
  odbc_querier(const source_settings& s, config::dialect kind, poll_target t, std::string where);

  // Throws sluice::error: retryable for connection and server trouble, not for configuration
  // errors (a missing or mistyped tracking column).
  poll_outcome poll(odbc::connection& c, const std::optional<source_offset>& from, row_consumer& out);
  const poll_target& target() const { return t_; }

 private:
  bool prepare(odbc::connection& c);
  std::vector<odbc::column_def> describe_query(odbc::connection& c);
  void check_tracking_columns();

  const source_settings& s_;
  std::unique_ptr<odbc::dialect> d_;
  bool adapted_ = false;
  poll_target t_;
  std::string where_;
  std::vector<odbc::column_def> columns_;
  std::vector<std::string> primary_key_;
  std::optional<row_plan> plan_;
  odbc::poll_spec spec_;
  std::optional<std::int64_t> initial_ts_;
};

}  // namespace sluice::source
