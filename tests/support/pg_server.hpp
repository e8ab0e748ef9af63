#pragma once
// A throwaway PostgreSQL 15 server for tests: initdb into a fresh folder under $TMPDIR (as user
// postgres when this process is root), listening on a unix socket in that folder and on
// 127.0.0.1 at a free port, with fsync=off and max_connections=200. shared() starts one per test
// process on first use; it is stopped and its folder removed at exit, by a watchdog when the
// process dies without exiting (see process.hpp), and by the next run when even that failed.
// Ownership: owns the server process and its folder. Thread-safety: conninfo(), exec(), query()
// and create_database() are safe from any thread (each opens its own connection); stop() and
// start() must not race with anything.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace sluice::testing {

using text_rows = std::vector<std::vector<std::optional<std::string>>>;

class pg_server {
 public:
  static pg_server& shared();

  pg_server();  // initdb and start; throws std::runtime_error with the server's log on failure
  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  // libpq keyword form: host=<socket dir> port=<port> user=postgres dbname=<db>
  std::string conninfo(const std::string& db = "postgres") const;
  // jdbc:postgresql://127.0.0.1:PORT/DB?user=postgres
  std::string jdbc_url(const std::string& db) const;
  int port() const { return port_; }
  const std::string& socket_dir() const { return socket_dir_; }

  // A fresh empty database named <prefix>_<n>; returns the name.
  std::string create_database(const std::string& prefix = "t");
  // Runs `sql` (several statements allowed); throws std::runtime_error on error.
  void exec(const std::string& db, const std::string& sql) const;
  // Rows of the last statement's result, as text; NULL is nullopt.
  text_rows query(const std::string& db, const std::string& sql) const;

  // For restart tests: same data folder and port.
  void stop();
  void start();

 private:
  std::filesystem::path base_;
  std::string socket_dir_;
  int port_ = 0;
  std::atomic<int> next_db_{0};
  supervised_process server_;
};

}  // namespace sluice::testing
