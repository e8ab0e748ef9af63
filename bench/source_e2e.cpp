// source_e2e: runs one jdbc-source connector in this process (what `sluice run` runs) until the
// broker has acknowledged --expect records, then prints one JSON line: seconds from the first
// row read to the last acknowledgement, records/s, poll figures and the peak RSS of this process.
//   source_e2e --config FILE --expect N [--timeout S]
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "bench/e2e_common.hpp"
#include "source/source_connector.hpp"

int main(int argc, char** argv) {
  auto args = sluice::bench::parse_e2e_args(argc, argv);
  auto cfg = sluice::bench::load_one(args.config);
  if (!cfg) return 1;
  const auto expect = static_cast<std::uint64_t>(args.expect);
  const auto timeout_s = args.timeout_s;
  sluice::source::source_connector c(*cfg);
  auto begin = std::chrono::steady_clock::now();
  auto t0 = begin;
  c.start();
  bool started = false;
  std::uint64_t acked = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::uint64_t polled = 0;
    acked = 0;
    for (const auto& m : c.metrics()) {
      polled += m->rows_polled;
      acked += m->records_acked;
    }
    if (!started && polled > 0) {
      started = true;
      t0 = std::chrono::steady_clock::now();
    }
    if (acked >= expect) break;
    if (auto f = c.failure()) {
      fmt::print(stderr, "source failed: {}\n", sluice::render(*f));
      return 1;
    }
    if (std::chrono::steady_clock::now() - begin > std::chrono::seconds(timeout_s)) {
      fmt::print(stderr, "timeout: {} of {} records acknowledged\n", acked, expect);
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.stop();
  std::uint64_t polls = 0;
  double poll_s = 0;
  for (const auto& m : c.metrics()) {
    polls += m->polls;
    poll_s += m->poll_seconds.sum();
  }
  double cpu = sluice::bench::cpu_seconds();
  fmt::print("{{\"rows\":{},\"seconds\":{:.3f},\"rows_per_s\":{:.0f},\"polls\":{},\"poll_seconds\":{:.2f},"
             "\"peak_rss_mib\":{:.1f},\"cpu_s\":{:.2f}}}\n",
             acked, secs, static_cast<double>(acked) / secs, polls, poll_s,
             sluice::bench::peak_rss_mib(), cpu);
  return 0;
}
