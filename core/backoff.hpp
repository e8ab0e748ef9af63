#pragma once
// Exponential back-off shared by every restart and retry loop: base · 2^attempt, capped.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace sluice {

inline std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                               std::chrono::milliseconds cap) {
  return std::min(cap, base * (std::int64_t{1} << std::clamp(attempt, 0, 20)));
}

}  // namespace sluice
