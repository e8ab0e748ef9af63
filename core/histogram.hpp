#pragma once
// A fixed-bucket histogram of seconds (Prometheus-style cumulative buckets) that also answers
// approximate percentiles. Lock-free to observe; reads are a consistent-enough snapshot.
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace sluice {

class histogram {
 public:
  // Upper bounds in seconds: 0.5 ms … 60 s; 10 ms apart between 10 and 100 ms, where the
  // latency targets of a sink lie.
  static constexpr std::array<double, 26> bounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09,
      0.1,    0.125, 0.15,   0.2,   0.25, 0.5,  1,    2.5,  5,    10,   30,   60,   120};
  void observe(double seconds) noexcept {
    std::size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    auto us = static_cast<std::uint64_t>(seconds * 1e6);
    sum_us_.fetch_add(us, std::memory_order_relaxed);
    auto m = max_us_.load(std::memory_order_relaxed);
    while (us > m && !max_us_.compare_exchange_weak(m, us, std::memory_order_relaxed)) {
    }
  }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return static_cast<double>(sum_us_.load()) / 1e6; }
  double max() const noexcept { return static_cast<double>(max_us_.load()) / 1e6; }
  // Cumulative counts per bound, plus +Inf last.
  std::vector<std::uint64_t> cumulative() const {
    std::vector<std::uint64_t> out;
    std::uint64_t run = 0;
    for (const auto& c : counts_) out.push_back(run += c.load(std::memory_order_relaxed));
    return out;
  }
  // The bucket upper bound below which a share q (0..1) of observations fall.
  double quantile(double q) const {
    auto cum = cumulative();
    if (cum.empty() || cum.back() == 0) return 0;
    auto target = static_cast<std::uint64_t>(q * static_cast<double>(cum.back()) + 0.5);
    for (std::size_t i = 0; i < bounds.size(); ++i)
      if (cum[i] >= target) return bounds[i];
    return max();
  }

 private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> count_{0}, sum_us_{0}, max_us_{0};
};

}  // namespace sluice
