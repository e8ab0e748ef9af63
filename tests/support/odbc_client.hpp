#pragma once
// Minimal ODBC access for the fixtures (setup and checks in tests, not sluice's own ODBC code):
// each call opens its own connection through unixODBC, runs the SQL and closes it. Errors are
// std::runtime_error with the driver's diagnostics; the connection string (which may hold a
// password) is never part of the message.
// Thread-safety: safe from any thread.
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

using text_rows = std::vector<std::vector<std::optional<std::string>>>;

void odbc_exec(const std::string& connection_string, const std::string& sql);
// Rows of the last result set that has columns, as text; NULL is nullopt.
text_rows odbc_query(const std::string& connection_string, const std::string& sql);

}  // namespace sluice::testing
