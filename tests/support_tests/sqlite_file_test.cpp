#include <gtest/gtest.h>

#include "tests/support/sqlite_file.hpp"

namespace sluice::testing {
namespace {

TEST(SqliteFile, IsUsableThroughOdbcAndRemovedAfterwards) {
  std::filesystem::path path;
  {
    sqlite_file db;
    path = db.path();
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(db.jdbc_url(), "jdbc:sqlite:" + path.string());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
    db.exec("INSERT INTO t VALUES (1, 'a'), (2, NULL)");
    auto rows = db.query("SELECT id, name FROM t ORDER BY id");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][1], "a");
    EXPECT_EQ(rows[1][1], std::nullopt);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path.parent_path()));
}

}  // namespace
}  // namespace sluice::testing
