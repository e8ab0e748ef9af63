#include "dialects/odbc/poll_sql.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <sqlext.h>

#include "dialects/custom_query.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
dialect::wrapped_query poll_source(const dialect& d, const poll_spec& spec) {
  if (spec.table) return {"", d.render_table(*spec.table)};
  return d.wrap_query(dialects::trimmed_query(spec.query));
}

std::string poll_timestamp_expr(const dialect& d, const poll_spec& spec) {
  if (spec.timestamps.size() == 1) return d.comparable_timestamp(d.quote(spec.timestamps[0]));
  std::string out = "COALESCE(";
  for (std::size_t i = 0; i < spec.timestamps.size(); ++i) out += (i ? ", " : "") + d.quote(spec.timestamps[i]);
  return d.comparable_timestamp(out + ")");
}

text_query poll_rows_sql(const dialect& d, const poll_spec& spec, const poll_window& w) {
  text_query q;
  const bool uses_ts = spec.mode == poll_mode::timestamp || spec.mode == poll_mode::timestamp_incrementing;
  const bool uses_id = spec.mode == poll_mode::incrementing || spec.mode == poll_mode::timestamp_incrementing;
  const std::string ts = uses_ts ? poll_timestamp_expr(d, spec) : std::string();
  const std::string id = uses_id ? d.quote(spec.incrementing) : std::string();
  const auto source = poll_source(d, spec);
  q.sql = source.with + "SELECT ";
  if (spec.columns.empty()) {
    q.sql += spec.table ? "*" : "sluice_query.*";
  } else {
    for (std::size_t i = 0; i < spec.columns.size(); ++i) q.sql += (i ? ", " : "") + d.quote(spec.columns[i]);
  }
  if (uses_ts) q.sql += ", " + ts;
  if (uses_id) q.sql += ", " + id;
  q.sql += " FROM " + source.from;
  std::vector<std::string> where;
  // The SQLite ODBC driver streams a result row by row (StepAPI=1, which sluice's SQLite
  // connection strings set) only for a statement without parameters; with one it reads the whole
  // result into memory first (a 1M-row initial load peaked at 307 MiB). There the window's
  // values, which sluice formats itself (an integer, a timestamp of digits and - : . and a
  // blank), are written into the statement: integers bare, so a column without affinity still
  // compares as a number, timestamps quoted as the text they were bound as.
  const bool literal = d.family() == config::dialect::sqlite;
  auto id_arg = [&](std::int64_t v) {
    if (literal) return std::to_string(v);
    q.params.push_back(std::to_string(v));
    return std::string("?");
  };
  auto ts_text = [&](std::int64_t us, std::int32_t ns) {
    std::string t = format_timestamp(us);  // always ends in ":SS.ffffff"; cutting from it floors
    switch (spec.grain) {
      case timestamp_grain::ticks100: t += static_cast<char>('0' + ns / 100 % 10); break;
      case timestamp_grain::micros: break;
      case timestamp_grain::millis: t.resize(t.size() - 3); break;
      case timestamp_grain::ticks300: {
        t.resize(t.size() - 3);
        char& last = t.back();  // 0-2 → 0, 3-6 → 3, 7-9 → 7
        last = last >= '7' ? '7' : last >= '3' ? '3' : '0';
        break;
      }
      case timestamp_grain::seconds: t.resize(t.size() - 7); break;
      case timestamp_grain::minutes: t.resize(t.size() - 10); t += ":00"; break;
    }
    return t;
  };
  auto ts_arg = [&](std::int64_t us, std::int32_t ns) {
    if (literal) return d.comparable_timestamp("'" + ts_text(us, ns) + "'");
    q.params.push_back(ts_text(us, ns));
    return d.comparable_timestamp("?");
  };
  switch (spec.mode) {
    case poll_mode::bulk: break;
    case poll_mode::incrementing:
      if (w.after_id) where.push_back(id + " > " + id_arg(*w.after_id));
      if (w.upto_id) where.push_back(id + " <= " + id_arg(*w.upto_id));
      break;
    case poll_mode::timestamp:
      if (w.after_ts_us) where.push_back(ts + " > " + ts_arg(*w.after_ts_us, w.after_ts_ns));
      if (w.before_ts_us) where.push_back(ts + " < " + ts_arg(*w.before_ts_us, w.before_ts_ns));
      break;
    case poll_mode::timestamp_incrementing:
      if (w.before_ts_us) where.push_back(ts + " < " + ts_arg(*w.before_ts_us, w.before_ts_ns));
      if (w.after_ts_us && w.after_id) {
        // Placeholders are numbered in the order their values are pushed: left to right.
        const std::string after = ts_arg(*w.after_ts_us, w.after_ts_ns);
        const std::string again = ts_arg(*w.after_ts_us, w.after_ts_ns);
        where.push_back(fmt::format("({0} > {2} OR ({0} = {3} AND {1} > {4}))", ts, id, after, again,
                                    id_arg(*w.after_id)));
      } else if (w.after_ts_us) {
        where.push_back(ts + " > " + ts_arg(*w.after_ts_us, w.after_ts_ns));
      }
      break;
  }
  for (std::size_t i = 0; i < where.size(); ++i) q.sql += (i ? " AND " : " WHERE ") + where[i];
  switch (spec.mode) {
    case poll_mode::bulk: break;
    case poll_mode::incrementing: q.sql += " ORDER BY " + id + " ASC"; break;
    case poll_mode::timestamp: q.sql += " ORDER BY " + ts + " ASC"; break;
    case poll_mode::timestamp_incrementing: q.sql += " ORDER BY " + ts + " ASC, " + id + " ASC"; break;
  }
  if (!spec.suffix.empty()) q.sql += " " + spec.suffix;
  return q;
}

std::string poll_max_id_sql(const dialect& d, const poll_spec& spec) {
  const auto source = poll_source(d, spec);
  return source.with + "SELECT MAX(" + d.quote(spec.incrementing) + ") FROM " + source.from;
}

std::string poll_clock_sql(config::dialect kind, std::chrono::milliseconds delay) {
  const auto ms = delay.count();
  switch (kind) {
    case config::dialect::mysql:
      return fmt::format("SELECT DATE_FORMAT(UTC_TIMESTAMP(6) - INTERVAL {} MICROSECOND, "
                         "'%Y-%m-%d %H:%i:%s.%f')",
                         ms * 1000);
    case config::dialect::sqlite:
      return fmt::format("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now', '-{}.{:03} seconds')", ms / 1000, ms % 1000);
    case config::dialect::sqlserver:
      return fmt::format("SELECT CONVERT(varchar(27), DATEADD(millisecond, -{}, SYSUTCDATETIME()), 121)", ms);
    case config::dialect::postgresql:
      return fmt::format("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC' - interval '{} milliseconds', "
                         "'YYYY-MM-DD HH24:MI:SS.US')",
                         ms);
    case config::dialect::generic: return {};
  }
  return {};
}

std::string source_catalog(const dialect& d, connection& c) {
  const char* sql = d.family() == config::dialect::mysql       ? "SELECT DATABASE()"
                    : d.family() == config::dialect::sqlserver ? "SELECT DB_NAME()"
                                                               : nullptr;
  if (!sql) return {};
  auto rows = c.query(sql);
  return rows.empty() || rows[0].empty() ? std::string() : rows[0][0].value_or("");
}

std::vector<table_id> list_tables(const dialect& d, connection& c, const std::vector<std::string>& types) {
  const bool tables = types.empty() || std::find(types.begin(), types.end(), "TABLE") != types.end();
  const bool views = std::find(types.begin(), types.end(), "VIEW") != types.end();
  std::vector<table_id> out;
  auto add = [&](const text_rows& rows, bool with_schema) {
    for (const auto& r : rows)
      out.push_back(with_schema ? table_id{r[0].value_or(""), r[1].value_or("")} : table_id{"", r[0].value_or("")});
  };
  std::vector<std::string> kinds;
  switch (d.family()) {
    case config::dialect::mysql:
      if (tables) kinds.push_back("'BASE TABLE'");
      if (views) kinds.push_back("'VIEW'");
      if (kinds.empty()) return out;
      add(c.query(fmt::format("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                              "AND TABLE_TYPE IN ({})", fmt::join(kinds, ", "))),
          false);
      break;
    case config::dialect::sqlite:
      if (tables) kinds.push_back("'table'");
      if (views) kinds.push_back("'view'");
      if (kinds.empty()) return out;
      add(c.query(fmt::format("SELECT name FROM sqlite_master WHERE type IN ({}) AND name NOT LIKE 'sqlite\\_%' "
                              "ESCAPE '\\'", fmt::join(kinds, ", "))),
          false);
      break;
    case config::dialect::sqlserver:
      if (tables) kinds.push_back("'BASE TABLE'");
      if (views) kinds.push_back("'VIEW'");
      if (kinds.empty()) return out;
      add(c.query(fmt::format("SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE "
                              "IN ({})", fmt::join(kinds, ", "))),
          true);
      break;
    case config::dialect::postgresql:
      if (tables) kinds.insert(kinds.end(), {"'r'", "'p'"});
      if (views) kinds.insert(kinds.end(), {"'v'", "'m'"});
      if (kinds.empty()) return out;
      add(c.query(fmt::format("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                              "ON n.oid = c.relnamespace WHERE c.relkind IN ({}) AND NOT c.relispartition AND "
                              "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
                              "'pg\\_%' AND pg_catalog.has_table_privilege(c.oid, 'SELECT')",
                              fmt::join(kinds, ", "))),
          true);
      break;
    case config::dialect::generic: {
      std::string t = tables && views ? "TABLE,VIEW" : views ? "VIEW" : "TABLE";
      statement st(c);
      SQLRETURN rc;
      if (c.narrow()) {
        rc = SQLTables(st.raw(), nullptr, 0, nullptr, 0, nullptr, 0, reinterpret_cast<SQLCHAR*>(t.data()),
                       static_cast<SQLSMALLINT>(t.size()));
      } else {
        auto w = to_utf16(t);
        rc = SQLTablesW(st.raw(), nullptr, 0, nullptr, 0, nullptr, 0, reinterpret_cast<SQLWCHAR*>(w.data()),
                        static_cast<SQLSMALLINT>(w.size()));
      }
      st.check(rc, "cannot list tables");
      for (const auto& r : st.fetch_all())
        if (r.size() >= 3) out.push_back({r[1].value_or(""), r[2].value_or("")});
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](const table_id& a, const table_id& b) {
    return std::tie(a.schema, a.table) < std::tie(b.schema, b.table);
  });
  return out;
}

}  // namespace sluice::odbc
