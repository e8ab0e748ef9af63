#include "dialects/postgres/numeric.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace sluice::pg {

namespace {

constexpr int max_integer_digits = 131072;
constexpr int max_scale = 0x3FFF;  // NUMERIC_DSCALE_MASK
constexpr int max_exponent = 1'000'000;

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<decimal_digits> parse_decimal(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  decimal_digits d;
  if (iequals(s, "nan")) {
    d.k = decimal_digits::kind::nan;
    return d;
  }
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    d.negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (iequals(s, "infinity") || iequals(s, "inf")) {
    d.k = d.negative ? decimal_digits::kind::neg_inf : decimal_digits::kind::pos_inf;
    d.negative = false;
    return d;
  }
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) d.digits += s[i++], ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) d.digits += s[i++], ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  const auto significant = d.digits.find_first_not_of('0');
  d.digits.erase(0, significant == std::string::npos ? d.digits.size() : significant);
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool neg_exp = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg_exp = s[i++] == '-';
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      exponent = exponent * 10 + (s[i++] - '0');
      if (exponent > max_exponent) return std::nullopt;
    }
    if (i == start) return std::nullopt;
    if (neg_exp) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;
  d.scale = static_cast<int>(static_cast<long>(frac_digits) - exponent);
  return d;
}

std::optional<decimal_digits> from_decimal(const decimal_value& v) {
  std::string_view u = v.unscaled;
  decimal_digits d;
  if (!u.empty() && (u.front() == '-' || u.front() == '+')) {
    d.negative = u.front() == '-';
    u.remove_prefix(1);
  }
  if (u.empty()) return std::nullopt;
  for (char c : u)
    if (!is_digit(c)) return std::nullopt;
  d.digits = std::string(u);
  d.scale = v.scale;
  return d;
}

decimal_digits from_int(std::int64_t v) {
  decimal_digits d;
  d.negative = v < 0;
  // Via unsigned so that INT64_MIN negates without overflow.
  std::uint64_t mag = d.negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  d.digits = std::to_string(mag);
  return d;
}

decimal_digits from_double(double v) {
  decimal_digits d;
  if (std::isnan(v)) {
    d.k = decimal_digits::kind::nan;
  } else if (std::isinf(v)) {
    d.k = v > 0 ? decimal_digits::kind::pos_inf : decimal_digits::kind::neg_inf;
  } else {
    d = *parse_decimal(fmt::format("{}", v));  // shortest text that reads back as the same double
  }
  return d;
}

bool append_numeric_binary(std::string& out, const decimal_digits& d) {
  using kind = decimal_digits::kind;
  if (d.k != kind::finite) {
    put16(out, 0);  // ndigits
    put16(out, 0);  // weight
    put16(out, d.k == kind::nan ? 0xC000 : d.k == kind::pos_inf ? 0xD000 : 0xF000);
    put16(out, 0);  // dscale
    return true;
  }
  // Normalise to scale ≥ 0 with no leading zeros.
  std::string_view digits = d.digits;
  while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
  std::string widened;
  int scale = d.scale;
  if (scale < 0) {
    if (digits.empty()) {
      scale = 0;
    } else {
      if (static_cast<long>(digits.size()) - scale > max_integer_digits) return false;
      widened = std::string(digits) + std::string(static_cast<std::size_t>(-scale), '0');
      digits = widened;
      scale = 0;
    }
  }
  if (scale > max_scale) {
    // Only trailing zeros may be dropped to fit the display scale limit.
    while (scale > max_scale && !digits.empty() && digits.back() == '0') {
      digits.remove_suffix(1);
      --scale;
    }
    if (digits.empty()) scale = std::min(scale, max_scale);
    if (scale > max_scale) return false;
  }
  const long n = static_cast<long>(digits.size());
  const long int_len = n > scale ? n - scale : 0;
  if (int_len > max_integer_digits) return false;

  // Align both sides of the decimal point to groups of four digits.
  const long int_pad = (4 - int_len % 4) % 4;
  const long frac_len = scale;  // digits after the point, including leading zeros
  const long frac_pad = (4 - frac_len % 4) % 4;
  const long total = int_pad + int_len + frac_len + frac_pad;
  // digit_at(k): the k-th digit of the padded sequence.
  const long lead_zeros_in_frac = n < scale ? scale - n : 0;
  auto digit_at = [&](long k) -> int {
    if (k < int_pad) return 0;
    k -= int_pad;
    if (k < int_len) return digits[static_cast<std::size_t>(k)] - '0';
    k -= int_len;
    if (k < frac_len) {
      if (k < lead_zeros_in_frac) return 0;
      return digits[static_cast<std::size_t>(int_len + k - lead_zeros_in_frac)] - '0';
    }
    return 0;
  };
  const long groups = total / 4;
  long first = 0, last = groups;  // [first, last) without leading / trailing zero groups
  auto group = [&](long g) {
    return digit_at(4 * g) * 1000 + digit_at(4 * g + 1) * 100 + digit_at(4 * g + 2) * 10 +
           digit_at(4 * g + 3);
  };
  while (first < last && group(first) == 0) ++first;
  while (last > first && group(last - 1) == 0) --last;
  const long ndigits = last - first;
  const long weight = ndigits == 0 ? 0 : (int_pad + int_len) / 4 - 1 - first;
  put16(out, static_cast<std::uint16_t>(ndigits));
  put16(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(weight)));
  put16(out, d.negative && ndigits > 0 ? 0x4000 : 0x0000);
  put16(out, static_cast<std::uint16_t>(scale));
  for (long g = first; g < last; ++g) put16(out, static_cast<std::uint16_t>(group(g)));
  return true;
}

std::optional<std::int64_t> to_int64(const decimal_digits& d, bool& out_of_range) {
  out_of_range = false;
  if (d.k != decimal_digits::kind::finite) return std::nullopt;
  std::string_view digits = d.digits;
  std::string widened;
  if (d.scale > 0) {
    // The dropped fractional digits must all be zero.
    const std::size_t frac = static_cast<std::size_t>(d.scale);
    const std::size_t keep = digits.size() > frac ? digits.size() - frac : 0;
    for (std::size_t i = keep; i < digits.size(); ++i)
      if (digits[i] != '0') return std::nullopt;
    digits = digits.substr(0, keep);
  } else if (d.scale < 0) {
    while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
    if (!digits.empty()) {
      if (digits.size() + static_cast<std::size_t>(-d.scale) > 20) {
        out_of_range = true;
        return std::nullopt;
      }
      widened = std::string(digits) + std::string(static_cast<std::size_t>(-d.scale), '0');
      digits = widened;
    }
  }
  while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
  if (digits.empty()) return 0;
  if (digits.size() > 19) {
    out_of_range = true;
    return std::nullopt;
  }
  std::uint64_t mag = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (d.negative) {
    if (mag > max + 1) {
      out_of_range = true;
      return std::nullopt;
    }
    return static_cast<std::int64_t>(0 - mag);
  }
  if (mag > max) {
    out_of_range = true;
    return std::nullopt;
  }
  return static_cast<std::int64_t>(mag);
}

}  // namespace sluice::pg
