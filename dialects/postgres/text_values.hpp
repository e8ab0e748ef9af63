#pragma once
// Text ↔ value conversions the COPY encoder needs when a record carries text for a typed column
// (schemaless JSON sends dates, timestamps, UUIDs and often numbers as strings), and ISO-8601
// rendering when a typed value goes into a text column. Strict: anything PostgreSQL would not
// read the same way is rejected, never guessed.
// Thread-safety: pure functions.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::pg {

// An instant or a day, or one of PostgreSQL's infinities (±1 in `infinity`).
struct parsed_time_point {
  std::int64_t value = 0;  // days since 1970-01-01, or microseconds since 1970-01-01T00:00:00Z
  int infinity = 0;
};

std::optional<std::int64_t> parse_int64(std::string_view text);  // [+-]digits, whitespace trimmed
std::optional<bool> parse_bool(std::string_view text);  // true/false/t/f/yes/no/y/n/on/off/1/0
std::optional<double> parse_double(std::string_view text);  // also NaN, [+-]Infinity, inf
// YYYY-MM-DD (also "infinity", "-infinity").
std::optional<parsed_time_point> parse_date(std::string_view text);
// HH:MM[:SS[.fraction]] → microseconds since midnight (24:00:00 allowed, as in PostgreSQL;
// fractions beyond microseconds rounded).
std::optional<std::int64_t> parse_time(std::string_view text);
// YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][ ][Z|±HH[[:]MM]] → microseconds since the epoch, UTC.
// Text without an offset is read as UTC. Also "infinity", "-infinity".
std::optional<parsed_time_point> parse_timestamp(std::string_view text);
// 32 hex digits, hyphens between digits allowed, optionally in braces.
std::optional<std::array<unsigned char, 16>> parse_uuid(std::string_view text);

std::string format_date(std::int64_t days_since_epoch);        // 2024-02-29
std::string format_time(std::int64_t micros_of_day);           // 13:05:09[.000123]
std::string format_timestamp(std::int64_t micros_since_epoch);  // 2024-02-29T13:05:09[.000123]Z

// Proleptic Gregorian calendar helpers (Howard Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept;

}  // namespace sluice::pg
