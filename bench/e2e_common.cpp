#include "bench/e2e_common.hpp"

#include <fmt/format.h>

#include "app/load_configs.hpp"
#include "benchkit/process_stats.hpp"

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

double peak_rss_mib() { return benchkit::peak_rss_mib(); }

double cpu_seconds() { return benchkit::cpu_seconds(); }

}  // namespace sluice::bench
