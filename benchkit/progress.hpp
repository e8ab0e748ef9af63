#pragma once
// The progress bar of a bench run on stderr: redrawn in place when stderr is a terminal; when it
// is not (a pipe, a log file, a test), only the phase lines are printed so logs stay readable.
// Thread-safety: none; the runner's thread draws it.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

namespace sluice::benchkit {

class progress {
 public:
  progress() : tty_(isatty(2) != 0) {}

  void phase(const std::string& text) {
    end_bar();
    fmt::print(stderr, "bench: {}\n", text);
  }
  void update(const std::string& label, std::uint64_t done, std::uint64_t total, double rate) {
    if (!tty_ || total == 0) return;
    // Redraw at most ten times a second: a terminal is slower than the hot loop calling this.
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done < total) return;
    last_ = now;
    const int width = 30;
    const auto filled = static_cast<int>(static_cast<double>(width) * static_cast<double>(std::min(done, total)) /
                                         static_cast<double>(total));
    fmt::print(stderr, "\r  {:<14} [{}{}] {:3.0f}%  {} of {}{}   ", label, std::string(filled, '#'),
               std::string(width - filled, '.'),
               100.0 * static_cast<double>(done) / static_cast<double>(total), done, total,
               rate > 0 ? fmt::format("  {:.0f}/s", rate) : std::string());
    drawn_ = true;
  }
  void end_bar() {
    if (drawn_) fmt::print(stderr, "\n");
    drawn_ = false;
  }

 private:
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sluice::benchkit
