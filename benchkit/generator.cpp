#include "benchkit/generator.hpp"

#include <cmath>

namespace sluice::benchkit {

generator::generator(key_mix mix, std::int64_t first_id, std::uint64_t seed)
    : mix_(mix), next_id_(first_id), rng_(seed) {}

std::size_t generator::pick() {
  std::uniform_real_distribution<double> u(0, 1);
  const auto n = live_.size();
  if (!mix_.zipf) return static_cast<std::size_t>(u(rng_) * static_cast<double>(n)) % n;
  // Zipf-like by inverse transform of a continuous power law over ranks 1..n (s = 1.1): cheap,
  // no table to rebuild as rows come and go, and the hot ranks are the oldest rows.
  const double s = 1.1, a = 1 - s;
  double x = std::pow(1 + u(rng_) * (std::pow(static_cast<double>(n), a) - 1), 1 / a);
  auto rank = static_cast<std::size_t>(x) - 1;
  return rank < n ? rank : n - 1;
}

operation generator::next() {
  std::uniform_real_distribution<double> u(0, 1);
  double r = live_.empty() ? 1.0 : u(rng_);
  if (r < mix_.deletes) {
    auto i = pick();
    operation op{live_[i], version_[i], true};
    live_[i] = live_.back();
    version_[i] = version_.back();
    live_.pop_back();
    version_.pop_back();
    return op;
  }
  if (r < mix_.deletes + mix_.updates) {
    auto i = pick();
    return {live_[i], ++version_[i], false};
  }
  live_.push_back(next_id_);
  version_.push_back(0);
  return {next_id_++, 0, false};
}

}  // namespace sluice::benchkit
