#include "tests/support/process.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace sluice::testing {
namespace fs = std::filesystem;
namespace {

// "pid starttime": start time tells a live owner from a new process that reuses its pid.
std::string process_identity(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return {};
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return std::to_string(pid) + " " + field;
  }
  return {};
}

std::string read_first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

bool cmdline_mentions(pid_t pid, const std::string& text) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(text) != std::string::npos;
}

void remove_stale(const fs::path& dir, const std::string& pid_file) {
  std::string owner = read_first_line(dir / "owner");
  if (owner.empty()) {
    // Another process may have just made it and not yet written its owner file.
    std::error_code ec;
    auto age = fs::file_time_type::clock::now() - fs::last_write_time(dir, ec);
    if (ec || age < std::chrono::minutes(1)) return;
  } else {
    pid_t owner_pid = static_cast<pid_t>(std::atol(owner.c_str()));
    if (owner_pid > 0 && process_identity(owner_pid) == owner) return;  // still in use
  }
  std::string server = read_first_line(dir / pid_file);
  pid_t server_pid = static_cast<pid_t>(std::atol(server.c_str()));
  if (server_pid > 0 && cmdline_mentions(server_pid, dir.string())) ::kill(server_pid, SIGKILL);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "cannot start " + argv[0]);
  return pid;
}

int open_log(const fs::path& log) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log.string());
  return fd;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

bool running_as_root() { return ::geteuid() == 0; }

int run_command(const std::vector<std::string>& argv, const fs::path& log) {
  int fd = open_log(log);
  pid_t pid = -1;
  try {
    pid = spawn(argv, -1, fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return wait_status(pid);
}

std::vector<std::string> as_user(const std::string& user, std::vector<std::string> argv) {
  if (!running_as_root()) return argv;
  std::vector<std::string> out = {"runuser", "-u", user, "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void chown_recursive(const fs::path& p, const std::string& user) {
  passwd* pw = ::getpwnam(user.c_str());
  if (!pw) throw std::runtime_error("no such user: " + user);
  if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
    throw std::system_error(errno, std::generic_category(), "chown " + p.string());
  for (const auto& e : fs::recursive_directory_iterator(p))
    if (::lchown(e.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::system_error(errno, std::generic_category(), "chown " + e.path().string());
}

std::string tail_file(const fs::path& p, std::size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

fs::path make_server_dir(const std::string& prefix, const std::string& pid_file) {
  const fs::path tmp = fs::temp_directory_path();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tmp, ec))
    if (e.is_directory() && e.path().filename().string().rfind(prefix + "-", 0) == 0)
      remove_stale(e.path(), pid_file);
  std::string tmpl = (tmp / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
  std::ofstream(fs::path(tmpl) / "owner") << process_identity(::getpid()) << "\n";
  return tmpl;
}

supervised_process::~supervised_process() {
  try {
    stop();
  } catch (...) {
  }
}

void supervised_process::start(const std::vector<std::string>& argv, const std::string& user,
                               int stop_signal, const fs::path& remove_on_orphan,
                               const fs::path& log) {
  stop();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  std::vector<std::string> cmd = {SLUICE_TEST_WATCHDOG, "--stop-signal",
                                  std::to_string(stop_signal), "--remove",
                                  remove_on_orphan.string()};
  if (!user.empty() && running_as_root()) cmd.insert(cmd.end(), {"--user", user});
  cmd.push_back("--");
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  int out = -1;
  try {
    out = open_log(log);
    watchdog_ = spawn(cmd, fds[0], out);
  } catch (...) {
    if (out >= 0) ::close(out);
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(out);
  ::close(fds[0]);
  lifeline_ = fds[1];
}

bool supervised_process::running() {
  if (watchdog_ < 0) return false;
  int status = 0;
  if (::waitpid(watchdog_, &status, WNOHANG) == 0) return true;
  watchdog_ = -1;
  ::close(lifeline_);
  lifeline_ = -1;
  return false;
}

void supervised_process::stop() {
  if (watchdog_ >= 0) {
    ::kill(watchdog_, SIGTERM);  // the watchdog stops the server and waits for it
    wait_status(watchdog_);
    watchdog_ = -1;
  }
  if (lifeline_ >= 0) {
    ::close(lifeline_);
    lifeline_ = -1;
  }
}

}  // namespace sluice::testing
