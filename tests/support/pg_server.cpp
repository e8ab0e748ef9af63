#include "tests/support/pg_server.hpp"

#include <csignal>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "tests/support/free_port.hpp"

namespace sluice::testing {
namespace fs = std::filesystem;
namespace {

struct conn_deleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

std::string bin_dir() {
  const char* env = std::getenv("SLUICE_PG_BINDIR");
  return env ? env : "/usr/lib/postgresql/15/bin";
}

// A libpq conninfo value in single quotes, so paths with spaces work.
std::string quoted(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

conn_ptr connect(const std::string& conninfo) {
  conn_ptr c(PQconnectdb(conninfo.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to the test PostgreSQL: " +
                             std::string(PQerrorMessage(c.get())));
  return c;
}

bool ok(const PGresult* r) {
  auto s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

}  // namespace

pg_server& pg_server::shared() {
  static pg_server server;  // destroyed at exit: stops the server and removes its folder
  return server;
}

pg_server::pg_server() {
  base_ = make_server_dir("sluice-pg", "data/postmaster.pid");
  try {
    fs::create_directory(base_ / "data");
    fs::create_directory(base_ / "sock");
    fs::permissions(base_ / "data", fs::perms::owner_all, fs::perm_options::replace);
    if (running_as_root()) chown_recursive(base_, "postgres");
    socket_dir_ = (base_ / "sock").string();
    const fs::path log = base_ / "initdb.log";
    int rc = run_command(as_user("postgres", {bin_dir() + "/initdb", "-D", (base_ / "data").string(),
                                              "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                              "--locale=C", "--no-sync", "--no-instructions"}),
                         log);
    if (rc != 0)
      throw std::runtime_error(fmt::format("initdb failed ({}): {}", rc, tail_file(log)));
    port_ = free_tcp_port();
    start();
  } catch (...) {
    server_.stop();
    std::error_code ec;
    fs::remove_all(base_, ec);
    throw;
  }
}

pg_server::~pg_server() {
  try {
    server_.stop();
  } catch (...) {
  }
  std::error_code ec;
  fs::remove_all(base_, ec);
}

void pg_server::start() {
  const fs::path log = base_ / "server.log";
  // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
  server_.start({bin_dir() + "/postgres", "-D", (base_ / "data").string(), "-k", socket_dir_,
                 "-h", "127.0.0.1", "-p", std::to_string(port_), "-c", "fsync=off", "-c",
                 "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                 "max_connections=200", "-c", "logging_collector=off"},
                "postgres", SIGINT, base_, log);
  const std::string info = conninfo();
  for (int i = 0; i < 600; ++i) {
    if (PQping(info.c_str()) == PQPING_OK) return;
    if (!server_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  server_.stop();
  throw std::runtime_error("the test PostgreSQL did not start: " + tail_file(log));
}

void pg_server::stop() { server_.stop(); }

std::string pg_server::conninfo(const std::string& db) const {
  return fmt::format("host={} port={} user=postgres dbname={}", quoted(socket_dir_), port_,
                     quoted(db));
}

std::string pg_server::jdbc_url(const std::string& db) const {
  return fmt::format("jdbc:postgresql://127.0.0.1:{}/{}?user=postgres", port_, db);
}

std::string pg_server::create_database(const std::string& prefix) {
  std::string name = fmt::format("{}_{}", prefix, ++next_db_);
  exec("postgres", fmt::format("CREATE DATABASE \"{}\"", name));
  return name;
}

void pg_server::exec(const std::string& db, const std::string& sql) const {
  conn_ptr c = connect(conninfo(db));
  result_ptr r(PQexec(c.get(), sql.c_str()));
  if (!ok(r.get()))
    throw std::runtime_error(fmt::format("PostgreSQL exec failed in {}: {} (sql: {})", db,
                                         PQresultErrorMessage(r.get()), sql));
}

text_rows pg_server::query(const std::string& db, const std::string& sql) const {
  conn_ptr c = connect(conninfo(db));
  result_ptr r(PQexec(c.get(), sql.c_str()));
  if (!ok(r.get()))
    throw std::runtime_error(fmt::format("PostgreSQL query failed in {}: {} (sql: {})", db,
                                         PQresultErrorMessage(r.get()), sql));
  text_rows rows(static_cast<std::size_t>(PQntuples(r.get())));
  for (int i = 0; i < PQntuples(r.get()); ++i)
    for (int j = 0; j < PQnfields(r.get()); ++j)
      rows[i].push_back(PQgetisnull(r.get(), i, j)
                            ? std::nullopt
                            : std::optional<std::string>(PQgetvalue(r.get(), i, j)));
  return rows;
}

}  // namespace sluice::testing
