#include <signal.h>

#include "app/commands.hpp"
#include "benchkit/bench_command.hpp"

namespace sluice::app {

int cmd_bench(const args& a) {
  // main() blocks SIGINT/SIGTERM for `run`'s graceful stop; a benchmark has nothing to flush, so
  // Ctrl-C ends it at once (the embedded broker's process dies with it).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  return benchkit::run_bench(a, "/proc/self/exe");
}

}  // namespace sluice::app
