#pragma once
// Wire encodings of Connect values that JSON cannot carry directly: base64 for bytes, Decimal's
// unscaled big-endian two's complement integer, decimal text with an exponent, and ISO-8601
// timestamps. Pure functions over caller-owned buffers, so the hot path can reuse them.
// They report bad input by return value; callers add the field name to the message.
// Thread-safety: stateless.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::convert::detail {

// Standard alphabet; padding optional on input, always written on output. Appends to `out`.
bool base64_decode(std::string_view in, std::string& out);
void base64_encode(std::string_view in, std::string& out);

// Big-endian two's complement bytes (Java's BigInteger.toByteArray) → base-10 digits with an
// optional leading '-'. Any length; empty input is 0. Appends to `out`.
void twos_complement_to_digits(std::string_view bytes, std::string& out);
// The inverse: "-12345" → shortest two's complement bytes. nullopt when `digits` is not an integer.
std::optional<std::string> digits_to_twos_complement(std::string_view digits);

// Decimal text ("-12.50", "1.5E+3", "7") → unscaled digits at `scale`. nullopt when the text is
// not a number or would lose non-zero digits at that scale (Connect refuses to round, so do we).
std::optional<std::string> decimal_text_to_unscaled(std::string_view text, int scale);
// Re-expresses unscaled digits given at scale `from` at scale `to`; nullopt if digits would be lost.
std::optional<std::string> rescale_unscaled(std::string_view digits, int from, int to);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;
void civil_from_days(std::int64_t days, std::int64_t& y, unsigned& m, unsigned& d) noexcept;

// "2024-01-31T12:34:56.123456Z", "...+02:00", "...-0530", "... 12:34:56" (space, no zone = UTC)
// → microseconds since the epoch. Digits beyond microseconds are truncated toward -infinity.
std::optional<std::int64_t> parse_iso_timestamp(std::string_view text) noexcept;
// Microseconds since the epoch → "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when non-zero).
std::string format_iso_timestamp(std::int64_t micros);
std::string format_iso_date(std::int32_t days);
std::string format_iso_time(std::int64_t micros_of_day);

// Floor division and modulo (C++'s `/` truncates toward zero; dates before 1970 need floor).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  return a - floor_div(a, b) * b;
}

}  // namespace sluice::convert::detail
