#pragma once
// Base fixture for the PostgreSQL dialect's integration tests: one fresh database per test suite
// on the shared throwaway server, and connections opened through the dialect itself with the
// session in UTC so ::text of timestamptz is stable.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "dialects/postgres/connection.hpp"
#include "tests/support/pg_server.hpp"

namespace sluice::pg {

class pg_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { db_ = server().create_database("dialect_pg"); }
  static sluice::testing::pg_server& server() { return sluice::testing::pg_server::shared(); }
  static const std::string& db() { return db_; }

  static std::unique_ptr<connection> connect() {
    auto c = connection::open(server().conninfo(db_), "dialect test");
    c->exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
    return c;
  }

  // The first column of the first row as text (NULL → "NULL").
  static std::string scalar(connection& c, const std::string& sql) {
    result r = c.exec(sql);
    if (r.rows() == 0) return "<no rows>";
    return r.is_null(0, 0) ? "NULL" : std::string(r.text(0, 0));
  }

 private:
  static inline std::string db_;
};

}  // namespace sluice::pg
