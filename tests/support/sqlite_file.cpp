#include "tests/support/sqlite_file.hpp"

#include <fstream>

namespace sluice::testing {

sqlite_file::sqlite_file() : dir_("sluice-sqlite"), path_(dir_.path() / "test.db") {
  std::ofstream touch(path_);  // an empty file is a valid empty SQLite database
}

std::string sqlite_file::odbc_connection_string() const {
  return "Driver={SQLite3};Database=" + path_.string() + ";";
}

std::string sqlite_file::jdbc_url() const { return "jdbc:sqlite:" + path_.string(); }

void sqlite_file::exec(const std::string& sql) const { odbc_exec(odbc_connection_string(), sql); }

text_rows sqlite_file::query(const std::string& sql) const {
  return odbc_query(odbc_connection_string(), sql);
}

}  // namespace sluice::testing
