// odbc_target's source side and its session count: filling a table, the read ceiling, the
// steady write load, and the pipeline's sessions on MariaDB (see odbc_target.hpp).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "benchkit/odbc_target.hpp"
#include "benchkit/sqlite_ceiling.hpp"
#include "core/error.hpp"

namespace sluice::benchkit {
namespace {

std::mutex own_mu;
std::set<std::string>& own_ids() {
  static std::set<std::string> ids;
  return ids;
}

// Values in the forms the pipeline writes and the columns take: booleans as 1/0, timestamps
// without the "+00" (MariaDB DATETIME(6); SQLite text with microseconds, as the sink writes).
std::vector<std::string> odbc_values(const shape& s, std::int64_t id, bool mysql) {
  auto v = text_values(s, id, 0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (s.columns[i].type == column_type::boolean) v[i] = v[i] == "t" ? "1" : "0";
    else if (s.columns[i].type == column_type::timestamp) v[i] = v[i].substr(0, 23) + (mysql ? "" : "000");
  }
  return v;
}

// The steady write load's connection: one prepared INSERT per row, values as text parameters.
class odbc_appender : public row_appender {
 public:
  odbc_appender(const config::connection_target& t, const std::string& table, const shape& s,
                const std::vector<std::string>& now_columns)
      : conn_(odbc_target::connect(t)), s_(s), mysql_(t.kind == config::dialect::mysql) {
    if (mysql_) own_ = std::make_unique<own_session>(*conn_);
    // The database's clock, in the form the pipeline writes (SQLite: text with microseconds).
    const std::string now = mysql_ ? "NOW(6)" : "strftime('%Y-%m-%d %H:%M:%f000', 'now')";
    std::string cols, vals;
    for (const auto& c : s.columns) {
      const bool is_now = std::find(now_columns.begin(), now_columns.end(), c.name) != now_columns.end();
      cols += (cols.empty() ? "" : ", ") + odbc_target::quote(t.kind, c.name);
      vals += (vals.empty() ? "" : ", ") + (is_now ? now : std::string("?"));
      now_.push_back(is_now);
    }
    sql_ = fmt::format("INSERT INTO {} ({}) VALUES ({})", odbc_target::quote(t.kind, table), cols, vals);
  }

  void append(std::int64_t first, std::size_t count) override {
    conn_->begin();
    try {
      auto& st = conn_->prepared(sql_);
      for (std::size_t k = 0; k < count; ++k) {
        auto v = odbc_values(s_, first + static_cast<std::int64_t>(k), mysql_);
        odbc::text_params params;
        for (std::size_t i = 0; i < v.size(); ++i)
          if (!now_[i]) params.emplace_back(std::move(v[i]));
        st.execute(params);
      }
      conn_->commit();
    } catch (...) {
      conn_->rollback();
      throw;
    }
  }

 private:
  std::unique_ptr<odbc::connection> conn_;
  std::unique_ptr<own_session> own_;  // destroyed before conn_
  shape s_;
  bool mysql_;
  std::vector<bool> now_;
  std::string sql_;
};

}  // namespace

own_session::own_session(odbc::connection& c) : id_(c.query("SELECT CONNECTION_ID()").at(0).at(0).value_or("")) {
  std::lock_guard lock(own_mu);
  own_ids().insert(id_);
}

own_session::~own_session() {
  std::lock_guard lock(own_mu);
  own_ids().erase(id_);
}

bool own_session::is_own(const std::string& id) {
  std::lock_guard lock(own_mu);
  return own_ids().count(id) > 0;
}

std::optional<int> odbc_target::sessions(const std::string&) {
  if (!mysql()) return std::nullopt;  // SQLite: embedded, no server to count sessions on
  // Without the PROCESS privilege a user sees only its own sessions, which are the ones wanted.
  auto ids = conn_->query("SELECT id FROM information_schema.processlist "
                          "WHERE user = SUBSTRING_INDEX(USER(), '@', 1) AND db <=> DATABASE()");
  int n = 0;
  for (const auto& r : ids)
    if (r.at(0) && !own_session::is_own(*r[0])) ++n;
  return n;
}

void odbc_target::fill(const std::string& table, const shape& s, std::int64_t first, std::uint64_t count) {
  const std::uint64_t chunk = 200000;
  const auto path = std::filesystem::temp_directory_path() / fmt::format("sluice-bench-{}-fill.csv", ::getpid());
  for (std::uint64_t done = 0; done < count; done += chunk) {
    const auto end = std::min(count, done + chunk);
    if (mysql()) {
      {
        std::ofstream out(path);
        for (std::uint64_t i = done; i < end; ++i) out << csv_line(s, first + static_cast<std::int64_t>(i), 0);
        if (!out)
          throw error({.what = "cannot fill the source table", .where = path.string(),
                       .why = "the rows could not be written to a temporary file",
                       .fix = "free space in the temporary folder (TMPDIR)"});
      }
      try {
        mariadb_client(load_data(path.string(), table, s, ""), "cannot fill the source table " + table,
                       {"--local-infile=1"});
      } catch (...) {
        std::filesystem::remove(path);
        throw;
      }
    } else {
      std::vector<operation> ops;
      ops.reserve(end - done);
      for (std::uint64_t i = done; i < end; ++i) ops.push_back({first + static_cast<std::int64_t>(i), 0, false});
      sqlite_ceiling(t_.database, quote(table), s, ops, false);
    }
  }
  std::filesystem::remove(path);
  if (mysql()) conn_->query("ANALYZE TABLE " + quote(table));  // returns a result set
  else conn_->exec("ANALYZE " + quote(table));
}

ceiling odbc_target::read_ceiling(const std::string& table, const shape& s) {
  std::string cols;
  for (const auto& c : s.columns) cols += (cols.empty() ? "" : ", ") + quote(c.name);
  const auto sql = fmt::format("SELECT {} FROM {}", cols, quote(table));
  if (!mysql()) return sqlite_read_ceiling(t_.database, sql);
  std::uint64_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  // --quick streams the rows (mysql_use_result) instead of holding the whole result first.
  mariadb_client(sql, "cannot measure the read ceiling", {"--quick", "--batch", "--skip-column-names"}, &rows);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {"SELECT of every row through the mariadb client (--quick --batch: streamed, tab-separated to a pipe)", secs,
          static_cast<double>(rows) / secs, rows};
}

std::unique_ptr<row_appender> odbc_target::open_appender(const std::string& table, const shape& s,
                                                         const std::vector<std::string>& now_columns) const {
  return std::make_unique<odbc_appender>(t_, table, s, now_columns);
}

}  // namespace sluice::benchkit
