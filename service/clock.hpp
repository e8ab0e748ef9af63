#pragma once
// Wall-clock helpers shared by the service's status and logs.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

#include <fmt/format.h>

namespace sluice::service {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2024-05-01T12:00:00.123Z"
inline std::string iso_time(std::int64_t unix_ms) {
  const std::time_t secs = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

}  // namespace sluice::service
