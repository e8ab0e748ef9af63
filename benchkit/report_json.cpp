#include <cmath>

#include <boost/json.hpp>

#include "benchkit/report.hpp"

namespace sluice::benchkit {
namespace {

// Rounded so the JSON stays readable; the HTML page embeds this very JSON, so both agree.
double r3(double v) { return std::isfinite(v) ? std::round(v * 1000.0) / 1000.0 : 0.0; }
double r6(double v) { return std::isfinite(v) ? std::round(v * 1e6) / 1e6 : 0.0; }
// Whole numbers (rates) as JSON integers: easier to read and to compare than 1.2345E5.
std::int64_t whole(double v) { return std::isfinite(v) ? std::llround(v) : 0; }

boost::json::object latency_json(const latency_summary& l) {
  boost::json::array buckets;
  for (const auto& [le, n] : l.buckets) buckets.push_back(boost::json::array{r6(le), n});
  return {{"p50_s", r6(l.p50)},   {"p95_s", r6(l.p95)}, {"p99_s", r6(l.p99)},
          {"max_s", r6(l.max)},   {"count", l.count},   {"bucket_bounds", l.bucket_bounds},
          {"buckets", buckets}};
}

boost::json::object run_json(const run_figures& f) {
  boost::json::object settings;
  for (const auto& [k, v] : f.settings) settings[k] = v;
  boost::json::array timeline;
  for (const auto& s : f.timeline) timeline.push_back(boost::json::array{r3(s.t), s.rows});
  return {{"settings", settings},
          {"table", f.table},
          {"topic", f.topic},
          {"records", f.records},
          {"rows_expected", f.rows_expected},
          {"rows_in_table", f.rows_in_table},
          {"seconds", r3(f.seconds)},
          {"rows_per_s", whole(f.rows_per_s)},
          {"mb_per_s", r3(f.mb_per_s)},
          {"ceiling_share", r3(f.ceiling_share)},
          {"batches", f.batches},
          {"db_seconds_per_batch", r6(f.db_seconds_per_batch)},
          {"peak_rss_mib", r3(f.peak_rss_mib)},
          {"cpu_seconds", r3(f.cpu_seconds)},
          {"cpu_percent", r3(f.cpu_percent)},
          {"connections", f.connections},
          {"server_sessions", f.server_sessions ? boost::json::value(*f.server_sessions)
                                                : boost::json::value(sessions_text(f))},
          {"latency", latency_json(f.latency)},
          {"latency_rate", whole(f.latency_rate)},
          {"timeline", timeline}};
}

}  // namespace

boost::json::value to_json(const report& r) {
  boost::json::array runs;
  for (const auto& f : r.runs) runs.push_back(run_json(f));
  boost::json::object o{{"kind", r.kind},
                        {"started", r.started},
                        {"database", r.database},
                        {"dialect", r.dialect},
                        {"table", r.table},
                        {"mode", r.mode},
                        {"shape", r.shape},
                        {"rows", r.rows},
                        {"updates", r.updates},
                        {"deletes", r.deletes},
                        {"skew", r.zipf ? "zipf" : "uniform"},
                        {"partitions", r.partitions},
                        {"ceiling", {{"method", r.db_ceiling.method},
                                     {"rows", r.db_ceiling.rows},
                                     {"seconds", r3(r.db_ceiling.seconds)},
                                     {"rows_per_s", whole(r.db_ceiling.rows_per_s)}}},
                        {"runs", runs}};
  if (r.best) o["best"] = *r.best;
  else o["best"] = nullptr;
  return o;
}

}  // namespace sluice::benchkit
