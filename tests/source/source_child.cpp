// A source connector in a process of its own, for the kill -9 tests: runs the connector of the
// config file given as argv[1] until SIGTERM (graceful stop, exit 0), a fatal failure (exit 2),
// or the death of its parent (exit 3). SIGKILL ends it anywhere, as a crash would.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>

#include <fmt/format.h>

#include "config/connector_config.hpp"
#include "config/raw_connector.hpp"
#include "core/error.hpp"
#include "source/source_connector.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: source_child CONFIG.json\n");
    return 64;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts
  const pid_t parent = getppid();
  try {
    auto raws = sluice::config::load_file(argv[1]);
    auto v = sluice::config::validate(raws.at(0));
    if (!v.config) {
      for (const auto& p : v.problems) fmt::print(stderr, "{}\n", p.render());
      return 64;
    }
    sluice::source::source_connector c(*v.config);
    c.start();
    for (;;) {
      timespec ts{0, 50 * 1000 * 1000};
      if (sigtimedwait(&stop, nullptr, &ts) > 0) {
        c.stop();
        return 0;
      }
      if (getppid() != parent) return 3;
      if (auto f = c.failure()) {
        fmt::print(stderr, "failed: {}\n", sluice::render(*f));
        return 2;
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "source_child: {}\n", e.what());
    return 1;
  }
}
