#include <memory>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/load_configs.hpp"
#include "core/log.hpp"
#include "sink/sink_connector.hpp"

namespace sluice::app {

int cmd_run(const args& a) {
  if (a.empty()) return usage_error("run", "give at least one config FILE");
  auto l = load_and_validate(a);
  for (const auto& p : l.problems) fmt::print(stderr, "{}\n", p);
  if (!l.problems.empty()) {
    fmt::print(stderr, "{} problem(s) found; nothing was started\n", l.problems.size());
    return 1;
  }
  auto logger = log::get("app");
  std::vector<std::unique_ptr<sink::sink_connector>> sinks;
  for (const auto& c : l.connectors) {
    if (c.kind() == config::connector_kind::sink) {
      sinks.push_back(std::make_unique<sink::sink_connector>(c));
      sinks.back()->start();
      logger->info("connector '{}' started", c.name());
    } else {
      fmt::print(stderr, "connector '{}': jdbc-source connectors are not available in this build\n",
                 c.name());
      return 1;
    }
  }
  int code = 0;
  for (;;) {
    int sig = wait_stop_signal(200);
    if (sig) {
      logger->info("signal {} received: stopping (flush, commit, close)", sig);
      break;
    }
    bool any_failed = false;
    for (const auto& s : sinks)
      if (auto f = s->failure()) {
        fmt::print(stderr, "connector '{}' failed: {}\n", s->settings().connector, render(*f));
        any_failed = true;
      }
    if (any_failed) {
      code = 1;
      break;
    }
  }
  for (auto& s : sinks) s->stop();
  logger->info("stopped");
  return code;
}

}  // namespace sluice::app
