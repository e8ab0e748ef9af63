#include "benchkit/broker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::benchkit {

broker_process::broker_process(const std::string& binary, int partitions, const std::vector<std::string>& topics) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    throw error({.what = "cannot start the embedded broker", .why = "pipe() failed"});
  const std::string parts = std::to_string(partitions);
  std::vector<std::string> topic_args;
  for (const auto& t : topics) topic_args.push_back(t + ":" + parts);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);  // its log lines would mix with the progress bar
    std::vector<const char*> argv{binary.c_str(), "kafka", "--partitions", parts.c_str()};
    for (const auto& t : topic_args) {
      argv.push_back("--topic");
      argv.push_back(t.c_str());
    }
    argv.push_back(nullptr);
    execv(binary.c_str(), const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(out[1]);
  if (pid_ < 0) {
    close(out[0]);
    throw error({.what = "cannot start the embedded broker", .why = "fork() failed"});
  }
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') bootstrap_ += c;
  close(out[0]);
  if (bootstrap_.empty()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw error({.what = "cannot start the embedded broker", .where = binary + " kafka",
                 .why = "it printed no bootstrap address",
                 .fix = "run `sluice kafka` by hand to see why, or give a broker with bootstrap.servers"});
  }
}

broker_process::~broker_process() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

}  // namespace sluice::benchkit
