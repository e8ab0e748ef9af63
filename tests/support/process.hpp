#pragma once
// Process helpers for the throwaway database servers (internal to tests/support).
//
// A server runs under sluice_test_watchdog (watchdog.cpp), whose stdin is the read end of a pipe
// only this process writes to: when this process dies, however it dies, the pipe closes, and
// the watchdog stops the server and removes its folder. Server folders are named
// "<prefix>-XXXXXX" under $TMPDIR with an "owner" file naming this process, so a later run
// removes folders (and kills servers) that outlived their owner.
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sluice::testing {

bool running_as_root();

// Runs argv to completion, stdout and stderr appended to `log`; returns the exit status
// (128+signal when killed). Throws std::runtime_error when it cannot start.
int run_command(const std::vector<std::string>& argv, const std::filesystem::path& log);

// argv run as `user` through runuser when this process is root; argv as it is otherwise.
std::vector<std::string> as_user(const std::string& user, std::vector<std::string> argv);

void chown_recursive(const std::filesystem::path& p, const std::string& user);

// The last `max_bytes` of a file, for error messages.
std::string tail_file(const std::filesystem::path& p, std::size_t max_bytes = 2000);

// Creates "<prefix>-XXXXXX" with an owner file, after removing stale folders of that prefix.
// `pid_file` (relative to a folder) names the server's pid file, killed when still running.
std::filesystem::path make_server_dir(const std::string& prefix, const std::string& pid_file);

// A server process under the watchdog. Not thread-safe.
class supervised_process {
 public:
  supervised_process() = default;
  ~supervised_process();
  supervised_process(const supervised_process&) = delete;
  supervised_process& operator=(const supervised_process&) = delete;

  // `user` empty = as this process's user. `stop_signal` asks the server to shut down.
  // `remove_on_orphan` is removed by the watchdog when this process dies first.
  void start(const std::vector<std::string>& argv, const std::string& user, int stop_signal,
             const std::filesystem::path& remove_on_orphan, const std::filesystem::path& log);
  // False once the server (and so the watchdog) exited.
  bool running();
  // Asks the server to stop and waits for it. Idempotent.
  void stop();

 private:
  pid_t watchdog_ = -1;
  int lifeline_ = -1;  // write end; closing it orphans the watchdog
};

}  // namespace sluice::testing
