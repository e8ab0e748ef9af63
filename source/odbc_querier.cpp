#include "source/odbc_querier.hpp"

#include <chrono>

#include <fmt/format.h>
#include <sqlext.h>

#include "core/log.hpp"
#include "dialects/odbc/text.hpp"
#include "dialects/postgres/text_values.hpp"
#include "dialects/postgres/type_oids.hpp"

namespace sluice::source {
namespace {

[[noreturn]] void config_error(const std::string& where, std::string why, std::string fix) {
  throw error({.what = "cannot poll", .where = where, .why = std::move(why), .fix = std::move(fix)});
}

odbc::poll_mode poll_mode_of(mode m) {
  switch (m) {
    case mode::bulk: return odbc::poll_mode::bulk;
    case mode::incrementing: return odbc::poll_mode::incrementing;
    case mode::timestamp: return odbc::poll_mode::timestamp;
    case mode::timestamp_incrementing: return odbc::poll_mode::timestamp_incrementing;
  }
  return odbc::poll_mode::bulk;
}

// The column as the shared row plan knows columns: PostgreSQL's type OIDs stand for the families
// (the plan decodes text in those types' forms; values are normalized to them below).
pg::column_info info_for(const odbc::dialect& d, const odbc::column_def& c) {
  namespace o = pg::oid;
  pg::column_info i{.name = c.name, .type = c.type, .type_oid = o::text, .nullable = c.nullable,
                    .has_default = c.has_default};
  const auto f = d.field_for(c);
  switch (c.family) {
    case odbc::column_family::integer:
      i.type_oid = f.type == type_kind::int64 ? o::int8 : f.type == type_kind::int32 ? o::int4 : o::int2;
      break;
    case odbc::column_family::boolean: i.type_oid = o::bool_; break;
    case odbc::column_family::floating: i.type_oid = f.type == type_kind::float32 ? o::float4 : o::float8; break;
    case odbc::column_family::decimal:
      i.type_oid = o::numeric;
      i.type = c.precision > 0 ? fmt::format("numeric({},{})", c.precision, c.scale) : "numeric";
      break;
    case odbc::column_family::binary: i.type_oid = o::bytea; break;
    case odbc::column_family::date: i.type_oid = o::date; break;
    case odbc::column_family::time: i.type_oid = o::time; break;
    // Read as UTC instants (sluice's sessions run in UTC; naive DATETIME values are taken as UTC).
    case odbc::column_family::timestamp: i.type_oid = o::timestamptz; break;
    case odbc::column_family::json: i.type_oid = o::json; break;
    case odbc::column_family::uuid: i.type_oid = o::uuid; break;
    default: break;
  }
  return i;
}

bool same(const std::vector<odbc::column_def>& a, const std::vector<odbc::column_def>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].family != b[i].family ||
        a[i].fraction_digits != b[i].fraction_digits || a[i].whole_minutes != b[i].whole_minutes)
      return false;
  return true;
}

// One cell of the current row: text (UTF-8) or, for binary columns, bytes. false for NULL.
bool read_cell(odbc::statement& st, SQLUSMALLINT col, bool binary, std::string& out) {
  out.clear();
  char buf[8192];
  for (;;) {
    SQLLEN ind = 0;
    SQLRETURN rc = SQLGetData(st.raw(), col, binary ? SQL_C_BINARY : SQL_C_WCHAR, buf, sizeof buf, &ind);
    if (rc == SQL_NO_DATA) break;
    st.check(rc, "cannot read a value");
    if (ind == SQL_NULL_DATA) return false;
    const std::size_t room = binary ? sizeof buf : sizeof buf - sizeof(char16_t);
    const bool more = rc == SQL_SUCCESS_WITH_INFO && (ind == SQL_NO_TOTAL || static_cast<std::size_t>(ind) > room);
    const std::size_t got = more ? room : static_cast<std::size_t>(ind);
    if (binary) {
      out.append(buf, got);
    } else {
      out += odbc::to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(buf), got / sizeof(char16_t)));
    }
    if (!more) break;
  }
  return true;
}

}  // namespace

odbc_querier::odbc_querier(const source_settings& s, config::dialect kind, poll_target t, std::string where)
    : s_(s), d_(odbc::make_dialect(kind, {.quote_always = s.quoting == pg::quoting::always})),
      t_(std::move(t)), where_(std::move(where)) {}

std::vector<odbc::column_def> odbc_querier::describe_query(odbc::connection& c) {
  odbc::statement st(c);
  const auto source = odbc::poll_source(*d_, spec_);
  st.prepare(source.with + "SELECT * FROM " + source.from + " WHERE 1 = 0");
  SQLSMALLINT n = 0;
  st.check(SQLNumResultCols(st.raw(), &n), "cannot describe the query");
  std::vector<odbc::column_def> cols;
  for (SQLUSMALLINT i = 1; i <= static_cast<SQLUSMALLINT>(n); ++i) {
    SQLWCHAR name[512];
    SQLSMALLINT len = 0, type = 0, digits = 0, nullable = SQL_NULLABLE_UNKNOWN;
    SQLULEN size = 0;
    st.check(SQLDescribeColW(st.raw(), i, name, 512, &len, &type, &size, &digits, &nullable),
             "cannot describe the query");
    odbc::column_def cd;
    cd.name = odbc::to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(name), static_cast<std::size_t>(len)));
    cd.family = odbc::family_of_sql_type(type);
    cd.nullable = nullable != SQL_NO_NULLS;
    if (cd.family == odbc::column_family::decimal) {
      cd.precision = static_cast<int>(size);
      cd.scale = digits;
    }
    if (cd.family == odbc::column_family::timestamp) {
      cd.fraction_digits = digits;
      cd.whole_minutes = digits == 0 && size == 16;  // "YYYY-MM-DD HH:MM"
    }
    cols.push_back(std::move(cd));
  }
  return cols;
}

bool odbc_querier::prepare(odbc::connection& c) {
  if (!adapted_) {
    d_->adapt(c);
    adapted_ = true;
  }
  spec_.mode = poll_mode_of(s_.m);
  spec_.suffix = s_.query_suffix;
  if (t_.table) spec_.table = odbc::table_id{t_.table->schema, t_.table->table};
  else spec_.query = s_.query;
  std::vector<odbc::column_def> cols;
  std::vector<std::string> pk;
  if (t_.table) {
    auto def = d_->describe(c, *spec_.table);
    if (!def) return false;
    cols = std::move(def->columns);
    pk = std::move(def->primary_key);
  } else {
    cols = describe_query(c);
  }
  if (!plan_ || !same(cols, columns_) || pk != primary_key_) {
    std::vector<pg::column_info> infos;
    for (const auto& cd : cols) infos.push_back(info_for(*d_, cd));
    plan_ = row_plan::build(infos, pk, s_, t_.table ? t_.table->table : std::string(), where_);
    columns_ = std::move(cols);
    primary_key_ = std::move(pk);
    check_tracking_columns();
  }
  return true;
}

void odbc_querier::check_tracking_columns() {
  const std::string what = t_.table ? "table" : "query";
  auto find = [&](const std::string& name) -> const odbc::column_def* {
    for (const auto& cd : columns_)
      if (cd.name == name) return &cd;
    for (const auto& cd : columns_)
      if (d_->same_column(cd.name, name)) return &cd;
    return nullptr;
  };
  spec_.columns.clear();
  if (t_.table)
    for (const auto& cd : columns_) spec_.columns.push_back(cd.name);
  spec_.incrementing.clear();
  spec_.timestamps.clear();
  if (s_.uses_incrementing()) {
    std::string name = s_.incrementing_column;
    if (name.empty() && primary_key_.size() == 1) {
      const auto* k = find(primary_key_[0]);
      if (k && k->family == odbc::column_family::integer) name = k->name;
    }
    if (name.empty())
      config_error(where_, fmt::format("mode={} needs an incrementing column and the {} has no single "
                                       "integer primary key", to_string(s_.m), what),
                   "set incrementing.column.name");
    const auto* col = find(name);
    if (!col)
      config_error(where_, fmt::format("incrementing.column.name=\"{}\" is not a column of the {}", name, what),
                   "fix incrementing.column.name");
    if (col->family != odbc::column_family::integer)
      config_error(where_, fmt::format("incrementing column \"{}\" is {}, not an integer", col->name, col->type),
                   "set incrementing.column.name to an integer column");
    if (t_.table && s_.validate_non_null && col->nullable)
      config_error(where_, fmt::format("incrementing column \"{}\" may be NULL; rows with NULL there would "
                                       "never be published", col->name),
                   "make the column NOT NULL, or set validate.non.null=false");
    spec_.incrementing = col->name;
  }
  spec_.grain = odbc::timestamp_grain::micros;
  if (s_.uses_timestamp()) {
    bool all_nullable = true;
    std::vector<const odbc::column_def*> tracked;
    for (const auto& name : s_.timestamp_columns) {
      const auto* col = find(name);
      if (!col)
        config_error(where_, fmt::format("timestamp.column.name \"{}\" is not a column of the {}", name, what),
                     "fix timestamp.column.name");
      if (col->family != odbc::column_family::timestamp && col->family != odbc::column_family::other)
        config_error(where_, fmt::format("timestamp column \"{}\" is {}", col->name, col->type),
                     "use timestamp columns in timestamp.column.name");
      all_nullable = all_nullable && col->nullable;
      spec_.timestamps.push_back(col->name);
      tracked.push_back(col);
    }
    spec_.grain = d_->timestamp_param_grain(tracked);
    if (t_.table && s_.validate_non_null && all_nullable)
      config_error(where_, "every timestamp column may be NULL; rows with NULL there would never be published",
                   "make one of the timestamp.column.name columns NOT NULL, or set validate.non.null=false");
  }
}

poll_outcome odbc_querier::poll(odbc::connection& c, const std::optional<source_offset>& stored,
                                row_consumer& out) {
  poll_outcome outcome;
  try {
    if (!prepare(c)) {
      outcome.table_gone = true;
      return outcome;
    }
  } catch (const error& e) {
    // Dropped or altered between listing and reading: the next discovery or poll sees it.
    if (e.info().code == "42S02" || e.info().code == "42S22") {
      plan_.reset();
      outcome.table_gone = true;
      return outcome;
    }
    throw;
  }
  std::optional<source_offset> from = stored;
  odbc::poll_window w;
  if (s_.uses_timestamp()) {
    const auto sql = odbc::poll_clock_sql(d_->family(), s_.timestamp_delay);
    std::int64_t bound = 0;
    if (sql.empty()) {
      bound = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch() - s_.timestamp_delay)
                  .count();
    } else {
      const auto text = c.query(sql).at(0).at(0).value_or("");
      auto t = odbc::parse_instant(text);
      if (!t) throw error({.what = "cannot read the database clock", .where = where_,
                           .why = fmt::format("it answered \"{}\"", text), .retryable = true});
      bound = t->us;
      w.before_ts_ns = t->ns;
    }
    w.before_ts_us = bound;
    outcome.bound = bound;
    if (!from && s_.timestamp_initial_ms) {
      if (!initial_ts_)
        initial_ts_ = *s_.timestamp_initial_ms == -1
                          ? bound + std::chrono::duration_cast<std::chrono::microseconds>(s_.timestamp_delay).count()
                          : *s_.timestamp_initial_ms * 1000;
      from = source_offset{.timestamp_us = initial_ts_};
    }
  }
  if (s_.m == mode::incrementing) {
    const auto max = c.query(odbc::poll_max_id_sql(*d_, spec_)).at(0).at(0);
    if (!max) return outcome;  // empty
    w.upto_id = pg::parse_int64(*max);
    outcome.bound = w.upto_id;
    if (!w.upto_id || (from && from->incrementing && *w.upto_id <= *from->incrementing)) return outcome;
  }
  if (from) {
    w.after_id = from->incrementing;
    w.after_ts_us = from->timestamp_us;
    w.after_ts_ns = from->timestamp_ns;
  }

  const auto q = odbc::poll_rows_sql(*d_, spec_, w);
  odbc::statement st(c);
  st.execute_direct(q.sql, q.params);
  const std::size_t ncols = plan_->columns().size();
  const auto ts_col = static_cast<SQLUSMALLINT>(ncols + 1);
  const auto id_col = static_cast<SQLUSMALLINT>(ncols + 1 + (s_.uses_timestamp() ? 1 : 0));
  std::vector<std::string> cells(ncols);
  std::vector<value> row(ncols);
  std::vector<std::string_view> texts(ncols);
  std::string extra;
  std::optional<odbc::instant> prev_ts;
  bool stopped = false, exhausted = false;
  try {
    while (!stopped) {
      SQLRETURN rc = SQLFetch(st.raw());
      if (rc == SQL_NO_DATA) {
        exhausted = true;
        break;
      }
      st.check(rc, "cannot fetch a row");
      for (std::size_t k = 0; k < ncols; ++k) {
        const auto family = columns_[k].family;
        const bool binary = family == odbc::column_family::binary;
        const bool present = read_cell(st, static_cast<SQLUSMALLINT>(k + 1), binary, cells[k]);
        if (present && binary) {
          // The plan reads bytea's hex form.
          std::string hex = "\\x";
          for (unsigned char ch : cells[k]) hex += fmt::format("{:02x}", ch);
          cells[k] = std::move(hex);
        } else if (present && family == odbc::column_family::boolean) {
          auto b = pg::parse_bool(cells[k]);
          cells[k] = b ? (*b ? "t" : "f") : cells[k];
        }
        texts[k] = cells[k];
        row[k] = plan_->decode(k, texts[k], !present);
      }
      std::optional<odbc::instant> ts;
      std::optional<std::int64_t> id;
      if (s_.uses_timestamp()) {
        if (!read_cell(st, ts_col, false, extra))
          config_error(where_, "a row's timestamp columns are all NULL", "keep timestamp.column.name values set");
        ts = odbc::parse_instant(extra);
        if (!ts)
          config_error(where_, fmt::format("a row's timestamp \"{}\" cannot be an offset", extra),
                       "keep timestamp.column.name values finite ISO timestamps");
      }
      if (s_.uses_incrementing()) {
        if (!read_cell(st, id_col, false, extra) || !(id = pg::parse_int64(extra)))
          config_error(where_, fmt::format("incrementing column \"{}\" holds \"{}\"", spec_.incrementing, extra),
                       "use an integer column without NULLs as incrementing.column.name");
      }
      // timestamp mode: a run of equal timestamps is resumable only once it is complete.
      if (s_.m == mode::timestamp && prev_ts && *ts > *prev_ts) {
        out.on_commit_point({.timestamp_us = prev_ts->us, .timestamp_ns = prev_ts->ns});
        if (!out.keep_going()) {
          stopped = true;
          break;
        }
      }
      out.on_row(*plan_, row, texts);
      ++outcome.rows;
      if (s_.uses_incrementing()) {
        out.on_commit_point(ts ? source_offset{.incrementing = id, .timestamp_us = ts->us, .timestamp_ns = ts->ns}
                               : source_offset{.incrementing = id});
        if (!out.keep_going()) stopped = true;
      }
      prev_ts = ts;
      if (s_.m == mode::bulk && outcome.rows % s_.batch_max_rows == 0 && !out.keep_going()) stopped = true;
    }
  } catch (...) {
    st.close_cursor();
    throw;
  }
  st.close_cursor();
  if (exhausted && !stopped && s_.m == mode::timestamp && prev_ts)
    out.on_commit_point({.timestamp_us = prev_ts->us, .timestamp_ns = prev_ts->ns});
  outcome.complete = exhausted && !stopped;
  return outcome;
}

}  // namespace sluice::source
