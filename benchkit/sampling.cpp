#include "benchkit/sampling.hpp"

#include <algorithm>
#include <chrono>

#include "core/histogram.hpp"

namespace sluice::benchkit {

session_sampler::session_sampler(std::unique_ptr<target> db, std::string app)
    : thread_([this, db = std::shared_ptr<target>(std::move(db)), app = std::move(app)](std::stop_token stop) {
        try {
          while (!stop.stop_requested()) {
            auto n = db->sessions(app);
            if (!n) {
              embedded_ = true;
              return;
            }
            max_ = std::max(max_.load(), *n);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
          }
        } catch (...) {
          // A figure, not a reason to fail the benchmark: the report shows what was seen.
        }
      }) {}

session_sampler::~session_sampler() { stop(); }

std::optional<int> session_sampler::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (embedded_) return std::nullopt;
  return max_.load();
}

latency_summary summarize(const std::vector<std::uint64_t>& before, const std::vector<std::uint64_t>& after) {
  latency_summary l;
  l.bucket_bounds = true;
  const auto& b = histogram::bounds;
  std::vector<std::uint64_t> cum(after.size());
  for (std::size_t i = 0; i < after.size(); ++i) cum[i] = after[i] - (i < before.size() ? before[i] : 0);
  l.count = cum.empty() ? 0 : cum.back();
  if (l.count == 0) return l;
  auto bound = [&](std::size_t i) { return i < b.size() ? b[i] : b.back() * 2; };
  auto q = [&](double share) {
    auto target = static_cast<std::uint64_t>(share * static_cast<double>(l.count) + 0.5);
    for (std::size_t i = 0; i < cum.size(); ++i)
      if (cum[i] >= std::max<std::uint64_t>(target, 1)) return bound(i);
    return bound(cum.size() - 1);
  };
  l.p50 = q(0.50);
  l.p95 = q(0.95);
  l.p99 = q(0.99);
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i < cum.size(); ++i) {
    if (cum[i] > prev) {
      l.buckets.push_back({bound(i), cum[i] - prev});
      l.max = bound(i);
    }
    prev = cum[i];
  }
  return l;
}

latency_summary summarize(std::vector<double> s) {
  latency_summary l;
  l.count = s.size();
  if (s.empty()) return l;
  std::sort(s.begin(), s.end());
  auto q = [&](double share) {
    auto i = static_cast<std::size_t>(share * static_cast<double>(s.size() - 1) + 0.5);
    return s[std::min(i, s.size() - 1)];
  };
  l.p50 = q(0.50);
  l.p95 = q(0.95);
  l.p99 = q(0.99);
  l.max = s.back();
  const auto& b = histogram::bounds;
  std::vector<std::uint64_t> counts(b.size() + 1, 0);
  for (double v : s) {
    std::size_t i = 0;
    while (i < b.size() && v > b[i]) ++i;
    ++counts[i];
  }
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i]) l.buckets.push_back({i < b.size() ? b[i] : b.back() * 2, counts[i]});
  return l;
}

}  // namespace sluice::benchkit
