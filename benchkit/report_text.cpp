#include <fmt/format.h>

#include "benchkit/report.hpp"

namespace sluice::benchkit {
namespace {

std::string ms(double s) { return fmt::format("{:.1f} ms", s * 1000.0); }

std::string settings_text(const run_figures& f) {
  if (f.settings.empty()) return "";
  std::string out;
  for (const auto& [k, v] : f.settings) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

void run_block(std::string& out, const report& r, const run_figures& f) {
  const bool sink = r.kind == "sink";
  if (sink)
    out += fmt::format("  {:<28} {:>12.0f} rows/s   {:.2f} MB/s   ({} records in {:.2f} s)\n", "pipeline (sink)",
                       f.rows_per_s, f.mb_per_s, f.records, f.seconds);
  else
    out += fmt::format("  {:<28} {:>12.0f} rows/s   ({} records in {:.2f} s)\n", "initial load (source)",
                       f.rows_per_s, f.records, f.seconds);
  out += fmt::format("  {:<28} {} of {} expected{}\n", "rows in table", f.rows_in_table,
                     f.rows_expected, f.rows_in_table == f.rows_expected ? "" : "  ** MISMATCH **");
  if (sink)
    out += fmt::format("  {:<28} {} ({} batches)\n", "database time per batch",
                       ms(f.db_seconds_per_batch), f.batches);
  if (f.latency.count > 0) {
    const auto* pre = f.latency.bucket_bounds ? "<= " : "";
    out += fmt::format("  {:<28} p50 {}{}  p95 {}{}  p99 {}{}  max {}  ({} records at {:.0f}/s)\n",
                       sink ? "produce -> commit latency" : "commit -> in Kafka delay", pre,
                       ms(f.latency.p50), pre, ms(f.latency.p95), pre, ms(f.latency.p99),
                       ms(f.latency.max), f.latency.count, f.latency_rate);
  }
  out += fmt::format("  {:<28} peak RSS {:.1f} MiB, CPU {:.2f} s ({:.0f}% of one core)\n",
                     "sluice process", f.peak_rss_mib, f.cpu_seconds, f.cpu_percent);
  out += fmt::format("  {:<28} {} in the pool at most, server sessions {}\n", "connections", f.connections,
                     f.server_sessions ? fmt::format("{} seen at most", *f.server_sessions) : sessions_text(f));
}

}  // namespace

std::string sessions_text(const run_figures& f) {
  return f.server_sessions ? std::to_string(*f.server_sessions) : "n/a (embedded)";
}

std::string render_text(const report& r) {
  std::string out;
  out += fmt::format("sluice bench {} — {} {} table {} ({})\n", r.kind, r.dialect, r.database, r.table,
                     r.mode);
  out += fmt::format("  rows {}, columns {}", r.rows, r.shape);
  if (r.kind == "sink")
    out += fmt::format(", updates {:.0f}%, deletes {:.0f}%, keys {}, {} partitions", r.updates * 100,
                       r.deletes * 100, r.zipf ? "zipf" : "uniform", r.partitions);
  out += "\n";
  out += fmt::format("  {:<28} {:>12.0f} rows/s   ({} rows in {:.2f} s: {})\n", "database ceiling",
                     r.db_ceiling.rows_per_s, r.db_ceiling.rows, r.db_ceiling.seconds, r.db_ceiling.method);
  if (r.runs.size() == 1) {
    run_block(out, r, r.runs[0]);
    out += fmt::format("\nyou are at {:.0f}% of what this database {}\n", r.runs[0].ceiling_share * 100,
                       r.kind == "sink" ? "ingests" : "reads out");
    return out;
  }
  const bool sink = r.kind == "sink";
  out += fmt::format("\n  {:<36} {:>10} {:>7} {:>10} {:>10} {:>8} {:>6}\n", "sweep point", "rows/s",
                     "share", "p99", sink ? "db/batch" : "polls", "RSS MiB", "conns");
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const auto& f = r.runs[i];
    out += fmt::format("  {:<36} {:>10.0f} {:>6.0f}% {:>10} {:>10} {:>8.1f} {:>6}{}\n",
                       settings_text(f), f.rows_per_s, f.ceiling_share * 100, ms(f.latency.p99),
                       sink ? ms(f.db_seconds_per_batch) : std::to_string(f.batches), f.peak_rss_mib, f.connections,
                       r.best && *r.best == i ? "  <- best" : "");
  }
  if (r.best) {
    const auto& b = r.runs[*r.best];
    out += fmt::format("\nrecommended: {}\n", settings_text(b));
    run_block(out, r, b);
    out += fmt::format("\nyou are at {:.0f}% of what this database {}\n", b.ceiling_share * 100,
                       r.kind == "sink" ? "ingests" : "reads out");
  }
  return out;
}

}  // namespace sluice::benchkit
