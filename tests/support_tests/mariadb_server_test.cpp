#include <gtest/gtest.h>

#include "tests/support/mariadb_server.hpp"

namespace sluice::testing {
namespace {

using row = std::vector<std::optional<std::string>>;

TEST(MariadbServer, StartsWithGrantTablesAndTheSluiceUser) {
  auto& db = mariadb_server::shared();
  EXPECT_EQ(db.query("", "SELECT 1")[0][0], "1");
  EXPECT_EQ(db.query("", "SELECT CURRENT_USER()")[0][0], "sluice@%");
  EXPECT_EQ(db.query("", "SELECT @@local_infile")[0][0], "1");
  EXPECT_EQ(db.query("", "SELECT @@skip_grant_tables")[0][0], "0");
  EXPECT_EQ(db.query("", "SELECT VERSION() LIKE '%MariaDB%'")[0][0], "1");
  EXPECT_EQ(db.jdbc_url("d"), "jdbc:mysql://127.0.0.1:" + std::to_string(db.port()) +
                                  "/d?user=sluice&password=" + db.password());
}

TEST(MariadbServer, CreateDatabaseExecAndQuery) {
  auto& db = mariadb_server::shared();
  std::string a = db.create_database("orders"), b = db.create_database("orders");
  EXPECT_NE(a, b);
  db.exec(a, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20)); "
             "INSERT INTO t VALUES (1, 'a'), (2, NULL)");
  auto rows = db.query(a, "SELECT id, name FROM t ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (row{"1", "a"}));
  EXPECT_EQ(rows[1], (row{"2", std::nullopt}));
  EXPECT_TRUE(db.query(b, "SHOW TABLES").empty());
}

TEST(MariadbServer, ExecThrowsOnErrorWithoutPrintingThePassword) {
  auto& db = mariadb_server::shared();
  try {
    db.exec("", "SELECT * FROM no_such_db.no_such_table");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find(db.password()), std::string::npos) << e.what();
  }
}

TEST(MariadbServer, StopAndStartKeepsData) {
  auto& db = mariadb_server::shared();
  std::string name = db.create_database("restart");
  db.exec(name, "CREATE TABLE t (v INT); INSERT INTO t VALUES (42)");
  int port = db.port();
  db.stop();
  EXPECT_THROW(db.query(name, "SELECT 1"), std::runtime_error);
  db.start();
  EXPECT_EQ(db.port(), port);
  EXPECT_EQ(db.query(name, "SELECT v FROM t")[0][0], "42");
}

}  // namespace
}  // namespace sluice::testing
