// sink_e2e: runs one jdbc-sink connector in this process (exactly what `sluice run` runs) until
// the offsets it committed cover --expect records, then prints one JSON line of figures:
// seconds from the first record consumed to the last commit, rows/s, produce→commit latency percentiles, database
// seconds per batch, and the peak RSS of this process.
//   sink_e2e --config FILE --expect N [--timeout S]
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "bench/e2e_common.hpp"
#include "sink/sink_connector.hpp"

int main(int argc, char** argv) {
  auto args = sluice::bench::parse_e2e_args(argc, argv);
  auto cfg = sluice::bench::load_one(args.config);
  if (!cfg) return 1;
  const auto expect = args.expect;
  const auto timeout_s = args.timeout_s;
  sluice::sink::sink_connector c(*cfg);
  auto t0 = std::chrono::steady_clock::now();
  c.start();
  std::int64_t done = 0;
  auto last_change = t0;
  bool started = false;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!started) {
      // The clock starts at the first record consumed: the consumer group's join (3 s on the
      // embedded broker) is not part of the pipeline's throughput.
      std::uint64_t in = 0;
      for (const auto& m : c.metrics()) in += m->records_in;
      if (in > 0) {
        started = true;
        t0 = std::chrono::steady_clock::now();
      }
    }
    std::int64_t sum = 0;
    for (const auto& m : c.metrics()) sum += static_cast<std::int64_t>(m->records_written + m->records_failed);
    if (sum != done) last_change = std::chrono::steady_clock::now();
    done = sum;
    if (done >= expect) break;
    if (auto f = c.failure()) {
      fmt::print(stderr, "sink failed: {}\n", sluice::render(*f));
      return 1;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(timeout_s)) {
      fmt::print(stderr, "timeout: {} of {} records written\n", done, expect);
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(last_change - t0).count();
  c.stop();
  sluice::histogram const* lat = nullptr;
  double p50 = 0, p95 = 0, p99 = 0, mx = 0, db = 0;
  std::uint64_t batches = 0;
  for (const auto& m : c.metrics()) {
    lat = &m->latency_seconds;
    p50 = std::max(p50, lat->quantile(0.50));
    p95 = std::max(p95, lat->quantile(0.95));
    p99 = std::max(p99, lat->quantile(0.99));
    mx = std::max(mx, lat->max());
    db += m->batch_seconds.sum();
    batches += m->batches;
  }
  double cpu = sluice::bench::cpu_seconds();
  fmt::print(
      "{{\"rows\":{},\"seconds\":{:.3f},\"rows_per_s\":{:.0f},\"batches\":{},"
      "\"db_seconds_per_batch\":{:.4f},\"latency_p50_s\":{},\"latency_p95_s\":{},"
      "\"latency_p99_s\":{},\"latency_max_s\":{:.3f},\"peak_rss_mib\":{:.1f},\"cpu_s\":{:.2f}}}\n",
      done, secs, static_cast<double>(done) / secs, batches,
      batches ? db / static_cast<double>(batches) : 0.0, p50, p95, p99, mx,
      sluice::bench::peak_rss_mib(), cpu);
  return 0;
}
