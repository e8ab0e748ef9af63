#pragma once
// Text helpers of the ODBC layer. sluice talks to drivers through the wide (UTF-16) ODBC calls
// and SQL_C_WCHAR buffers, because how a driver manager maps narrow strings to a Unicode driver
// depends on its locale and build; UTF-16 means the same bytes everywhere (the exceptions, where
// UTF-8 is known to arrive unchanged, are in connection.hpp). Values are
// UTF-8 in sluice, so this converts both ways, and renders Connect's temporal values as the ISO
// text every database here parses ("2024-01-02", "03:04:05.123456", "2024-01-02 03:04:05.123456",
// all UTC).
// Thread-safety: pure functions.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::odbc {

// UTF-8 → UTF-16 (surrogate pairs for code points above U+FFFF). Invalid UTF-8 bytes are taken
// as U+FFFD; check valid_utf8() first where that must be an error.
std::u16string to_utf16(std::string_view utf8);
// Appends the UTF-16 of `utf8` to `out` (no allocation when `out` has room).
void append_utf16(std::u16string& out, std::string_view utf8);
// Appends `utf8` to `out` as it is when it is valid UTF-8 (the usual case, checked first), else
// with each invalid sequence replaced by U+FFFD, as append_utf16 does.
void append_utf8(std::string& out, std::string_view utf8);
// UTF-16 → UTF-8; unpaired surrogates become U+FFFD.
std::string to_utf8(std::u16string_view utf16);

bool valid_utf8(std::string_view s) noexcept;
// True when `s` (valid UTF-8) has a code point above U+FFFF (MySQL/MariaDB identifiers cannot).
bool has_supplementary(std::string_view s) noexcept;
// Code points in valid UTF-8 text.
std::size_t code_points(std::string_view s) noexcept;

// Days since 1970-01-01 → "YYYY-MM-DD" (years 0..9999; others keep a sign / more digits so the
// server rejects them rather than sluice wrapping them).
std::string format_date(std::int32_t days);
// Microseconds since midnight → "HH:MM:SS.ffffff".
std::string format_time(std::int64_t micros);
// Microseconds since the epoch (UTC) → "YYYY-MM-DD HH:MM:SS.ffffff".
std::string format_timestamp(std::int64_t micros);
// The same texts appended to `out` (the sink's hot path: no allocation when `out` has room).
void append_date(std::string& out, std::int64_t days);
void append_time(std::string& out, std::int64_t micros);
void append_timestamp(std::string& out, std::int64_t micros);

// A timestamp as a driver renders it ("YYYY-MM-DD HH:MM:SS[.fffffffff][ ±HH:MM]"): the
// microsecond below it (since the epoch, UTC) and the nanoseconds past that microsecond (fraction
// digits 7-9). SQL Server's datetime2(7) holds 100 ns; rounding those digits into the microsecond
// (…1234567 → …123457) would move a row's timestamp off itself, so a resumed window's
// `ts = last` would never hold. nullopt for text that is not a finite timestamp.
struct instant {
  std::int64_t us = 0;
  std::int32_t ns = 0;  // 0-999
  auto operator<=>(const instant&) const = default;
};
std::optional<instant> parse_instant(std::string_view text);

}  // namespace sluice::odbc
