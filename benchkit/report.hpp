#pragma once
// What a `sluice bench` run found, as plain data: the runners fill it, the renderers (terminal
// table, --json, --html) only read it, so the three outputs always hold the same figures.
// Thread-safety: a value type.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace sluice::benchkit {

struct latency_summary {
  double p50 = 0, p95 = 0, p99 = 0, max = 0;  // seconds
  std::uint64_t count = 0;
  bool bucket_bounds = false;  // percentiles are histogram bucket upper bounds, not exact
  // Distribution: (upper bound in seconds, observations in the bucket); empty buckets dropped.
  std::vector<std::pair<double, std::uint64_t>> buckets;
};

struct sample {
  double t = 0;            // seconds since the run's clock started
  std::uint64_t rows = 0;  // records done by then (written by a sink, acknowledged for a source)
};

// One measured run of the pipeline (one sweep point, or the only one).
struct run_figures {
  std::map<std::string, std::string> settings;  // the sweep's overrides (empty without --sweep)
  std::string table;
  std::string topic;                // the fresh topic the run wrote or read
  std::uint64_t records = 0;        // records of the throughput phase
  std::uint64_t rows_expected = 0;  // rows the table must hold
  std::uint64_t rows_in_table = 0;  // counted after the run
  double seconds = 0;               // throughput phase: first record in → last record done
  double rows_per_s = 0, mb_per_s = 0;
  double ceiling_share = 0;  // rows_per_s / the database's ceiling
  std::uint64_t batches = 0;
  double db_seconds_per_batch = 0;
  double peak_rss_mib = 0, cpu_seconds = 0, cpu_percent = 0;  // of this process during the phase
  int connections = 0;      // most pool connections open at once
  // Most sessions of the pipeline seen on the server (target::sessions); nullopt when the
  // database has none (SQLite, embedded): shown as "n/a (embedded)" in every output.
  std::optional<int> server_sessions;
  latency_summary latency;  // sink: produce → commit at a steady rate; source: commit → in Kafka
  double latency_rate = 0;  // records (sink) or rows (source) per second of the steady phase
  std::vector<sample> timeline;
};

struct ceiling {
  std::string method;  // "COPY (csv) into a copy of the table", …
  double seconds = 0, rows_per_s = 0;
  std::uint64_t rows = 0;
};

struct report {
  std::string kind;      // "sink" | "source"
  std::string started;   // UTC, ISO 8601
  std::string database;  // URL with any password masked
  std::string dialect;
  std::string table;
  std::string mode;      // sink: insert | upsert; source: the source mode
  std::string shape;     // name:type,...
  std::uint64_t rows = 0;  // --rows
  double updates = 0, deletes = 0;
  bool zipf = false;
  int partitions = 0;
  ceiling db_ceiling;
  std::vector<run_figures> runs;
  std::optional<std::size_t> best;  // index into runs, with --sweep
};

// "n/a (embedded)" when there is no server to count sessions on.
std::string sessions_text(const run_figures& f);
boost::json::value to_json(const report& r);
std::string render_text(const report& r);
// A self-contained page (inline CSS and JS, the report as JSON inside it, charts drawn as SVG by
// the page's own script, no network).
std::string render_html(const report& r);

}  // namespace sluice::benchkit
