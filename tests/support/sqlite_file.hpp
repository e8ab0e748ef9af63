#pragma once
// A temporary SQLite database file (created empty) in its own temp folder, removed with its
// journal/WAL files by the destructor. exec()/query() go through the SQLite3 ODBC driver.
// Ownership: owns the folder. Thread-safety: immutable; exec()/query() open their own
// connections.
#include <filesystem>
#include <string>

#include "tests/support/odbc_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::testing {

class sqlite_file {
 public:
  sqlite_file();

  const std::filesystem::path& path() const { return path_; }
  // Driver={SQLite3};Database=<path>;
  std::string odbc_connection_string() const;
  // jdbc:sqlite:<path>
  std::string jdbc_url() const;

  void exec(const std::string& sql) const;
  text_rows query(const std::string& sql) const;

 private:
  temp_dir dir_;
  std::filesystem::path path_;
};

}  // namespace sluice::testing
