#include "tests/support/mariadb_server.hpp"

#include <csignal>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "tests/support/free_port.hpp"

namespace sluice::testing {
namespace fs = std::filesystem;

mariadb_server& mariadb_server::shared() {
  static mariadb_server server;  // destroyed at exit: stops the server and removes its folder
  return server;
}

mariadb_server& mariadb_server::shared_lower_case() {
  // Its own fresh data folder, bootstrapped under the setting: a folder that already held
  // mixed-case names under 0 would keep tables that 1 can no longer reach.
  static mariadb_server server({"--lower-case-table-names=1"});
  return server;
}

mariadb_server::mariadb_server(std::vector<std::string> server_options)
    : server_options_(std::move(server_options)) {
  base_ = make_server_dir("sluice-mariadb", "mariadbd.pid");
  try {
    for (const char* d : {"data", "sock", "tmp"}) fs::create_directory(base_ / d);
    if (running_as_root()) chown_recursive(base_, "mysql");
    socket_path_ = (base_ / "sock" / "mariadbd.sock").string();
    const fs::path log = base_ / "install.log";
    std::vector<std::string> install = {"mariadb-install-db", "--no-defaults",
                                        "--datadir=" + (base_ / "data").string(),
                                        "--auth-root-authentication-method=normal",
                                        "--skip-test-db", "--skip-name-resolve",
                                        // its own tmpdir: a bootstrapping mariadbd deletes the
                                        // "#sql*" files it finds there, also other servers'
                                        "--tmpdir=" + (base_ / "tmp").string()};
    if (running_as_root()) install.push_back("--user=mysql");
    // mariadb-install-db hands the options it does not know to the bootstrapping mariadbd.
    install.insert(install.end(), server_options_.begin(), server_options_.end());
    int rc = run_command(install, log);
    if (rc != 0)
      throw std::runtime_error(
          fmt::format("mariadb-install-db failed ({}): {}", rc, tail_file(log)));
    port_ = free_tcp_port();
    start();
  } catch (...) {
    server_.stop();
    std::error_code ec;
    fs::remove_all(base_, ec);
    throw;
  }
}

mariadb_server::~mariadb_server() {
  try {
    server_.stop();
  } catch (...) {
  }
  std::error_code ec;
  fs::remove_all(base_, ec);
}

void mariadb_server::start() {
  const fs::path log = base_ / "server.log";
  std::vector<std::string> argv = {
      "/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + (base_ / "data").string(),
      "--socket=" + socket_path_, "--port=" + std::to_string(port_), "--bind-address=127.0.0.1",
      "--pid-file=" + (base_ / "mariadbd.pid").string(), "--tmpdir=" + (base_ / "tmp").string(),
      "--local-infile=1", "--max-connections=200", "--innodb-buffer-pool-size=128M",
      "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-log-bin",
      "--skip-name-resolve"};
  if (running_as_root()) argv.push_back("--user=mysql");
  argv.insert(argv.end(), server_options_.begin(), server_options_.end());
  server_.start(argv, "mysql", SIGTERM, base_, log);

  // The first statement that succeeds says the server is up; the user is created idempotently
  // so the same statement serves restarts.
  const std::string setup = fmt::format(
      "CREATE USER IF NOT EXISTS '{0}'@'%' IDENTIFIED BY '{1}';"
      "CREATE USER IF NOT EXISTS '{0}'@'localhost' IDENTIFIED BY '{1}';"
      "GRANT ALL PRIVILEGES ON *.* TO '{0}'@'%' WITH GRANT OPTION;"
      "GRANT ALL PRIVILEGES ON *.* TO '{0}'@'localhost' WITH GRANT OPTION;",
      user_, password_);
  const fs::path client_log = base_ / "client.log";
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(socket_path_) &&
        run_command({"mariadb", "--no-defaults", "-S", socket_path_, "-u", "root", "-e", setup},
                    client_log) == 0)
      return;
    if (!server_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server_.stop();
  throw std::runtime_error("the test MariaDB did not start: " + tail_file(log) +
                           tail_file(client_log, 500));
}

void mariadb_server::stop() { server_.stop(); }

std::string mariadb_server::odbc_connection_string(const std::string& db) const {
  // Option 67108864 = MULTI_STATEMENTS, so exec() can run a script.
  return fmt::format(
      "Driver={{MariaDB Unicode}};Server=127.0.0.1;Port={};User={};Password={};Database={};"
      "Option=67108864;",
      port_, user_, password_, db);
}

std::string mariadb_server::jdbc_url(const std::string& db) const {
  return fmt::format("jdbc:mysql://127.0.0.1:{}/{}?user={}&password={}", port_, db, user_,
                     password_);
}

std::string mariadb_server::create_database(const std::string& prefix) {
  std::string name = fmt::format("{}_{}", prefix, ++next_db_);
  exec("", fmt::format("CREATE DATABASE `{}`", name));
  return name;
}

void mariadb_server::exec(const std::string& db, const std::string& sql) const {
  odbc_exec(odbc_connection_string(db), sql);
}

text_rows mariadb_server::query(const std::string& db, const std::string& sql) const {
  return odbc_query(odbc_connection_string(db), sql);
}

}  // namespace sluice::testing
