#pragma once
// The `sluice` binary run as a child process, for the crash and graceful-stop tests: started
// with its output in a log file, signalled, waited for. It is killed with the test process
// (PR_SET_PDEATHSIG) and by the destructor when still running.
// Ownership: owns the child process. Thread-safety: one thread.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

class child_process {
 public:
  // Starts `binary args…`, stdout and stderr appended to `log`. Throws std::runtime_error.
  child_process(const std::string& binary, const std::vector<std::string>& args,
                std::filesystem::path log);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void signal(int sig);
  // The exit status (128 + signal when killed), or nullopt when it is still running at the timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string log_tail(std::size_t bytes = 3000) const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

}  // namespace sluice::testing
