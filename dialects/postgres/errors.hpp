#pragma once
// The one place where libpq failures become sluice::error. A failure is first reduced to plain
// fields (SQLSTATE, message, detail, hint, whether the connection was lost) so the classification
// — retryable? poisons the connection? which config key fixes it? — is a pure function that unit
// tests can drive without a server.
// Thread-safety: free functions without shared state.
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include "core/error.hpp"

namespace sluice::pg {

struct failure {
  std::string sqlstate;  // five characters, or empty when libpq produced the error itself
  std::string message;   // primary message
  std::string detail;
  std::string hint;      // the server's hint, kept after sluice's own fix
  bool connection_lost = false;  // the socket is gone (CONNECTION_BAD)
};

// retryable: class 08, 40001, 40P01, 57P01-57P03, class 53, and connection loss without SQLSTATE.
bool is_retryable(const failure& f) noexcept;
// poisons_connection: class 08, class 57P, and connection loss.
bool poisons_connection(const failure& f) noexcept;
// The actionable fix for the common SQLSTATEs, naming the config key; "" when none applies.
std::string_view fix_for(std::string_view sqlstate) noexcept;

sluice::error classify(const failure& f, std::string what, std::string where);

// Reads SQLSTATE / message / detail / hint from `res` (may be null: then the connection's error
// message is used) and classifies. `conn` may be null.
sluice::error translate(const PGconn* conn, const PGresult* res, std::string what, std::string where);

// Connection start-up failures carry no PGresult; with PQERRORS_VERBOSE the server's message reads
// "FATAL:  3D000: database ... does not exist". Splits that into a failure.
failure parse_connect_failure(std::string_view libpq_message, bool connection_bad);

}  // namespace sluice::pg
