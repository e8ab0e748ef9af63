#pragma once
// `sluice bench sink|source`: checks the target (refusing a table that holds data unless
// --allow-existing), measures the database's ceiling, runs the pipeline (each sweep point on a
// fresh table and topic), checks the counts and writes the report (terminal table on stdout, or
// JSON with --json; --html FILE). Thread-safety: call from main's thread.
#include <string>
#include <vector>

namespace sluice::benchkit {

// `a` = the arguments after `bench`; `self` = the sluice executable (for the embedded broker's
// process). Returns the exit code: 0, 1 when the pipeline failed or a count is wrong, 64 for
// usage errors. Throws sluice::error for failures before anything ran.
int run_bench(const std::vector<std::string>& a, const std::string& self);

}  // namespace sluice::benchkit
