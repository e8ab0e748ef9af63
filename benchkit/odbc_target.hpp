#pragma once
// The benchmark's target on MariaDB/MySQL and SQLite, through the same ODBC drivers as the sink.
// Ceilings as bench/odbc_sink_bench.sh measures them: MariaDB LOAD DATA LOCAL INFILE (through the
// `mariadb` client, which the ODBC driver cannot do), into staging plus INSERT … ON DUPLICATE KEY
// UPDATE for upsert; SQLite one prepared statement per record in one transaction through the
// sqlite3 C API (benchkit/sqlite_ceiling.hpp). Tables are named as given, in the
// connection's database (no schema part).
// Ownership: owns one odbc::connection. Thread-safety: none; one thread at a time.
#include <memory>
#include <string>

#include "benchkit/target.hpp"
#include "config/connection_url.hpp"
#include "dialects/odbc/connection.hpp"

namespace sluice::benchkit {

class odbc_target : public target {
 public:
  explicit odbc_target(config::connection_target t);

  std::optional<std::uint64_t> rows(const std::string& table) override;
  shape shape_of(const std::string& table) override;
  void create(const std::string& table, const shape& s, bool identity_key = false) override;
  void create_like(const std::string& table, const std::string& like) override;
  void drop(const std::string& table) override;
  std::int64_t max_key(const std::string& table, const shape& s) override;
  std::optional<int> sessions(const std::string&) override { return std::nullopt; }
  ceiling insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  ceiling upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  std::unique_ptr<target> open_another() const override { return std::make_unique<odbc_target>(t_); }
  std::string dialect() const override { return std::string(config::to_string(t_.kind)); }

 private:
  bool mysql() const { return t_.kind == config::dialect::mysql; }
  std::string quote(const std::string& name) const;
  std::string ddl(const std::string& table, const shape& s) const;
  // Runs one statement through the `mariadb` client with LOCAL INFILE on (password via MYSQL_PWD).
  void mariadb_client(const std::string& sql);
  // LOAD DATA of `csv_path` into `table` (columns of `s`, then `extra` plain columns).
  std::string load_data(const std::string& csv_path, const std::string& table, const shape& s,
                        const std::string& extra) const;

  config::connection_target t_;
  std::unique_ptr<odbc::connection> conn_;
};

}  // namespace sluice::benchkit
