#pragma once
// `sluice serve` as a child process for the service tests: a free port on 127.0.0.1, its own
// state folder (kept across restart() so persistence can be checked), its log in a file, and
// requests made with the real `curl` binary.
// Ownership: owns the child process and the state folder. Thread-safety: one test thread.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "tests/support/temp_dir.hpp"

namespace sluice::testing {

struct http_reply {
  int status = 0;        // 0 when curl could not connect
  std::string body;
  std::string headers;   // raw response headers
  boost::json::value json() const;  // the body parsed (throws when it is not JSON)
};

class serve_process {
 public:
  // `args` are added after --listeners/--state; `env` is set in the child only.
  explicit serve_process(std::vector<std::string> args = {},
                         std::map<std::string, std::string> env = {});
  ~serve_process();
  serve_process(const serve_process&) = delete;
  serve_process& operator=(const serve_process&) = delete;

  void start();  // and wait until GET /health answers (throws after 15 s)
  void stop();   // SIGTERM and wait (SIGKILL after 30 s); returns the exit status via exit_code()
  void restart() {
    stop();
    start();
  }
  int exit_code() const { return exit_code_; }
  // Sends `sig` (SIGSTOP, SIGCONT, ...) to the running child.
  void signal(int sig) const;
  // kill -9 and reap: the process gets no chance to flush, commit or leave its groups.
  void kill_now();

  const std::string& url() const { return url_; }
  const std::filesystem::path& state_dir() const { return state_; }
  std::string log() const;

  // curl -X METHOD url+path [--data-binary @body] [-H header]...
  http_reply request(const std::string& method, const std::string& path,
                     const std::optional<std::string>& body = std::nullopt,
                     const std::vector<std::string>& headers = {}) const;
  http_reply get(const std::string& path) const { return request("GET", path); }

 private:
  temp_dir dir_;
  std::filesystem::path state_;
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  std::string url_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// Runs argv (no shell) with `env` added; returns the exit code and stdout+stderr.
std::pair<int, std::string> run_program(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env = {});

// Polls `pred` every 100 ms until true or the timeout; returns its last result.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

}  // namespace sluice::testing
