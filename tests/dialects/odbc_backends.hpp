#pragma once
// The databases the ODBC layer's integration tests run against, each a real server or file
// started by the fixtures of tests/support: SQLite (a temp file), MariaDB (a throwaway server),
// PostgreSQL through psqlODBC (the throwaway PostgreSQL). A test written once with TEST_P runs
// on all of them (INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(odbc_backends()), ...)).
// Ownership: SQLite files live until the test process exits. Thread-safety: test thread only.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/connection_url.hpp"
#include "dialects/odbc/connection.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/sqlite_file.hpp"

namespace sluice::odbc::testing {

struct odbc_backend {
  std::string name;  // for test names: sqlite, mariadb, postgres_odbc
  config::dialect family;
};

inline std::vector<odbc_backend> odbc_backends() {
  return {{"sqlite", config::dialect::sqlite},
          {"mariadb", config::dialect::mysql},
          {"postgres_odbc", config::dialect::postgresql}};
}

inline std::string backend_name(const ::testing::TestParamInfo<odbc_backend>& i) { return i.param.name; }

// A connection string to a fresh, empty database of the backend.
inline std::string fresh_database(const odbc_backend& b) {
  static std::deque<sluice::testing::sqlite_file> files;
  switch (b.family) {
    case config::dialect::sqlite: return files.emplace_back().odbc_connection_string();
    case config::dialect::mysql: {
      auto& s = sluice::testing::mariadb_server::shared();
      return s.odbc_connection_string(s.create_database("odbc"));
    }
    default: {
      auto& s = sluice::testing::pg_server::shared();
      return fmt::format("Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={};Database={};UID=postgres",
                         s.port(), s.create_database("odbc"));
    }
  }
}

inline std::unique_ptr<connection> connect(const odbc_backend& b, const std::string& conn) {
  return connection::open({.connection_string = conn, .family = b.family, .where = "test " + b.name});
}

}  // namespace sluice::odbc::testing
