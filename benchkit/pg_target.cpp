#include "benchkit/pg_target.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::benchkit {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A scratch name next to `table`: same schema, a suffix that says who made it.
std::string scratch_name(const std::string& table, const std::string& suffix) {
  auto ref = pg::parse_table_name(table);
  std::string t = ref.table.substr(0, pg::max_identifier_bytes - suffix.size()) + suffix;
  return pg::render_table({ref.schema, t}, pg::quoting::always);
}

std::string all_csv(const shape& s, const std::vector<operation>& ops, bool with_seq) {
  std::string csv;
  csv.reserve(ops.size() * 80);
  std::int64_t seq = 0;
  for (const auto& op : ops) {
    ++seq;
    if (!with_seq) {
      csv += csv_line(s, op.id, op.version);
      continue;
    }
    if (op.del) {
      // Only the key and the delete mark: the other columns are NULL in staging.
      std::string line;
      for (std::size_t i = 0; i < s.columns.size(); ++i) {
        if (i) line += ',';
        if (i == s.key) line += std::to_string(op.id);
      }
      csv += fmt::format("{},{},t\n", line, seq);
    } else {
      auto line = csv_line(s, op.id, op.version);
      line.pop_back();
      csv += fmt::format("{},{},f\n", line, seq);
    }
  }
  return csv;
}

// The steady write load's connection: one INSERT per row, parameters as text.
class pg_appender : public row_appender {
 public:
  pg_appender(const std::string& conninfo, const std::string& table, const shape& s,
              const std::vector<std::string>& now_columns)
      : db_(conninfo), s_(s) {
    std::string cols, vals;
    int param = 0;
    for (const auto& c : s.columns) {
      cols += (cols.empty() ? "" : ", ") + pg::quote_ident(c.name);
      const bool now = std::find(now_columns.begin(), now_columns.end(), c.name) != now_columns.end();
      vals += (vals.empty() ? "" : ", ") + (now ? std::string("now()") : fmt::format("${}", ++param));
      now_.push_back(now);
    }
    sql_ = fmt::format("INSERT INTO {} ({}) VALUES ({})", pg_target::sql_name(table), cols, vals);
  }

  void append(std::int64_t first, std::size_t count) override {
    db_.conn().exec("BEGIN");
    for (std::size_t k = 0; k < count; ++k) {
      auto v = text_values(s_, first + static_cast<std::int64_t>(k), 0);
      std::vector<std::optional<std::string>> params;
      for (std::size_t i = 0; i < v.size(); ++i)
        if (!now_[i]) params.emplace_back(std::move(v[i]));
      db_.conn().exec_params(sql_, params);
    }
    db_.conn().exec("COMMIT");
  }

 private:
  pg_target db_;
  shape s_;
  std::vector<bool> now_;
  std::string sql_;
};

}  // namespace

pg_target::pg_target(const std::string& conninfo)
    : conninfo_(conninfo), conn_(pg::connection::open(conninfo + " application_name=sluice-bench", "sluice bench")) {}

std::string pg_target::sql_name(const std::string& table) {
  return pg::render_table(pg::parse_table_name(table), pg::quoting::always);
}

std::optional<std::uint64_t> pg_target::rows(const std::string& table) {
  auto r = conn_->exec_params("SELECT to_regclass($1) IS NOT NULL", {sql_name(table)});
  if (r.text(0, 0) != "t") return std::nullopt;
  auto c = conn_->exec("SELECT count(*) FROM " + sql_name(table));
  return std::stoull(std::string(c.text(0, 0)));
}

shape pg_target::shape_of(const std::string& table) {
  auto r = conn_->exec_params(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
      "COALESCE(a.attnum = ANY(i.indkey), false) FROM pg_attribute a "
      "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {sql_name(table)});
  shape s;
  int pk_columns = 0;
  std::optional<std::size_t> pk, first_int;
  for (int i = 0; i < r.rows(); ++i) {
    column c{std::string(r.text(i, 0))};
    std::string type(r.text(i, 1));
    c.not_null = r.text(i, 2) == "t";
    std::string base = type.substr(0, type.find('('));
    if (base == "numeric" && type.size() > base.size()) std::sscanf(type.c_str(), "numeric(%d,%d)", &c.precision, &c.scale);
    else if (base == "numeric") c.precision = 18, c.scale = 2;
    if (!from_pg_type(base, c))
      throw error({.what = "cannot generate rows for this table",
                   .where = fmt::format("table {} column \"{}\"", table, c.name),
                   .why = fmt::format("the generator cannot fill type {}", type),
                   .fix = "bench a table of bigint, integer, text, numeric, timestamp, boolean and "
                          "double columns, or give --columns and a new --table"});
    const bool integer = c.type == column_type::int64 || c.type == column_type::int32;
    if (r.text(i, 3) == "t") {
      ++pk_columns;
      if (integer) pk = s.columns.size();
    }
    if (integer && !first_int) first_int = s.columns.size();
    s.columns.push_back(c);
  }
  if (pk_columns > 1 || (pk_columns == 1 && !pk) || (!pk && !first_int))
    throw error({.what = "cannot generate rows for this table", .where = "table " + table,
                 .why = "its primary key is not one integer column",
                 .fix = "bench a table keyed by one bigint/integer column, or give --columns and a new --table"});
  s.key = pk ? *pk : *first_int;
  return s;
}

void pg_target::create(const std::string& table, const shape& s, bool identity_key) {
  conn_->exec(fmt::format("CREATE TABLE {} ({})", sql_name(table), s.ddl_columns(identity_key)));
}

void pg_target::create_like(const std::string& table, const std::string& like) {
  conn_->exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING ALL)", sql_name(table), sql_name(like)));
}

void pg_target::drop(const std::string& table) { conn_->exec("DROP TABLE IF EXISTS " + sql_name(table)); }

std::int64_t pg_target::max_key(const std::string& table, const shape& s) {
  auto r = conn_->exec(fmt::format("SELECT COALESCE(max({}), 0) FROM {}",
                                   pg::quote_ident(s.key_column().name), sql_name(table)));
  return std::stoll(std::string(r.text(0, 0)));
}

void pg_target::fill(const std::string& table, const shape& s, std::int64_t first, std::uint64_t count) {
  const std::uint64_t chunk = 100000;
  for (std::uint64_t done = 0; done < count; done += chunk) {
    std::string csv;
    for (std::uint64_t i = done; i < std::min(count, done + chunk); ++i)
      csv += csv_line(s, first + static_cast<std::int64_t>(i), 0);
    conn_->copy_in(fmt::format("COPY {} ({}) FROM STDIN (FORMAT csv)", sql_name(table), s.column_list()), csv);
  }
  conn_->exec_params(fmt::format("SELECT setval(seq, (SELECT max({}) FROM {})) FROM pg_get_serial_sequence($1, $2) seq "
                                 "WHERE seq IS NOT NULL",
                                 pg::quote_ident(s.key_column().name), sql_name(table)),
                     {sql_name(table), s.key_column().name});
  conn_->exec("VACUUM ANALYZE " + sql_name(table));
}

std::unique_ptr<row_appender> pg_target::open_appender(const std::string& table, const shape& s,
                                                       const std::vector<std::string>& now_columns) const {
  return std::make_unique<pg_appender>(conninfo_, table, s, now_columns);
}

std::optional<int> pg_target::sessions(const std::string& application_name) {
  auto r = conn_->exec_params(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() "
      "AND pid <> pg_backend_pid()",
      {application_name});
  return std::stoi(std::string(r.text(0, 0)));
}

ceiling pg_target::insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) {
  const auto scratch = scratch_name(like, "_sluice_ceiling");
  conn_->exec("DROP TABLE IF EXISTS " + scratch);
  conn_->exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING ALL)", scratch, sql_name(like)));
  auto csv = all_csv(s, ops, false);
  auto t0 = std::chrono::steady_clock::now();
  conn_->copy_in(fmt::format("COPY {} ({}) FROM STDIN (FORMAT csv)", scratch, s.column_list()), csv);
  double secs = seconds_since(t0);
  conn_->exec("DROP TABLE " + scratch);
  return {"COPY (csv) into a copy of the table", secs, static_cast<double>(ops.size()) / secs, ops.size()};
}

ceiling pg_target::upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) {
  const auto scratch = scratch_name(like, "_sluice_ceiling");
  const auto stage = scratch_name(like, "_sluice_ceiling_stage");
  conn_->exec(fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}", scratch, stage));
  conn_->exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING ALL)", scratch, sql_name(like)));
  conn_->exec(fmt::format("CREATE UNLOGGED TABLE {} ({}, sluice_seq bigint, sluice_del boolean)", stage,
                          s.plain_columns()));
  auto csv = all_csv(s, ops, true);
  const auto key = pg::quote_ident(s.key_column().name);
  std::string sets;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    if (i == s.key) continue;
    auto c = pg::quote_ident(s.columns[i].name);
    sets += fmt::format("{}{} = EXCLUDED.{}", sets.empty() ? "" : ", ", c, c);
  }
  // Only records that touch a key twice need "last one wins" (a sort); new rows alone are the
  // plain COPY to staging + INSERT … ON CONFLICT of a batch of distinct keys.
  bool repeats = false, deletes = false;
  for (const auto& op : ops) {
    repeats = repeats || op.version > 0 || op.del;
    deletes = deletes || op.del;
  }
  const auto last = repeats ? fmt::format("SELECT DISTINCT ON ({0}) * FROM {1} ORDER BY {0}, sluice_seq DESC", key, stage)
                            : fmt::format("SELECT * FROM {}", stage);
  auto t0 = std::chrono::steady_clock::now();
  conn_->copy_in(fmt::format("COPY {} FROM STDIN (FORMAT csv)", stage), csv);
  conn_->exec(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM ({2}) s WHERE NOT s.sluice_del "
                          "ON CONFLICT ({3}) DO {4}",
                          scratch, s.column_list(), last, key,
                          sets.empty() ? "NOTHING" : "UPDATE SET " + sets));
  if (deletes)
    conn_->exec(fmt::format("DELETE FROM {0} t USING ({1}) s WHERE s.sluice_del AND t.{2} = s.{2}", scratch,
                            last, key));
  double secs = seconds_since(t0);
  conn_->exec(fmt::format("DROP TABLE {}; DROP TABLE {}", scratch, stage));
  return {repeats ? "COPY (csv) into unlogged staging + INSERT … ON CONFLICT (last per key) + DELETE"
                  : "COPY (csv) into unlogged staging + INSERT … ON CONFLICT",
          secs,
          static_cast<double>(ops.size()) / secs, ops.size()};
}

ceiling pg_target::read_ceiling(const std::string& table, const shape& s) {
  const auto sql = fmt::format("COPY (SELECT {} FROM {}) TO STDOUT", s.column_list(), sql_name(table));
  auto t0 = std::chrono::steady_clock::now();
  PGconn* c = conn_->raw();
  pg::result_ptr start(PQexec(c, sql.c_str()));
  if (!start || PQresultStatus(start.get()) != PGRES_COPY_OUT)
    throw error({.what = "cannot measure the read ceiling", .where = "table " + table,
                 .why = PQerrorMessage(c)});
  std::uint64_t rows = 0;
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    ++rows;
    PQfreemem(buf);
  }
  while (pg::result_ptr r{PQgetResult(c)}) {
  }
  double secs = seconds_since(t0);
  return {"COPY (SELECT …) TO STDOUT", secs, static_cast<double>(rows) / secs, rows};
}

}  // namespace sluice::benchkit
