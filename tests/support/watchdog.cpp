// sluice_test_watchdog: runs one server process for the test fixtures and makes sure it does not
// outlive the test process that started it.
//
//   sluice_test_watchdog --stop-signal N [--user NAME] [--remove DIR] -- program args...
//
// stdin is the read end of a pipe that only the test process holds open for writing. When it
// reaches end of file (the test process died, however), the server gets the stop signal (then
// SIGKILL after 20 s) and DIR is removed. SIGTERM/SIGINT to the watchdog (the fixture's stop())
// stop the server the same way but keep DIR. When the server exits by itself, so does the
// watchdog, with its status. The server also gets the stop signal if the watchdog is killed
// (PR_SET_PDEATHSIG, set after the user switch so the kernel keeps it).
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: sluice_test_watchdog --stop-signal N [--user NAME] [--remove DIR] -- "
               "program args...\n");
  return 2;
}

// Sends `sig`, waits up to 20 s, then SIGKILL. Returns the exit status.
int stop_child(pid_t child, int sig) {
  ::kill(child, sig);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(child, &status, WNOHANG) == child) return status;
    ::usleep(100 * 1000);
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  return status;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  int stop_signal = SIGTERM;
  std::string user, remove_dir;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) return usage();
    if (a == "--stop-signal")
      stop_signal = std::atoi(argv[++i]);
    else if (a == "--user")
      user = argv[++i];
    else if (a == "--remove")
      remove_dir = argv[++i];
    else
      return usage();
  }
  if (i >= argc) return usage();
  ::close_range(3, ~0U, 0);  // hold no other process's pipes open

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC);

  pid_t child = ::fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_UNBLOCK, &mask, nullptr);
    if (!user.empty()) {
      passwd* pw = ::getpwnam(user.c_str());
      if (!pw || ::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
          ::setuid(pw->pw_uid) != 0) {
        std::perror(("cannot switch to user " + user).c_str());
        _exit(126);
      }
      ::setenv("HOME", pw->pw_dir, 1);
      ::setenv("USER", pw->pw_name, 1);
    }
    ::prctl(PR_SET_PDEATHSIG, stop_signal);
    if (::getppid() == 1) _exit(1);  // the watchdog died already
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::execvp(argv[i], argv + i);
    std::perror(("cannot run " + std::string(argv[i])).c_str());
    _exit(127);
  }

  pollfd fds[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents) {
      char buf[64];
      if (::read(0, buf, sizeof buf) <= 0) {  // the test process is gone
        fds[0].fd = -1;
        int status = stop_child(child, stop_signal);
        if (!remove_dir.empty()) {
          std::error_code ec;
          std::filesystem::remove_all(remove_dir, ec);
        }
        return exit_code(status);
      }
    }
    if (fds[1].revents) {
      signalfd_siginfo si{};
      if (::read(sfd, &si, sizeof si) != sizeof si) continue;
      if (si.ssi_signo == SIGCHLD) {
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) return exit_code(status);
      } else {
        return exit_code(stop_child(child, stop_signal));
      }
    }
  }
}
