#pragma once
// The verbs of the `sluice` command line. Each returns the process exit code.
#include <string>
#include <vector>

namespace sluice::app {

using args = std::vector<std::string>;

int cmd_run(const args& a);
int cmd_validate(const args& a);
int cmd_docs(const args& a);
int cmd_kafka(const args& a);
int cmd_serve(const args& a);
int cmd_bench(const args& a);

// Blocks SIGINT/SIGTERM in the calling thread (call first in main, before any thread starts, so
// every thread inherits the mask) and waits for one of them; returns the signal, or 0 when
// `timeout_ms` passed first.
void block_stop_signals();
int wait_stop_signal(int timeout_ms);

// Prints a usage error for `verb` to stderr and returns the exit code for usage errors (64).
int usage_error(const std::string& verb, const std::string& message);

}  // namespace sluice::app
