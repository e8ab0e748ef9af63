#include <csignal>
#include <ctime>

#include <fmt/format.h>

#include "app/commands.hpp"

namespace sluice::app {
namespace {
sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}
}  // namespace

void block_stop_signals() {
  auto s = stop_set();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

int wait_stop_signal(int timeout_ms) {
  auto s = stop_set();
  timespec ts{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L};
  int sig = sigtimedwait(&s, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

int usage_error(const std::string& verb, const std::string& message) {
  fmt::print(stderr, "sluice{}{}: {}\nRun `sluice help` for usage.\n", verb.empty() ? "" : " ",
             verb, message);
  return 64;
}

}  // namespace sluice::app
