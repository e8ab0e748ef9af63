#pragma once
// The benchmark's target on MariaDB/MySQL and SQLite, through the same ODBC drivers as the
// pipeline. Sink ceilings as bench/odbc_sink_bench.sh measures them: MariaDB LOAD DATA LOCAL
// INFILE (through the `mariadb` client, which the ODBC driver cannot do), into staging plus
// INSERT … ON DUPLICATE KEY UPDATE for upsert; SQLite one prepared statement per record in one
// transaction through the sqlite3 C API (benchkit/sqlite_ceiling.hpp). Source (odbc_source.cpp):
// tables filled the same way, the read ceiling a full SELECT (MariaDB: the `mariadb` client with
// --quick, rows streamed to a pipe; SQLite: the sqlite3 C API), the steady write load through
// ODBC. Tables are named as given, in the connection's database (no schema part).
// Server sessions (MariaDB): Connector/ODBC 3.1 sets no connect attribute or program name (its
// only hook, InitStmt, leaves no trace in the processlist), so the pipeline's sessions are the
// processlist's sessions of the bench's user in its database minus the bench's own connections
// (each registers its CONNECTION_ID() while it is open); SQLite has no server (nullopt).
// Ownership: owns one odbc::connection. Thread-safety: none; one thread at a time.
#include <memory>
#include <string>

#include "benchkit/target.hpp"
#include "config/connection_url.hpp"
#include "dialects/odbc/connection.hpp"

namespace sluice::benchkit {

// Marks a MariaDB connection as the bench's own for as long as this object lives (process-wide
// registry). Thread-safety: safe from any thread.
class own_session {
 public:
  explicit own_session(odbc::connection& c);
  ~own_session();
  own_session(const own_session&) = delete;
  own_session& operator=(const own_session&) = delete;
  static bool is_own(const std::string& connection_id);

 private:
  std::string id_;
};

class odbc_target : public target {
 public:
  explicit odbc_target(config::connection_target t);

  std::optional<std::uint64_t> rows(const std::string& table) override;
  shape shape_of(const std::string& table) override;
  void create(const std::string& table, const shape& s, bool identity_key = false) override;
  void create_like(const std::string& table, const std::string& like) override;
  void drop(const std::string& table) override;
  std::int64_t max_key(const std::string& table, const shape& s) override;
  // MariaDB: LOAD DATA LOCAL INFILE per 200,000 rows, then ANALYZE TABLE; SQLite: prepared
  // INSERTs in one transaction per 200,000 rows (sqlite3 C API), then ANALYZE.
  void fill(const std::string& table, const shape& s, std::int64_t first, std::uint64_t count) override;
  std::optional<int> sessions(const std::string& application_name) override;
  ceiling insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  ceiling upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  ceiling read_ceiling(const std::string& table, const shape& s) override;
  std::unique_ptr<row_appender> open_appender(const std::string& table, const shape& s,
                                              const std::vector<std::string>& now_columns) const override;
  std::unique_ptr<target> open_another() const override { return std::make_unique<odbc_target>(t_); }
  std::string dialect() const override { return std::string(config::to_string(t_.kind)); }

  // Opens a connection as the pipeline would (same driver, same session setup).
  static std::unique_ptr<odbc::connection> connect(const config::connection_target& t);
  // `name` quoted for the family (backticks on MariaDB/MySQL, double quotes on SQLite).
  static std::string quote(config::dialect family, const std::string& name);

 private:
  bool mysql() const { return t_.kind == config::dialect::mysql; }
  std::string quote(const std::string& name) const { return quote(t_.kind, name); }
  std::string ddl(const std::string& table, const shape& s) const;
  // Runs `mariadb --no-defaults <flags> DB -e sql` (password via MYSQL_PWD, never on the command
  // line). With `lines`, its standard output comes through a pipe and its lines are counted;
  // else it is discarded. Throws sluice::error saying `what` failed.
  void mariadb_client(const std::string& sql, const std::string& what, const std::vector<std::string>& flags,
                      std::uint64_t* lines = nullptr);
  // LOAD DATA of `csv_path` into `table` (columns of `s`, then `extra` plain columns).
  std::string load_data(const std::string& csv_path, const std::string& table, const shape& s,
                        const std::string& extra) const;

  config::connection_target t_;
  std::unique_ptr<odbc::connection> conn_;
  std::unique_ptr<own_session> own_;  // MariaDB only; before conn_ in destruction
};

}  // namespace sluice::benchkit
