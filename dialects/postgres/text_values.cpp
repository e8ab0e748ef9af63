#include "dialects/postgres/text_values.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace sluice::pg {

namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_day = 86'400 * micros_per_second;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[i…]; advances i.
bool read_fixed(std::string_view s, std::size_t& i, std::size_t n, int& out) noexcept {
  if (i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!is_digit(s[i + k])) return false;
    v = v * 10 + (s[i + k] - '0');
  }
  out = v;
  i += n;
  return true;
}

bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// YYYY-MM-DD at s[i…] (4 to 6 year digits); advances i.
bool read_date(std::string_view s, std::size_t& i, std::int64_t& days) noexcept {
  std::size_t start = i;
  std::int64_t y = 0;
  while (i < s.size() && is_digit(s[i]) && i - start < 6) y = y * 10 + (s[i++] - '0');
  if (i - start < 4 || i >= s.size() || s[i] != '-') return false;
  ++i;
  int m = 0, d = 0;
  if (!read_fixed(s, i, 2, m) || i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!read_fixed(s, i, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(m)))
    return false;
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

// HH:MM[:SS[.fraction]] at s[i…]; advances i.
bool read_time(std::string_view s, std::size_t& i, std::int64_t& micros) noexcept {
  int h = 0, m = 0, sec = 0;
  if (!read_fixed(s, i, 2, h) || i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!read_fixed(s, i, 2, m)) return false;
  std::int64_t frac = 0;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!read_fixed(s, i, 2, sec)) return false;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      std::size_t n = 0;
      bool round_up = false;
      while (i < s.size() && is_digit(s[i])) {
        if (n < 6) frac = frac * 10 + (s[i] - '0');
        else if (n == 6) round_up = s[i] >= '5';
        ++n;
        ++i;
      }
      if (n == 0) return false;
      for (std::size_t k = n; k < 6; ++k) frac *= 10;
      if (round_up) ++frac;
    }
  }
  if (h > 24 || m > 59 || sec > 60) return false;
  micros = ((h * 60LL + m) * 60 + sec) * micros_per_second + frac;
  return micros <= micros_per_day;
}

std::optional<parsed_time_point> infinity_of(std::string_view t) {
  if (iequals(t, "infinity") || iequals(t, "+infinity")) return parsed_time_point{0, 1};
  if (iequals(t, "-infinity")) return parsed_time_point{0, -1};
  return std::nullopt;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty() || (t.front() == '-' && t.size() == 1)) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string_view t = trim(text);
  for (std::string_view yes : {"true", "t", "yes", "y", "on", "1"})
    if (iequals(t, yes)) return true;
  for (std::string_view no : {"false", "f", "no", "n", "off", "0"})
    if (iequals(t, no)) return false;
  return std::nullopt;
}

std::optional<double> parse_double(std::string_view text) {
  std::string_view t = trim(text);
  bool neg = false;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    neg = t.front() == '-';
    t.remove_prefix(1);
  }
  if (iequals(t, "nan")) return std::nan("");
  if (iequals(t, "infinity") || iequals(t, "inf")) return neg ? -HUGE_VAL : HUGE_VAL;
  if (t.empty() || !(is_digit(t.front()) || t.front() == '.')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return neg ? -v : v;
}

std::optional<parsed_time_point> parse_date(std::string_view text) {
  std::string_view t = trim(text);
  if (auto inf = infinity_of(t)) return inf;
  std::size_t i = 0;
  std::int64_t days = 0;
  if (!read_date(t, i, days) || i != t.size()) return std::nullopt;
  return parsed_time_point{days, 0};
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  std::string_view t = trim(text);
  std::size_t i = 0;
  std::int64_t micros = 0;
  if (!read_time(t, i, micros) || i != t.size()) return std::nullopt;
  return micros;
}

std::optional<parsed_time_point> parse_timestamp(std::string_view text) {
  std::string_view t = trim(text);
  if (auto inf = infinity_of(t)) return inf;
  std::size_t i = 0;
  std::int64_t days = 0, micros = 0;
  if (!read_date(t, i, days)) return std::nullopt;
  if (i < t.size() && (t[i] == 'T' || t[i] == 't' || t[i] == ' ')) {
    ++i;
    if (!read_time(t, i, micros)) return std::nullopt;
  }
  while (i < t.size() && t[i] == ' ') ++i;
  std::int64_t offset_minutes = 0;
  if (i < t.size()) {
    if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) {
      ++i;
    } else if (iequals(t.substr(i), "UTC")) {
      i = t.size();
    } else if (t[i] == '+' || t[i] == '-') {
      const int sign = t[i] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      if (!read_fixed(t, i, 2, oh)) return std::nullopt;
      if (i < t.size() && t[i] == ':') ++i;
      if (i < t.size() && !read_fixed(t, i, 2, om)) return std::nullopt;
      if (oh > 15 || om > 59) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (i != t.size()) return std::nullopt;
  return parsed_time_point{days * micros_per_day + micros - offset_minutes * 60 * micros_per_second, 0};
}

std::optional<std::array<unsigned char, 16>> parse_uuid(std::string_view text) {
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '{') {
    if (t.back() != '}') return std::nullopt;
    t = t.substr(1, t.size() - 2);
  }
  std::array<unsigned char, 16> out{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '-') {
      // Only between pairs of digits, never doubled or at the ends.
      if (n == 0 || n % 2 != 0 || n == 32 || (i > 0 && t[i - 1] == '-')) return std::nullopt;
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    if (n >= 32) return std::nullopt;
    out[n / 2] = static_cast<unsigned char>(n % 2 == 0 ? v << 4 : out[n / 2] | v);
    ++n;
  }
  if (n != 32 || t.back() == '-') return std::nullopt;
  return out;
}

std::string format_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string format_time(std::int64_t micros) {
  const std::int64_t secs = micros / micros_per_second;
  const std::int64_t frac = micros % micros_per_second;
  std::string s = fmt::format("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
  if (frac) s += fmt::format(".{:06}", frac);
  return s;
}

std::string format_timestamp(std::int64_t micros) {
  std::int64_t days = micros / micros_per_day;
  std::int64_t rest = micros % micros_per_day;
  if (rest < 0) {
    rest += micros_per_day;
    --days;
  }
  return format_date(days) + "T" + format_time(rest) + "Z";
}

}  // namespace sluice::pg
