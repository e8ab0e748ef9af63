#pragma once
// The command line of `sluice bench sink|source`, parsed into plain values. Every mistake is
// reported with the flag that fixes it (sluice::error), before anything is touched.
// Thread-safety: pure functions over their arguments.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::benchkit {

struct options {
  std::string kind;  // "sink" | "source"
  std::string config_file;
  std::string url, table;
  std::string bootstrap;           // "" = as configured (embedded by default)
  std::optional<std::uint64_t> rows;
  std::string columns;             // --columns spec, "" = default or the table's
  std::string mode;                // sink: insert | upsert ("" = as configured, else insert)
  double updates = 0, deletes = 0;
  bool zipf = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> sweeps;  // key, values
  std::optional<std::string> batch_size, tasks;
  int partitions = 16;
  double latency_seconds = 5;
  double cdc_rate = 200, cdc_seconds = 5;
  bool allow_existing = false, keep_tables = false, json = false, verbose = false;
  std::string html;
  double timeout_seconds = 600;
};

// a = the arguments after `bench`. Throws sluice::error naming the flag.
options parse_options(const std::vector<std::string>& a);
// Every combination of the sweeps' values, in order (the last sweep varies fastest); one empty
// point without sweeps.
std::vector<std::vector<std::pair<std::string, std::string>>> sweep_grid(const options& o);

inline constexpr const char* usage =
    "sluice bench sink   (--config FILE | --url URL --table NAME) [--rows N] [--columns N|name:type,...]\n"
    "                    [--mode insert|upsert] [--updates 0.2] [--deletes 0.05] [--skew zipf|uniform]\n"
    "                    [--sweep KEY=V1,V2,...]... [--batch-size N] [--tasks N] [--partitions N]\n"
    "                    [--latency-seconds S] [--bootstrap SERVERS] [--allow-existing] [--keep-tables]\n"
    "                    [--json] [--html FILE] [--verbose]\n"
    "sluice bench source (--config FILE | --url URL --table NAME) [--rows N] [--columns ...]\n"
    "                    [--cdc-rate R] [--cdc-seconds S] [--sweep KEY=V1,V2,...]... [--batch-size N]\n"
    "                    [--tasks N] [--partitions N] [--bootstrap SERVERS] [--allow-existing]\n"
    "                    [--json] [--html FILE] [--verbose]\n"
    "URL: jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb://, jdbc:sqlite:PATH. A sink sweep runs each\n"
    "point on a fresh table (e.g. --sweep batch.size=500,5000); a source sweep reads the table into a\n"
    "fresh topic per point (e.g. --sweep batch.max.rows=1000,10000 --sweep tasks.max=1,2).\n";

}  // namespace sluice::benchkit
