#include "benchkit/sqlite_ceiling.hpp"

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <sqlite3.h>

#include "core/error.hpp"

namespace sluice::benchkit {
namespace {

struct db_closer {
  void operator()(sqlite3* d) const noexcept { sqlite3_close(d); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

[[noreturn]] void fail(sqlite3* db, const std::string& path) {
  throw error({.what = "cannot measure the SQLite ceiling", .where = path, .why = sqlite3_errmsg(db)});
}

stmt_ptr prepare(sqlite3* db, const std::string& sql, const std::string& path) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) fail(db, path);
  return stmt_ptr(s);
}

std::string quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

db_ptr open_file(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK) fail(raw, path);
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

}  // namespace

ceiling sqlite_read_ceiling(const std::string& path, const std::string& select) {
  auto db = open_file(path);
  auto st = prepare(db.get(), select, path);
  const int columns = sqlite3_column_count(st.get());
  std::uint64_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    ++rows;
    for (int i = 0; i < columns; ++i) sqlite3_column_text(st.get(), i);
  }
  if (rc != SQLITE_DONE) fail(db.get(), path);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {"SELECT of every row through the sqlite3 C API, each value as text", secs,
          static_cast<double>(rows) / secs, rows};
}

ceiling sqlite_ceiling(const std::string& path, const std::string& table, const shape& s,
                       const std::vector<operation>& ops, bool upsert) {
  auto db = open_file(path);
  std::string names, marks, updates;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    names += (i ? ", " : "") + quote(s.columns[i].name);
    marks += i ? ", ?" : "?";
    if (i != s.key) updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", quote(s.columns[i].name),
                                           quote(s.columns[i].name));
  }
  const auto key = quote(s.key_column().name);
  auto ins = prepare(db.get(),
                     fmt::format("INSERT INTO {} ({}) VALUES ({}){}", table, names, marks,
                                 upsert ? fmt::format(" ON CONFLICT ({}) DO {}", key,
                                                      updates.empty() ? "NOTHING" : "UPDATE SET " + updates)
                                        : ""),
                     path);
  auto del = prepare(db.get(), fmt::format("DELETE FROM {} WHERE {} = ?", table, key), path);
  const auto t0 = std::chrono::steady_clock::now();
  if (sqlite3_exec(db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) fail(db.get(), path);
  for (const auto& op : ops) {
    sqlite3_stmt* st = op.del ? del.get() : ins.get();
    if (op.del) {
      sqlite3_bind_int64(st, 1, op.id);
    } else {
      auto v = text_values(s, op.id, op.version);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const int at = static_cast<int>(i) + 1;
        switch (s.columns[i].type) {
          case column_type::int64:
          case column_type::int32: sqlite3_bind_int64(st, at, std::stoll(v[i])); break;
          case column_type::boolean: sqlite3_bind_int(st, at, v[i] == "t" ? 1 : 0); break;
          case column_type::timestamp: {
            auto ts = v[i].substr(0, 23) + "000";  // UTC without "+00", microseconds, as the sink writes
            sqlite3_bind_text(st, at, ts.data(), static_cast<int>(ts.size()), SQLITE_TRANSIENT);
            break;
          }
          default: sqlite3_bind_text(st, at, v[i].data(), static_cast<int>(v[i].size()), SQLITE_TRANSIENT);
        }
      }
    }
    if (sqlite3_step(st) != SQLITE_DONE) fail(db.get(), path);
    sqlite3_reset(st);
  }
  if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) fail(db.get(), path);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {upsert ? "one prepared INSERT … ON CONFLICT DO UPDATE (or DELETE) per record in one transaction (sqlite3 C API)"
                 : "one prepared INSERT per row in one transaction (sqlite3 C API)",
          secs, static_cast<double>(ops.size()) / secs, ops.size()};
}

}  // namespace sluice::benchkit
