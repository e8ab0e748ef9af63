#pragma once
// The SQLite ceiling, as bench/sqlite_ceiling.cpp measures it: the same records through the
// sqlite3 C API (no ODBC, no Kafka, no JSON), one prepared statement in one transaction — as fast
// as rows go into SQLite. Values take the forms the sink writes (decimals and timestamps as text,
// booleans as 0/1). Upsert: INSERT … ON CONFLICT DO UPDATE, and DELETE for tombstones, in order.
// The read ceiling: a full SELECT stepped through the same API, every value taken as text (what
// COPY TO STDOUT gives on PostgreSQL and what a source reads through ODBC).
// Thread-safety: plain functions, each with its own connection to the file.
#include <string>
#include <vector>

#include "benchkit/generator.hpp"
#include "benchkit/report.hpp"
#include "benchkit/shape.hpp"

namespace sluice::benchkit {

// `table` must exist in the database file `path` (quoted_table is its quoted name).
ceiling sqlite_ceiling(const std::string& path, const std::string& quoted_table, const shape& s,
                       const std::vector<operation>& ops, bool upsert);
// Steps `select` to its end in the database file `path`.
ceiling sqlite_read_ceiling(const std::string& path, const std::string& select);

}  // namespace sluice::benchkit
