// sqlite_ceiling: the SQLite baseline of the ODBC sink benchmark — the workload's CSV rows
// inserted from C++ with one prepared INSERT in one transaction (sqlite3 C API, no ODBC, no
// Kafka, no JSON): as fast as rows go into SQLite. Values take the forms sluice's sink writes
// (amount and timestamp as text, paid as 0/1). Prints one JSON line: rows, seconds, rows_per_s.
//   sqlite_ceiling --db FILE --csv FILE --table NAME
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <sqlite3.h>

namespace {

struct db_closer {
  void operator()(sqlite3* d) const noexcept { sqlite3_close(d); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

}  // namespace

int main(int argc, char** argv) {
  std::string db_path, csv, table;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--db") db_path = v;
    else if (k == "--csv") csv = v;
    else if (k == "--table") table = v;
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open(db_path.c_str(), &raw) != SQLITE_OK) {
    fmt::print(stderr, "sqlite_ceiling: cannot open {}\n", db_path);
    return 1;
  }
  std::unique_ptr<sqlite3, db_closer> db(raw);
  const std::string sql = fmt::format("INSERT INTO \"{}\" (id, name, amount, placed_at, paid) VALUES (?, ?, ?, ?, ?)", table);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    fmt::print(stderr, "sqlite_ceiling: {}\n", sqlite3_errmsg(db.get()));
    return 1;
  }
  std::unique_ptr<sqlite3_stmt, stmt_finalizer> ins(s);
  std::ifstream in(csv);
  std::string line;
  std::int64_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  sqlite3_exec(db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  while (std::getline(in, line)) {
    // id,name,amount,YYYY-MM-DD HH:MM:SS.mmm+00,t|f
    std::string_view l(line), f[5];
    for (int k = 0; k < 5; ++k) {
      const auto comma = k < 4 ? l.find(',') : std::string_view::npos;
      f[k] = l.substr(0, comma);
      l = comma == std::string_view::npos ? std::string_view() : l.substr(comma + 1);
    }
    std::string ts(f[3].substr(0, f[3].size() - 3));  // without "+00", as the sink writes UTC
    ts += "000";                                        // microseconds
    sqlite3_bind_int64(ins.get(), 1, std::stoll(std::string(f[0])));
    sqlite3_bind_text(ins.get(), 2, f[1].data(), static_cast<int>(f[1].size()), SQLITE_STATIC);
    sqlite3_bind_text(ins.get(), 3, f[2].data(), static_cast<int>(f[2].size()), SQLITE_STATIC);
    sqlite3_bind_text(ins.get(), 4, ts.data(), static_cast<int>(ts.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(ins.get(), 5, f[4] == "t" ? 1 : 0);
    if (sqlite3_step(ins.get()) != SQLITE_DONE) {
      fmt::print(stderr, "sqlite_ceiling: {}\n", sqlite3_errmsg(db.get()));
      return 1;
    }
    sqlite3_reset(ins.get());
    ++rows;
  }
  if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    fmt::print(stderr, "sqlite_ceiling: {}\n", sqlite3_errmsg(db.get()));
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{{\"rows\":{},\"seconds\":{:.3f},\"rows_per_s\":{:.0f}}}\n", rows, secs,
             static_cast<double>(rows) / secs);
  return 0;
}
