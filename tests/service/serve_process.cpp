#include "tests/service/serve_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "tests/support/free_port.hpp"

namespace sluice::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::filesystem::path& out) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    int null = ::open("/dev/null", O_RDONLY);
    dup2(null, 0);
    // The test process may block signals; the child must see SIGTERM the normal way.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

boost::json::value http_reply::json() const { return boost::json::parse(body); }

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::pair<int, std::string> run_program(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env) {
  temp_dir d("sluice-run");
  const auto out = d / "out";
  const pid_t pid = spawn(argv, env, out);
  const int code = wait_exit(pid);
  return {code, slurp(out)};
}

serve_process::serve_process(std::vector<std::string> args, std::map<std::string, std::string> env)
    : dir_("sluice-serve"), state_(dir_ / "state"), args_(std::move(args)), env_(std::move(env)) {
  url_ = fmt::format("http://127.0.0.1:{}", free_tcp_port());
  start();
}

serve_process::~serve_process() {
  try {
    stop();
  } catch (...) {
  }
}

void serve_process::start() {
  std::vector<std::string> argv{SLUICE_BIN, "serve", "--listeners", url_, "--state", state_.string()};
  for (const auto& a : args_) argv.push_back(a);
  pid_ = spawn(argv, env_, dir_ / "log");
  const bool up = eventually(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          throw std::runtime_error("sluice serve exited at start:\n" + log());
        }
        return get("/health").status == 200;
      },
      std::chrono::seconds(15));
  if (!up) throw std::runtime_error("sluice serve did not answer /health:\n" + log());
}

void serve_process::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

void serve_process::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

void serve_process::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
  pid_ = -1;
}

std::string serve_process::log() const { return slurp(dir_ / "log"); }

http_reply serve_process::request(const std::string& method, const std::string& path,
                                  const std::optional<std::string>& body,
                                  const std::vector<std::string>& headers) const {
  temp_dir d("sluice-curl");
  std::vector<std::string> argv{"curl", "-s", "-X", method, "-o", (d / "body").string(), "-D",
                                (d / "headers").string(), "-w", "%{http_code}", "--max-time", "60"};
  if (body) {
    std::ofstream(d / "request", std::ios::binary) << *body;
    argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary",
                             "@" + (d / "request").string()});
  }
  for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
  argv.push_back(url_ + path);
  auto [code, out] = run_program(argv);
  http_reply r;
  try {
    r.status = std::stoi(out);
  } catch (...) {
    r.status = 0;
  }
  r.body = slurp(d / "body");
  r.headers = slurp(d / "headers");
  return r;
}

}  // namespace sluice::testing
