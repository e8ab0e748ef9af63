#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "tests/support/pg_server.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace sluice::testing {
namespace {

// When this binary runs with SLUICE_PG_ORPHAN_REPORT set, it starts a server, writes the
// server's folder and postmaster pid there, and kills itself: the parent test then checks the
// server died with it. Runs before main, so gtest never starts in that child.
[[maybe_unused]] const bool orphan_child = [] {
  const char* report = std::getenv("SLUICE_PG_ORPHAN_REPORT");
  if (!report) return false;
  pg_server server;
  auto base = std::filesystem::path(server.socket_dir()).parent_path();
  std::string pid;
  std::ifstream(base / "data" / "postmaster.pid") >> pid;
  std::ofstream(report) << base.string() << "\n" << pid << "\n";
  ::kill(::getpid(), SIGKILL);
  return true;
}();

TEST(PgServer, StartsAndAnswersOnItsSocketAndOnLoopback) {
  auto& pg = pg_server::shared();
  EXPECT_GT(pg.port(), 0);
  EXPECT_EQ(pg.query("postgres", "SELECT 1")[0][0], "1");
  auto version = pg.query("postgres", "SHOW server_version_num")[0][0].value();
  EXPECT_EQ(version.substr(0, 2), "15");
  EXPECT_EQ(pg.query("postgres", "SHOW fsync")[0][0], "off");
  EXPECT_EQ(pg.query("postgres", "SHOW max_connections")[0][0], "200");
  std::string tcp = "host=127.0.0.1 port=" + std::to_string(pg.port()) + " user=postgres";
  PGconn* c = PQconnectdb(tcp.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PQfinish(c);
  EXPECT_EQ(pg.jdbc_url("db1"),
            "jdbc:postgresql://127.0.0.1:" + std::to_string(pg.port()) + "/db1?user=postgres");
}

TEST(PgServer, CreateDatabaseGivesAFreshEmptyDatabaseEachTime) {
  auto& pg = pg_server::shared();
  std::string a = pg.create_database("orders"), b = pg.create_database("orders");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("orders", 0), 0u);
  pg.exec(a, "CREATE TABLE t (id bigint PRIMARY KEY, name text)");
  EXPECT_EQ(pg.query(b, "SELECT count(*) FROM pg_tables WHERE tablename = 't'")[0][0], "0");
}

TEST(PgServer, QueryReturnsTextRowsWithNulls) {
  auto& pg = pg_server::shared();
  std::string db = pg.create_database();
  pg.exec(db, "CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, NULL)");
  auto rows = pg.query(db, "SELECT id, name FROM t ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::optional<std::string>>{"1", "a"}));
  EXPECT_EQ(rows[1], (std::vector<std::optional<std::string>>{"2", std::nullopt}));
}

TEST(PgServer, ExecThrowsOnError) {
  auto& pg = pg_server::shared();
  EXPECT_THROW(pg.exec("postgres", "SELECT * FROM no_such_table"), std::runtime_error);
}

TEST(PgServer, StopAndStartKeepsDataAndPort) {
  auto& pg = pg_server::shared();
  std::string db = pg.create_database("restart");
  pg.exec(db, "CREATE TABLE t (v int); INSERT INTO t VALUES (42)");
  int port = pg.port();
  pg.stop();
  EXPECT_THROW(pg.query(db, "SELECT 1"), std::runtime_error);
  pg.start();
  EXPECT_EQ(pg.port(), port);
  EXPECT_EQ(pg.query(db, "SELECT v FROM t")[0][0], "42");
}

TEST(PgServer, DoesNotOutliveAKilledTestProcess) {
  temp_dir dir("sluice-orphan");
  std::string report = (dir / "report").string();
  std::string env_entry = "SLUICE_PG_ORPHAN_REPORT=" + report;
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(env_entry.data());
  env.push_back(nullptr);
  char self[] = "/proc/self/exe";
  char* argv[] = {self, nullptr};
  pid_t child = -1;
  ASSERT_EQ(::posix_spawn(&child, self, nullptr, nullptr, argv, env.data()), 0);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;

  std::string base;
  pid_t postmaster = 0;
  std::ifstream(report) >> base >> postmaster;
  ASSERT_FALSE(base.empty());
  ASSERT_GT(postmaster, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((::kill(postmaster, 0) == 0 || std::filesystem::exists(base)) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(::kill(postmaster, 0), 0) << "postgres " << postmaster << " outlived its test process";
  EXPECT_FALSE(std::filesystem::exists(base)) << base << " was not removed";
}

}  // namespace
}  // namespace sluice::testing
