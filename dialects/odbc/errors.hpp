#pragma once
// The one place where ODBC diagnostics (SQLGetDiagRec) become sluice::error. A failure is first
// read into plain records (SQLSTATE, native code, message), so the classification — retryable?
// poisons the connection? which config key fixes it? — is a pure function that unit tests drive
// without a server.
//
// Drivers disagree on SQLSTATEs: MariaDB reports many server errors as HY000 with a native code,
// SQLite reports constraint failures as HY000 with SQLITE_CONSTRAINT. normalized_sqlstate() maps
// those native codes to the SQLSTATE the standard gives them, per dialect, so the rest of sluice
// (bisecting bad records, retries) reads one vocabulary.
// Thread-safety: free functions without shared state.
#include <string>
#include <string_view>
#include <vector>

#include <sql.h>

#include "config/connection_url.hpp"
#include "core/error.hpp"

namespace sluice::odbc {

struct diag_record {
  std::string sqlstate;  // five characters as the driver gave them
  int native = 0;        // the database's own error number
  std::string message;   // UTF-8
};

// Every diagnostic record of a handle, first first: SQLGetDiagRecW, or with `narrow` (an ANSI
// driver, whose UTF-8 messages the driver manager would mangle on the way to UTF-16)
// SQLGetDiagRec.
std::vector<diag_record> read_diagnostics(SQLSMALLINT handle_type, SQLHANDLE handle, bool narrow = false);

// The SQLSTATE sluice acts on: the driver's, or the standard one for a native code the driver
// reports as HY000 (MariaDB 1205 lock wait → HYT00, 2006/2013 server gone → 08S01, 1406 → 22001;
// SQLite 5/6 busy/locked → HYT00, 19 constraint → 23000, 20 mismatch → 22018 …).
std::string normalized_sqlstate(config::dialect d, const diag_record& r);

// retryable: class 08, 40001, 40P01, HYT00, HYT01, 57P01-57P03, class 53, HY000 server gone.
bool is_retryable(std::string_view sqlstate) noexcept;
// poisons_connection: class 08 (and 57P01-57P03: the server ended the session).
bool poisons_connection(std::string_view sqlstate) noexcept;
// The actionable fix for common SQLSTATEs, naming the config key; "" when none applies.
std::string_view fix_for(std::string_view sqlstate) noexcept;

// Builds the error from the records (the first decides the code; all messages are joined). Any
// occurrence of `secret` (the password) in a message is replaced with [secret].
sluice::error classify(config::dialect d, const std::vector<diag_record>& records, std::string what,
                       std::string where, std::string_view secret = {});

}  // namespace sluice::odbc
