#include "bench/e2e_common.hpp"

#include <sys/resource.h>

#include <fstream>

#include <fmt/format.h>

#include "app/load_configs.hpp"

namespace sluice::bench {

e2e_args parse_e2e_args(int argc, char** argv) {
  e2e_args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--config") a.config = v;
    else if (k == "--expect") a.expect = std::stoll(v);
    else if (k == "--timeout") a.timeout_s = std::stoll(v);
  }
  return a;
}

std::optional<config::connector_config> load_one(const std::string& file) {
  auto l = app::load_and_validate({file});
  for (const auto& p : l.problems) fmt::print(stderr, "{}\n", p);
  if (!l.problems.empty() || l.connectors.size() != 1) return std::nullopt;
  return l.connectors.front();
}

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace sluice::bench
