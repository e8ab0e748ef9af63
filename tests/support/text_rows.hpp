#pragma once
// Query results as the tests compare them: rows joined by '\n', columns by '|', NULL as "NULL".
// One rendering for every fixture's query() (PostgreSQL, MariaDB, SQLite, ODBC), so expected
// strings read the same in every suite.
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

inline std::string join_rows(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    if (!out.empty()) out += '\n';
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += '|';
      out += row[i].value_or("NULL");
    }
  }
  return out;
}

}  // namespace sluice::testing
