#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/load_configs.hpp"
#include "core/log.hpp"
#include "sink/sink_connector.hpp"
#include "source/source_connector.hpp"

namespace sluice::app {
namespace {

// What `run` needs of a running connector, sink or source.
struct running_connector {
  std::string name;
  std::function<std::optional<error_info>()> failure;
  std::function<void()> stop;
  std::shared_ptr<void> owner;
};

template <class C>
running_connector start(const config::connector_config& cfg) {
  auto c = std::make_shared<C>(cfg);
  c->start();
  return {cfg.name(), [c] { return c->failure(); }, [c] { c->stop(); }, c};
}

}  // namespace

int cmd_run(const args& a) {
  if (a.empty()) return usage_error("run", "give at least one config FILE");
  auto l = load_and_validate(a);
  for (const auto& p : l.problems) fmt::print(stderr, "{}\n", p);
  if (!l.problems.empty()) {
    fmt::print(stderr, "{} problem(s) found; nothing was started\n", l.problems.size());
    return 1;
  }
  auto logger = log::get("app");
  for (const auto& w : l.warnings) logger->warn("{}", w);
  std::vector<running_connector> running;
  // Sources first is no better than sinks first: each resumes from its own stored offsets.
  for (const auto& c : l.connectors) {
    running.push_back(c.kind() == config::connector_kind::sink ? start<sink::sink_connector>(c)
                                                               : start<source::source_connector>(c));
    logger->info("connector '{}' started", c.name());
  }
  int code = 0;
  for (;;) {
    int sig = wait_stop_signal(200);
    if (sig) {
      logger->info("signal {} received: stopping (flush, commit, close)", sig);
      break;
    }
    bool any_failed = false;
    for (const auto& r : running)
      if (auto f = r.failure()) {
        fmt::print(stderr, "connector '{}' failed: {}\n", r.name, render(*f));
        any_failed = true;
      }
    if (any_failed) {
      code = 1;
      break;
    }
  }
  // Stop in reverse order of start, each one flushing and committing.
  for (auto it = running.rbegin(); it != running.rend(); ++it) it->stop();
  logger->info("stopped");
  return code;
}

}  // namespace sluice::app
