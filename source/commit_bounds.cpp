#include "source/commit_bounds.hpp"

#include <fmt/format.h>

#include "dialects/postgres/text_values.hpp"
#include "dialects/postgres/types.hpp"

namespace sluice::source {
namespace {

// Transactions (by virtual transaction id) of other sessions of this database.
constexpr const char* running_sql = R"(
  SELECT pg_catalog.string_agg(l.virtualtransaction, ',')
    FROM pg_catalog.pg_locks l
    JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'virtualxid' AND l.granted AND l.virtualxid = l.virtualtransaction
     AND l.pid <> pg_catalog.pg_backend_pid()
     AND a.datname = pg_catalog.current_database())";

// Those of them that may still commit an id at or below a sample's max(id): they hold an xid,
// hold a RowExclusiveLock on a relation of this database that is not a system catalog, or are
// hidden from us (another user's session without pg_read_all_stats: state is NULL).
//
// Why this is enough (see source/README.md, "snapshot sampling"): an id v <= S_j was drawn with
// nextval() before S_j was, so by a transaction T running at sample j (in V_j). nextval() locks
// the sequence in RowExclusiveLock under the top transaction's resource owner, so T holds that
// lock from the draw until it ends (a rolled-back savepoint does not release it), and an INSERT
// holds the same lock on its table from before it evaluates DEFAULT nextval(). A T that has drawn
// v but not yet written its row (no xid yet: nextval() assigns none except when it WAL-logs the
// sequence, and the row's xid comes at heap insert, after BEFORE triggers) is therefore still
// busy. A T without an xid and without such a lock has drawn nothing that is still uncommitted
// in this transaction, and anything it draws later is above S_j.
//
// So a session that only reads is never busy, whether idle in its transaction or running a long
// SELECT (pg_sleep(600) included), and neither are autovacuum workers (ShareUpdateExclusiveLock on
// the table; their RowExclusiveLock on pg_class / pg_statistic is on catalogs, oid < 16384) nor
// walsenders. Being conservative elsewhere costs only waiting: a session that updated or
// deleted rows of any user table, drew from any sequence, or inserted into a temporary table
// waits like a writer (a granted or awaited lock; pg_locks shows other users' locks too).
constexpr const char* busy_sql = R"(
SELECT l.virtualtransaction, a.state IS NULL
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'virtualxid' AND l.granted AND l.virtualxid = l.virtualtransaction
   AND l.pid <> pg_catalog.pg_backend_pid()
   AND a.datname = pg_catalog.current_database()
   AND (a.state IS NULL
        OR a.backend_xid IS NOT NULL
        OR EXISTS (SELECT FROM pg_catalog.pg_locks w
                    WHERE w.pid = l.pid AND w.locktype = 'relation' AND w.mode = 'RowExclusiveLock'
                      AND w.database = a.datid
                      AND w.relation >= 16384::pg_catalog.oid)))";

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto at = s.find(',');
    out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::int64_t to_int(std::string_view text) { return pg::parse_int64(text).value_or(0); }

}  // namespace

void snapshot_sampler::sample(pg::connection& c, const std::string& from_sql,
                              const std::string& id_expr, std::optional<std::int64_t> offset) {
  // One statement: its snapshot is taken first; max() reads with it; pg_locks is read after it.
  const std::string sql = fmt::format(
      "SELECT pg_catalog.pg_current_snapshot()::text, (SELECT max({})::bigint FROM {}), ({})",
      id_expr, from_sql, running_sql);
  pg::result r = c.exec(sql);
  if (offset)
    while (!samples_.empty() && samples_.front().max_id <= *offset) samples_.pop_front();
  if (r.is_null(0, 1)) return;  // nothing visible yet
  sample_t s{to_int(r.text(0, 1)), std::string(r.text(0, 0)), {}};
  if (offset && s.max_id <= *offset) return;
  if (!r.is_null(0, 2)) s.running = split_commas(r.text(0, 2));
  if (!samples_.empty() && samples_.back().max_id == s.max_id && s.running.empty()) {
    samples_.back() = std::move(s);  // same id, fewer transactions to wait for
    return;
  }
  // Keep the oldest samples (taken before long transactions began, they become safe first) and
  // the newest; thin out the middle.
  if (samples_.size() >= max_samples) samples_.erase(samples_.end() - 2);
  samples_.push_back(std::move(s));
}

void snapshot_sampler::read_busy(pg::connection& c) {
  busy_.clear();
  hidden_ = 0;
  pg::result r = c.exec(busy_sql);
  for (int i = 0; i < r.rows(); ++i) {
    busy_.emplace(r.text(i, 0));
    if (r.text(i, 1) == "t") ++hidden_;
  }
}

std::optional<std::int64_t> snapshot_sampler::safe_bound(pg::connection& c) {
  if (samples_.empty()) return std::nullopt;
  std::string arr = "ARRAY[";
  for (std::size_t i = 0; i < samples_.size(); ++i) {
    if (i) arr += ',';
    arr += pg::quote_literal(samples_[i].snapshot);
  }
  arr += "]::text[]";
  // Every xid in progress at the sample must have completed before this transaction's snapshot.
  const std::string sql = fmt::format(
      "SELECT s.i, coalesce(bool_and(pg_catalog.pg_visible_in_snapshot(x, "
      "pg_catalog.pg_current_snapshot())), true) "
      "FROM unnest({}) WITH ORDINALITY AS s(snap, i) "
      "LEFT JOIN LATERAL pg_catalog.pg_snapshot_xip(s.snap::pg_catalog.pg_snapshot) AS x "
      "ON true GROUP BY s.i ORDER BY s.i",
      arr);
  pg::result r = c.exec(sql);
  std::vector<bool> xids_done(samples_.size(), false);
  for (int i = 0; i < r.rows(); ++i) {
    const auto k = static_cast<std::size_t>(to_int(r.text(i, 0)) - 1);
    if (k < xids_done.size()) xids_done[k] = r.text(i, 1) == "t";
  }
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < samples_.size(); ++k) {
    bool safe = xids_done[k];
    for (const auto& v : samples_[k].running)
      if (safe && busy_.contains(v)) safe = false;
    if (safe && (!best || samples_[k].max_id >= samples_[*best].max_id)) best = k;
  }
  if (!best) return std::nullopt;
  const std::int64_t bound = samples_[*best].max_id;
  samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(*best) + 1);
  return bound;
}

timestamp_bound read_timestamp_bound(pg::connection& c, std::chrono::milliseconds delay) {
  // Sessions in a transaction that could still commit rows: running a statement, or idle inside
  // a transaction that has not failed. xact_start is NULL for a moment after a statement began
  // and before its transaction did; query_start covers that moment. The clock is this
  // statement's start, so it is read before pg_stat_activity: a transaction missing from the
  // activity began after it and writes no earlier timestamp.
  const std::string sql = fmt::format(R"(
WITH s AS (
  SELECT a.state, coalesce(a.xact_start, a.query_start) AS since
    FROM pg_catalog.pg_stat_activity a
   WHERE a.datname = pg_catalog.current_database()
     AND a.pid <> pg_catalog.pg_backend_pid()
     AND (a.backend_type IS NULL OR a.backend_type IN ('client backend', 'background worker'))
     AND a.state IS DISTINCT FROM 'idle'
     AND a.state IS DISTINCT FROM 'idle in transaction (aborted)'),
n AS (SELECT pg_catalog.statement_timestamp() AS now)
SELECT ((extract(epoch FROM least(n.now, (SELECT min(since) FROM s))) * 1000000)::bigint - {}),
       ((extract(epoch FROM n.now) * 1000000)::bigint),
       (SELECT count(*) FROM s WHERE s.state IS NULL)
  FROM n)",
                                      delay.count() * 1000);
  pg::result r = c.exec(sql);
  return {to_int(r.text(0, 0)), to_int(r.text(0, 1)), static_cast<int>(to_int(r.text(0, 2)))};
}

bool sees_all_sessions(pg::connection& c) {
  pg::result r = c.exec(
      "SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) "
      "OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')");
  return r.rows() == 1 && r.text(0, 0) == "t";
}

}  // namespace sluice::source
