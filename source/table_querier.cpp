#include "source/table_querier.hpp"


#include <fmt/format.h>
#include <libpq-fe.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dialects/custom_query.hpp"
#include "dialects/postgres/catalog.hpp"
#include "dialects/postgres/errors.hpp"
#include "dialects/postgres/text_values.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "dialects/postgres/types.hpp"

namespace sluice::source {
namespace {

// Session output settings that make every type's text form exact and parseable; LOCAL, so the
// pooled connection is left as it was when the transaction ends.
constexpr const char* begin_sql =
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
    "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; "
    "SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; "
    "SET LOCAL bytea_output = 'hex'";

constexpr const char* autoincrement_sql = R"(
SELECT a.attname
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
   AND (a.attidentity <> '' OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
 ORDER BY a.attnum
 LIMIT 1)";

constexpr const char* sequence_cache_sql = R"(
SELECT s.seqcache::text
  FROM pg_catalog.pg_sequence s
 WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence($1, $2)::regclass)";

bool same_columns(const std::vector<pg::column_info>& a, const std::vector<pg::column_info>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].type_oid != b[i].type_oid ||
        a[i].nullable != b[i].nullable)
      return false;
  return true;
}

bool is_integer_oid(unsigned oid) {
  return oid == pg::oid::int2 || oid == pg::oid::int4 || oid == pg::oid::int8 || oid == pg::oid::numeric;
}

[[noreturn]] void config_error(const std::string& where, std::string why, std::string fix) {
  throw error({.what = "cannot poll", .where = where, .why = std::move(why), .fix = std::move(fix)});
}

// Reads whatever results are still coming (an asynchronous FETCH), so the connection can run
// the next command. Never throws.
void drain_results(pg::connection& c) noexcept {
  while (PGresult* r = PQgetResult(c.raw())) PQclear(r);
}

// FETCH round trips with one request kept in flight: request() sends the next FETCH without
// waiting, next() takes its result (requesting first when nothing is in flight).
class fetcher {
 public:
  fetcher(pg::connection& c, const std::string& sql, const std::string& where)
      : c_(c), sql_(sql), where_(where) {}
  void request() {
    if (pending_) return;
    if (!PQsendQuery(c_.raw(), sql_.c_str()))
      throw pg::translate(c_.raw(), nullptr, "cannot fetch rows", where_);
    pending_ = true;
  }
  pg::result next() {
    request();
    pending_ = false;
    pg::result_ptr last;
    while (PGresult* r = PQgetResult(c_.raw())) {
      pg::result_ptr owned(r);
      if (!last || PQresultStatus(r) != PGRES_TUPLES_OK) last = std::move(owned);
    }
    if (!last || PQresultStatus(last.get()) != PGRES_TUPLES_OK)
      throw pg::translate(c_.raw(), last.get(), "cannot fetch rows", where_);
    return pg::result(std::move(last));
  }
  void discard() noexcept {
    if (pending_) drain_results(c_);
    pending_ = false;
  }

 private:
  pg::connection& c_;
  const std::string& sql_;
  const std::string& where_;
  bool pending_ = false;
};

}  // namespace

table_querier::table_querier(const source_settings& s, poll_target t, std::string where)
    : s_(s), t_(std::move(t)), where_(std::move(where)) {}

std::string table_querier::from_sql() const {
  if (t_.table) return pg::render_table(*t_.table, pg::quoting::always);
  return dialects::derived_table(dialects::trimmed_query(s_.query), "\"sluice_query\"");
}

void table_querier::describe_query(pg::connection& c, std::vector<pg::column_info>& cols) {
  pg::result r = c.exec("SELECT * FROM " + from_sql() + " LIMIT 0");
  PGresult* res = r.raw();
  const int n = PQnfields(res);
  std::string oids = "{", mods = "{";
  for (int i = 0; i < n; ++i) {
    oids += fmt::format("{}{}", i ? "," : "", PQftype(res, i));
    mods += fmt::format("{}{}", i ? "," : "", PQfmod(res, i));
  }
  oids += "}";
  mods += "}";
  // format_type gives numeric(p,s) for the Decimal scale; a domain reads as its base type.
  pg::result t = c.exec_params(R"(
SELECT pg_catalog.format_type(t.o, t.m),
       (SELECT CASE WHEN y.typtype = 'd' THEN y.typbasetype ELSE y.oid END
          FROM pg_catalog.pg_type y WHERE y.oid = t.o)::text
  FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS t(o, m, i)
 ORDER BY t.i)",
                               {oids, mods});
  cols.clear();
  for (int i = 0; i < n; ++i)
    cols.push_back({.name = PQfname(res, i),
                    .type = std::string(t.text(i, 0)),
                    .type_oid = static_cast<unsigned>(pg::parse_int64(t.text(i, 1)).value_or(0)),
                    .nullable = true,
                    .has_default = false});
}

bool table_querier::prepare(pg::connection& c) {
  std::vector<pg::column_info> cols;
  std::vector<std::string> pk;
  if (t_.table) {
    auto info = pg::describe_table(c, *t_.table, pg::quoting::always);
    if (!info) return false;
    cols = std::move(info->columns);
    pk = std::move(info->primary_key);
  } else {
    describe_query(c, cols);
  }
  if (!plan_ || !same_columns(plan_->source_columns(), cols) || pk != primary_key_) {
    plan_ = row_plan::build(cols, pk, s_, t_.table ? t_.table->table : std::string(), where_);
    primary_key_ = std::move(pk);
    checked_ = false;
  }
  if (!checked_) {
    check_tracking_columns(c);
    checked_ = true;
  }
  return true;
}

void table_querier::check_tracking_columns(pg::connection& c) {
  const auto& cols = plan_->source_columns();
  const bool table = t_.table.has_value();
  const std::string what = table ? "table" : "query";
  if (s_.uses_incrementing()) {
    inc_column_ = s_.incrementing_column;
    if (inc_column_.empty() && table) {
      pg::result r = c.exec_params(autoincrement_sql, {t_.table->schema, t_.table->table});
      if (r.rows() == 1) inc_column_ = std::string(r.text(0, 0));
    }
    if (inc_column_.empty())
      config_error(where_, fmt::format("mode={} needs an incrementing column and the {} has no "
                                       "identity or serial column", to_string(s_.m), what),
                   "set incrementing.column.name");
    inc_index_ = plan_->index_of(inc_column_);
    if (inc_index_ < 0)
      config_error(where_, fmt::format("incrementing.column.name=\"{}\" is not a column of the {}",
                                       inc_column_, what),
                   "fix incrementing.column.name (names are case-sensitive)");
    const auto& col = cols[static_cast<std::size_t>(inc_index_)];
    if (!is_integer_oid(col.type_oid))
      config_error(where_, fmt::format("incrementing column \"{}\" is {}, not an integer", col.name, col.type),
                   "set incrementing.column.name to an integer column (identity, serial, bigint)");
    if (table && s_.validate_non_null && col.nullable)
      config_error(where_, fmt::format("incrementing column \"{}\" may be NULL; rows with NULL there "
                                       "would never be published", col.name),
                   fmt::format("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL, or set validate.non.null=false",
                               pg::display_table(*t_.table), pg::quote_ident(col.name)));
    if (table && s_.m == mode::incrementing) {
      const std::string rel = pg::render_table(*t_.table, pg::quoting::always);
      pg::result r = c.exec_params(sequence_cache_sql, {rel, inc_column_});
      auto logger = log::get("source");
      if (r.rows() == 0)
        logger->warn("{}: incrementing column \"{}\" has no sequence (identity or serial): the "
                     "no-row-lost bound assumes ids drawn from a sequence inside the INSERT",
                     where_, inc_column_);
      else if (r.text(0, 0) != "1")
        logger->warn("{}: the sequence of \"{}\" has CACHE {}: sessions draw ids in blocks, so ids "
                     "do not follow commit order and rows may be missed; ALTER SEQUENCE ... CACHE 1",
                     where_, inc_column_, r.text(0, 0));
    }
  }
  if (s_.uses_timestamp()) {
    std::vector<std::string> quoted;
    bool all_nullable = true;
    unsigned oid = 0;
    for (const auto& name : s_.timestamp_columns) {
      const int i = plan_->index_of(name);
      if (i < 0)
        config_error(where_, fmt::format("timestamp.column.name \"{}\" is not a column of the {}", name, what),
                     "fix timestamp.column.name (names are case-sensitive)");
      const auto& col = cols[static_cast<std::size_t>(i)];
      if (col.type_oid != pg::oid::timestamp && col.type_oid != pg::oid::timestamptz)
        config_error(where_, fmt::format("timestamp column \"{}\" is {}", col.name, col.type),
                     "use timestamp or timestamp with time zone columns in timestamp.column.name");
      if (oid && oid != col.type_oid)
        config_error(where_, "the timestamp columns mix timestamp with and without time zone",
                     "list columns of one kind in timestamp.column.name");
      oid = col.type_oid;
      all_nullable = all_nullable && col.nullable;
      quoted.push_back(pg::quote_ident(col.name));
    }
    if (table && s_.validate_non_null && all_nullable)
      config_error(where_, "every timestamp column may be NULL; rows with NULL there would never be "
                           "published",
                   "make one of the timestamp.column.name columns NOT NULL, or set "
                   "validate.non.null=false");
    ts_native_ = quoted.size() == 1 ? quoted.front()
                                    : "COALESCE(" + fmt::format("{}", fmt::join(quoted, ", ")) + ")";
    ts_without_zone_ = oid == pg::oid::timestamp;
    ts_instant_ = ts_without_zone_
                      ? fmt::format("({} AT TIME ZONE {})", ts_native_, pg::quote_literal(s_.db_timezone))
                      : ts_native_;
  }
}

std::string table_querier::ts_literal(std::int64_t micros) const {
  const std::string lit = pg::quote_literal(pg::format_timestamp(micros)) + "::timestamptz";
  if (!ts_without_zone_) return lit;
  return fmt::format("({} AT TIME ZONE {})", lit, pg::quote_literal(s_.db_timezone));
}

std::string table_querier::select_sql(const std::optional<source_offset>& from,
                                      std::optional<std::int64_t> bound_id,
                                      std::optional<std::int64_t> bound_ts) const {
  std::string sql = "SELECT " + plan_->select_list();
  if (s_.uses_timestamp()) sql += ", " + ts_instant_;
  sql += " FROM " + from_sql();
  const std::string inc = s_.uses_incrementing() ? pg::quote_ident(inc_column_) : std::string();
  switch (s_.m) {
    case mode::bulk: break;
    case mode::incrementing:
      sql += fmt::format(" WHERE {} <= {}", inc, *bound_id);
      if (from && from->incrementing) sql += fmt::format(" AND {} > {}", inc, *from->incrementing);
      sql += fmt::format(" ORDER BY {} ASC", inc);
      break;
    case mode::timestamp:
      sql += fmt::format(" WHERE {} < {}", ts_native_, ts_literal(*bound_ts));
      if (from && from->timestamp_us)
        sql += fmt::format(" AND {} > {}", ts_native_, ts_literal(*from->timestamp_us));
      sql += fmt::format(" ORDER BY {} ASC", ts_native_);
      break;
    case mode::timestamp_incrementing:
      sql += fmt::format(" WHERE {} < {}", ts_native_, ts_literal(*bound_ts));
      if (from && from->timestamp_us) {
        const std::string last = ts_literal(*from->timestamp_us);
        if (from->incrementing)
          sql += fmt::format(" AND ({0} > {1} OR ({0} = {1} AND {2} > {3}))", ts_native_, last, inc,
                             *from->incrementing);
        else
          sql += fmt::format(" AND {} > {}", ts_native_, last);
      }
      sql += fmt::format(" ORDER BY {} ASC, {} ASC", ts_native_, inc);
      break;
  }
  if (!s_.query_suffix.empty()) sql += " " + s_.query_suffix;
  return sql;
}

poll_outcome table_querier::poll(pg::connection& c, const std::optional<source_offset>& stored,
                                 row_consumer& out) {
  poll_outcome outcome;
  auto logger = log::get("source");
  try {
    if (!prepare(c)) {
      outcome.table_gone = true;
      return outcome;
    }
  } catch (const error& e) {
    // The table was dropped or altered between listing and reading it: the next discovery or
    // poll sees the new state.
    if (e.info().code == "42P01" || e.info().code == "42703") {
      plan_.reset();
      outcome.table_gone = true;
      return outcome;
    }
    throw;
  }

  std::optional<source_offset> from = stored;
  std::optional<std::int64_t> bound_ts;
  if (s_.uses_timestamp()) {
    const timestamp_bound tb = read_timestamp_bound(c, s_.timestamp_delay);
    bound_ts = tb.bound_us;
    outcome.bound = tb.bound_us;
    if (tb.hidden_sessions > 0 && !warned_hidden_) {
      warned_hidden_ = true;
      logger->warn("{}: {} session(s) of other users hide their transaction start from this user, "
                   "so rows they commit late may be missed; GRANT pg_read_all_stats TO <this user>",
                   where_, tb.hidden_sessions);
    }
    if (!from && s_.timestamp_initial_ms) {
      if (!initial_ts_)
        initial_ts_ = *s_.timestamp_initial_ms == -1 ? tb.clock_us : *s_.timestamp_initial_ms * 1000;
      from = source_offset{.timestamp_us = initial_ts_};
    }
  }
  if (s_.m == mode::incrementing) {
    sampler_.sample(c, from_sql(), pg::quote_ident(inc_column_),
                    from ? from->incrementing : std::nullopt);
    sampler_.read_busy(c);
    if (sampler_.hidden_sessions() > 0 && !warned_hidden_) {
      warned_hidden_ = true;
      logger->warn("{}: {} session(s) of other users hide their state from this user, so the "
                   "bound waits for them to end; GRANT pg_read_all_stats TO <this user>",
                   where_, sampler_.hidden_sessions());
    }
  }

  c.exec(begin_sql);
  try {
    std::optional<std::int64_t> bound_id;
    if (s_.m == mode::incrementing) {
      bound_id = sampler_.safe_bound(c);
      outcome.bound = bound_id;
      if (!bound_id || (from && from->incrementing && *bound_id <= *from->incrementing)) {
        c.exec("COMMIT");
        return outcome;
      }
    }
    c.exec("DECLARE sluice_rows NO SCROLL CURSOR FOR " + select_sql(from, bound_id, bound_ts));
    const std::string fetch = fmt::format("FETCH FORWARD {} FROM sluice_rows", s_.batch_max_rows);
    const std::size_t ncols = plan_->columns().size();
    std::vector<value> row(ncols);
    std::vector<std::string_view> texts(ncols);
    std::optional<std::int64_t> prev_ts;
    bool stopped = false, exhausted = false;
    fetcher chunks(c, fetch, where_);
    while (!stopped && !exhausted) {
      pg::result r = chunks.next();
      const int n = r.rows();
      exhausted = static_cast<std::size_t>(n) < s_.batch_max_rows;
      // The server reads and sends the next chunk while this one is decoded and produced.
      if (!exhausted) chunks.request();
      for (int i = 0; i < n && !stopped; ++i) {
        for (std::size_t k = 0; k < ncols; ++k) {
          const int col = static_cast<int>(k);
          texts[k] = r.text(i, col);
          row[k] = plan_->decode(k, texts[k], r.is_null(i, col));
        }
        std::optional<std::int64_t> ts;
        if (s_.uses_timestamp()) {
          auto t = pg::parse_timestamp(r.text(i, static_cast<int>(ncols)));
          if (!t || t->infinity)
            config_error(where_, fmt::format("a row's timestamp \"{}\" cannot be an offset",
                                             r.text(i, static_cast<int>(ncols))),
                         "keep timestamp.column.name values finite");
          ts = t->value;
        }
        // timestamp mode: a run of equal timestamps is resumable only once it is complete.
        if (s_.m == mode::timestamp && prev_ts && *ts > *prev_ts) {
          out.on_commit_point({.timestamp_us = prev_ts});
          if (!out.keep_going()) {
            stopped = true;
            break;
          }
        }
        out.on_row(*plan_, row, texts);
        ++outcome.rows;
        std::optional<std::int64_t> id;
        if (s_.uses_incrementing()) {
          id = pg::parse_int64(texts[static_cast<std::size_t>(inc_index_)]);
          if (!id)
            config_error(where_, fmt::format("incrementing column \"{}\" holds \"{}\"", inc_column_,
                                             texts[static_cast<std::size_t>(inc_index_)]),
                         "use an integer column without NULLs as incrementing.column.name");
        }
        if (s_.m == mode::incrementing || s_.m == mode::timestamp_incrementing) {
          out.on_commit_point({.incrementing = id, .timestamp_us = ts});
          if (!out.keep_going()) stopped = true;
        }
        prev_ts = ts;
      }
      if (s_.m == mode::bulk && !stopped && !exhausted && !out.keep_going()) stopped = true;
    }
    chunks.discard();  // a chunk requested before an early stop
    if (exhausted && !stopped && s_.m == mode::timestamp && prev_ts)
      out.on_commit_point({.timestamp_us = prev_ts});
    outcome.complete = exhausted && !stopped;
    c.exec("COMMIT");
  } catch (const error& e) {
    drain_results(c);
    if (!c.is_broken()) {
      try {
        c.exec("ROLLBACK");
      } catch (...) {
      }
    }
    if (e.info().code == "42P01" || e.info().code == "42703") {
      plan_.reset();
      outcome.table_gone = true;
      outcome.rows = 0;
      return outcome;
    }
    throw;
  } catch (...) {
    drain_results(c);
    if (!c.is_broken()) {
      try {
        c.exec("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
  return outcome;
}

}  // namespace sluice::source
