#pragma once
// One polled table (or the custom query): its columns and record plan, its mode's WHERE clause,
// its commit-aware bound, and the chunked read of one poll.
//
// A poll runs on one leased connection: the bound statements (autocommit), then one REPEATABLE
// READ READ ONLY transaction whose snapshot every chunk is read with, through a cursor
// (DECLARE … NO SCROLL CURSOR, FETCH batch.max.rows, the next FETCH in flight while a chunk is
// produced): never more than two chunks in memory.
// Rows go to a row_consumer in publishing order, interleaved with commit points: places where
// every row handed over so far forms a prefix a restart can resume after (each row in
// incrementing and timestamp+incrementing modes; the end of a run of equal timestamps in
// timestamp mode; none in bulk mode).
//
// Ownership: owned by the task polling the table; borrows the connection for one poll.
// Thread-safety: none (one poller).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.hpp"
#include "dialects/postgres/connection.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "source/commit_bounds.hpp"
#include "source/offsets.hpp"
#include "source/row_plan.hpp"
#include "source/source_settings.hpp"

namespace sluice::source {

struct poll_target {
  std::optional<pg::table_ref> table;  // empty: the custom query
  source_partition partition;
  std::string topic;
  // Where else the table's offset may be stored, tried in order when none is stored under
  // `partition` (fallback_partition_names: Kafka Connect's protocol 0, older sluice names).
  std::vector<source_partition> fallbacks;
};

class row_consumer {
 public:
  virtual ~row_consumer() = default;
  // One row: decoded values and the fetched texts (views valid during the call).
  virtual void on_row(const row_plan& plan, const std::vector<value>& row,
                      const std::vector<std::string_view>& texts) = 0;
  // Every row handed over so far may be resumed after with `offset`.
  virtual void on_commit_point(const source_offset& offset) = 0;
  // Asked after each commit point (and each chunk in bulk mode): false ends the poll there.
  virtual bool keep_going() = 0;
};

struct poll_outcome {
  std::size_t rows = 0;
  bool complete = true;      // every row up to the bound was read (not stopped early)
  bool table_gone = false;   // the table was dropped or changed under the poll
  std::optional<std::int64_t> bound;  // the id / timestamp bound used, for logs and tests
};

class table_querier {
 public:
  table_querier(const source_settings& s, poll_target t, std::string where);

  // One poll starting after `from` (nullopt: from the beginning / timestamp.initial). Throws
  // sluice::error: retryable for connection and server trouble, not for configuration errors
  // (a missing or mistyped column, NULL-able tracking columns with validate.non.null).
  poll_outcome poll(pg::connection& c, const std::optional<source_offset>& from, row_consumer& out);

  const poll_target& target() const { return t_; }

 private:
  bool prepare(pg::connection& c);  // describe, plan, validate; false when the table is gone
  void describe_query(pg::connection& c, std::vector<pg::column_info>& cols);
  void check_tracking_columns(pg::connection& c);
  std::string from_sql() const;
  std::string select_sql(const std::optional<source_offset>& from, std::optional<std::int64_t> bound_id,
                         std::optional<std::int64_t> bound_ts) const;
  std::string ts_literal(std::int64_t micros) const;

  const source_settings& s_;
  poll_target t_;
  std::string where_;
  std::optional<row_plan> plan_;
  std::vector<std::string> primary_key_;
  std::string inc_column_;       // resolved incrementing column
  int inc_index_ = -1;
  std::string ts_native_;        // COALESCE("a", "b") in the columns' own type
  std::string ts_instant_;       // the same as timestamptz
  bool ts_without_zone_ = false;
  bool checked_ = false;         // tracking columns validated for the current plan
  bool warned_hidden_ = false;
  snapshot_sampler sampler_;
  std::optional<std::int64_t> initial_ts_;  // timestamp.initial=-1 resolved at the first poll
};

}  // namespace sluice::source
