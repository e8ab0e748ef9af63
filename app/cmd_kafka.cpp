#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/log.hpp"
#include "kafka/embedded_broker.hpp"

namespace sluice::app {
namespace {
bool parse_count(const std::string& s, int& out) {
  try {
    std::size_t used = 0;
    out = std::stoi(s, &used);
    return used == s.size() && out >= 1 && out <= 10000;
  } catch (...) {
    return false;
  }
}
}  // namespace

int cmd_kafka(const args& a) {
  int partitions = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& arg = a[i];
    if (arg == "--partitions" || arg == "--topic") {
      if (i + 1 >= a.size()) return usage_error("kafka", arg + " needs a value");
      const auto& v = a[++i];
      if (arg == "--partitions") {
        if (!parse_count(v, partitions))
          return usage_error("kafka", fmt::format("--partitions '{}' is not a number from 1 to 10000", v));
      } else {
        auto colon = v.rfind(':');
        int p = 0;
        std::string name = colon == std::string::npos ? v : v.substr(0, colon);
        if (colon != std::string::npos && !parse_count(v.substr(colon + 1), p))
          return usage_error("kafka", fmt::format("--topic '{}': the partition count after ':' "
                                                  "must be a number from 1 to 10000", v));
        if (name.empty()) return usage_error("kafka", "--topic needs a NAME");
        topics.emplace_back(name, p);
      }
    } else {
      return usage_error("kafka", fmt::format("unknown argument '{}'", arg));
    }
  }
  kafka::embedded_broker broker(1, partitions);
  for (const auto& [name, p] : topics) broker.create_topic(name, p > 0 ? p : partitions);
  fmt::print("{}\n", broker.bootstrap_servers());
  std::fflush(stdout);
  log::get("kafka")->info("embedded broker on {} ({} partition(s) per new topic); stop with Ctrl-C",
                          broker.bootstrap_servers(), partitions);
  while (wait_stop_signal(1000) == 0) {
  }
  return 0;
}

}  // namespace sluice::app
