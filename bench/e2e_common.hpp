#pragma once
// What the end-to-end harnesses (sink_e2e, source_e2e) share: their arguments, loading the one
// connector config they run, and the process figures they report.
#include <cstdint>
#include <optional>
#include <string>

#include "config/connector_config.hpp"

namespace sluice::bench {

struct e2e_args {
  std::string config;
  std::int64_t expect = 0;
  std::int64_t timeout_s = 600;
};

// --config FILE --expect N [--timeout S]
e2e_args parse_e2e_args(int argc, char** argv);
// The one connector of the file, or nullopt after printing every problem.
std::optional<config::connector_config> load_one(const std::string& file);
double peak_rss_mib();    // VmHWM of this process
double cpu_seconds();     // user + system time of this process

}  // namespace sluice::bench
