// source_e2e: runs one jdbc-source connector in this process (what `sluice run` runs) until the
// broker has acknowledged --expect records, then prints one JSON line: seconds from the first
// row read to the last acknowledgement, records/s, poll figures and the peak RSS of this process.
//   source_e2e --config FILE --expect N [--timeout S]
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "app/load_configs.hpp"
#include "source/source_connector.hpp"

namespace {
long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  std::string file;
  std::uint64_t expect = 0;
  std::int64_t timeout_s = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--config") file = v;
    else if (k == "--expect") expect = std::stoull(v);
    else if (k == "--timeout") timeout_s = std::stoll(v);
  }
  auto l = sluice::app::load_and_validate({file});
  if (!l.problems.empty() || l.connectors.size() != 1) {
    for (const auto& p : l.problems) fmt::print(stderr, "{}\n", p);
    return 1;
  }
  sluice::source::source_connector c(l.connectors.front());
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
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  fmt::print("{{\"rows\":{},\"seconds\":{:.3f},\"rows_per_s\":{:.0f},\"polls\":{},\"poll_seconds\":{:.2f},"
             "\"peak_rss_mib\":{:.1f},\"cpu_s\":{:.2f}}}\n",
             acked, secs, static_cast<double>(acked) / secs, polls, poll_s,
             static_cast<double>(peak_rss_kb()) / 1024.0, cpu);
  return 0;
}
