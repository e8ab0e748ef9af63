#pragma once
// A value of a record field, already in the representation the database writers need:
// integers widened to int64, Decimal as its unscaled digits plus scale (lossless, no double),
// Date as days, Time as microseconds of the day, Timestamp as microseconds since the epoch (UTC).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sluice {

struct null_value {
  bool operator==(const null_value&) const = default;
};
struct bytes_value {
  std::string data;  // raw bytes
  bool operator==(const bytes_value&) const = default;
};
struct decimal_value {
  std::string unscaled;  // base-10 digits with optional leading '-', e.g. "-12345"
  int scale = 0;         // value = unscaled * 10^-scale
  bool operator==(const decimal_value&) const = default;
  std::string to_string() const;  // "-123.45"
  void append_to(std::string& out) const;  // to_string(), appended
};
struct date_value {
  std::int32_t days = 0;  // since 1970-01-01
  bool operator==(const date_value&) const = default;
};
struct time_value {
  std::int64_t micros = 0;  // since midnight
  bool operator==(const time_value&) const = default;
};
struct timestamp_value {
  std::int64_t micros = 0;  // since 1970-01-01T00:00:00Z
  bool operator==(const timestamp_value&) const = default;
};

// Order of alternatives is part of the API (index() is used in switch statements).
using value = std::variant<null_value, bool, std::int64_t, double, std::string, bytes_value,
                           decimal_value, date_value, time_value, timestamp_value>;

inline bool is_null(const value& v) noexcept { return std::holds_alternative<null_value>(v); }

// Text form used for diagnostics, COPY text fallbacks and tests ("NULL" for null).
std::string to_display(const value& v);

}  // namespace sluice
