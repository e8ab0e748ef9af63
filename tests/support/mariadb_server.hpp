#pragma once
// A throwaway MariaDB server for tests: mariadb-install-db into a fresh folder under $TMPDIR,
// mariadbd (as user mysql when this process is root) on a unix socket in that folder and on
// 127.0.0.1 at a free port, grant tables on, local_infile=1, and a user `sluice` (password
// password()) with all privileges. Same life cycle as pg_server: shared() starts one per test
// process on first use; stopped and removed at exit, by a watchdog if the process dies, or by
// the next run. shared_lower_case() is a second such server, started only by the tests that call
// it. exec()/query() go through the MariaDB ODBC driver.
// Ownership: owns the server process and its folder. Thread-safety: as pg_server.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/odbc_client.hpp"
#include "tests/support/process.hpp"

namespace sluice::testing {

class mariadb_server {
 public:
  static mariadb_server& shared();
  // A second shared server with lower_case_table_names=1 (names stored and compared in lower
  // case, as on Windows), for the lookups that must follow it. Separate from shared() so the
  // other tests keep the default (0); started on first use, so only its tests pay the start-up.
  static mariadb_server& shared_lower_case();

  // Installs and starts a server; throws std::runtime_error with the log on failure.
  // `server_options` (e.g. "--lower-case-table-names=1") go to the bootstrap of
  // mariadb-install-db and to every start(), so the data folder is created under the settings
  // it runs with.
  explicit mariadb_server(std::vector<std::string> server_options = {});
  ~mariadb_server();
  mariadb_server(const mariadb_server&) = delete;
  mariadb_server& operator=(const mariadb_server&) = delete;

  // Driver={MariaDB Unicode};Server=127.0.0.1;Port=..;User=sluice;Password=..;Database=db;
  // (several statements per call allowed). An empty db connects without a default database.
  std::string odbc_connection_string(const std::string& db) const;
  // jdbc:mysql://127.0.0.1:PORT/DB?user=sluice&password=...
  std::string jdbc_url(const std::string& db) const;
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  int port() const { return port_; }
  const std::string& socket_path() const { return socket_path_; }

  std::string create_database(const std::string& prefix = "t");
  void exec(const std::string& db, const std::string& sql) const;
  text_rows query(const std::string& db, const std::string& sql) const;

  void stop();
  void start();

 private:
  std::filesystem::path base_;
  std::string socket_path_;
  std::string user_ = "sluice";
  std::string password_ = "sluice-test-pw";
  std::vector<std::string> server_options_;
  int port_ = 0;
  std::atomic<int> next_db_{0};
  supervised_process server_;
};

}  // namespace sluice::testing
