#include <chrono>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/log.hpp"
#include "service/server.hpp"

namespace sluice::app {

// sluice serve [--listeners URL[,URL]] [--state DIR] [--auth-token TOKEN] [--auth-basic USER:PASS]
//              [--max-body BYTES]
//              [--group-id ID --bootstrap-servers HOST:PORT [--config-topic T] [--offset-topic T]
//               [--status-topic T] [--session-timeout-ms MS]]   (cluster mode)
// Secrets are better given as SLUICE_AUTH_TOKEN / SLUICE_AUTH_BASIC: arguments show in `ps`.
int cmd_serve(const args& a) {
  service::serve_options o;
  if (const char* t = std::getenv("SLUICE_AUTH_TOKEN")) o.auth_token = t;
  if (const char* b = std::getenv("SLUICE_AUTH_BASIC")) o.auth_basic = b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& arg = a[i];
    if (i + 1 >= a.size()) return usage_error("serve", fmt::format("unknown argument or missing value: '{}'", arg));
    const auto& v = a[++i];
    if (arg == "--listeners") {
      o.listeners = v;
    } else if (arg == "--state") {
      o.state_dir = v;
    } else if (arg == "--auth-token") {
      o.auth_token = v;
    } else if (arg == "--auth-basic") {
      if (v.find(':') == std::string::npos)
        return usage_error("serve", "--auth-basic takes USER:PASSWORD");
      o.auth_basic = v;
    } else if (arg == "--group-id") {
      o.cluster.group_id = v;
    } else if (arg == "--bootstrap-servers") {
      o.cluster.bootstrap_servers = v;
    } else if (arg == "--config-topic") {
      o.cluster.config_topic = v;
    } else if (arg == "--offset-topic") {
      o.cluster.offset_topic = v;
    } else if (arg == "--status-topic") {
      o.cluster.status_topic = v;
    } else if (arg == "--session-timeout-ms") {
      try {
        std::size_t used = 0;
        const auto n = std::stoll(v, &used);
        if (used != v.size() || n < 1000 || n > 3600000) throw std::invalid_argument(v);
        o.cluster.session_timeout = std::chrono::milliseconds(n);
      } catch (const std::exception&) {
        return usage_error("serve", "--session-timeout-ms takes milliseconds, 1000 to 3600000");
      }
    } else if (arg == "--max-body") {
      try {
        std::size_t used = 0;
        const auto n = std::stoull(v, &used);
        if (used != v.size() || n < 1024) throw std::invalid_argument(v);
        o.max_body_bytes = n;
      } catch (const std::exception&) {
        return usage_error("serve", "--max-body takes a number of bytes, at least 1024");
      }
    } else {
      return usage_error("serve", fmt::format("unknown argument '{}'", arg));
    }
  }
  for (const auto* t : {&o.cluster.config_topic, &o.cluster.offset_topic, &o.cluster.status_topic})
    if (!t->empty() && o.cluster.group_id.empty())
      return usage_error("serve", "the cluster topics need --group-id (cluster mode)");
  service::server s(o);
  s.start();
  auto logger = log::get("app");
  for (;;) {
    if (int sig = wait_stop_signal(1000)) {
      logger->info("signal {} received: stopping (every connector flushes and commits)", sig);
      break;
    }
  }
  s.stop();
  logger->info("stopped");
  return 0;
}

}  // namespace sluice::app
