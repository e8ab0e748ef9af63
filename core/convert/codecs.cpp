#include "core/convert/codecs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice::convert::detail {

namespace {

constexpr std::string_view b64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct b64_reverse {
  std::int8_t v[256];
  constexpr b64_reverse() : v{} {
    for (auto& x : v) x = -1;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(b64_alphabet[i])] = static_cast<std::int8_t>(i);
  }
  int operator[](char c) const noexcept { return v[static_cast<unsigned char>(c)]; }
};
constexpr b64_reverse b64_rev{};

constexpr std::uint32_t limb_base = 1'000'000'000;

bool all_digits(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// sign and digits × 10^shift, as unscaled digits; nullopt when dropped digits are not zero.
std::optional<std::string> shift_digits(bool negative, std::string_view digits, std::int64_t shift) {
  // A shift this large is a typo or an attack, never a column value.
  constexpr std::int64_t max_shift = 4096;
  if (shift > max_shift || shift < -max_shift - static_cast<std::int64_t>(digits.size())) return std::nullopt;
  std::string out;
  if (shift >= 0) {
    out.reserve(digits.size() + static_cast<std::size_t>(shift) + 1);
    out.append(digits);
    out.append(static_cast<std::size_t>(shift), '0');
  } else {
    auto drop = static_cast<std::size_t>(-shift);
    std::size_t keep = digits.size() > drop ? digits.size() - drop : 0;
    for (std::size_t i = keep; i < digits.size(); ++i)
      if (digits[i] != '0') return std::nullopt;
    out.append(digits.substr(0, keep));
  }
  std::size_t nz = out.find_first_not_of('0');
  if (nz == std::string::npos) return std::string("0");
  out.erase(0, nz);
  if (negative) out.insert(out.begin(), '-');
  return out;
}

bool read_fixed(std::string_view s, std::size_t& pos, int width, int& out) noexcept {
  if (pos + static_cast<std::size_t>(width) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(width);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

bool base64_decode(std::string_view in, std::string& out) {
  std::size_t n = in.size();
  bool padded = false;
  if (n > 0 && in[n - 1] == '=') {
    padded = true;
    --n;
    if (n > 0 && in[n - 1] == '=') --n;
  }
  if (n % 4 == 1 || (padded && in.size() % 4 != 0)) return false;
  out.reserve(out.size() + n / 4 * 3 + 2);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    int a = b64_rev[in[i]], b = b64_rev[in[i + 1]], c = b64_rev[in[i + 2]], d = b64_rev[in[i + 3]];
    if ((a | b | c | d) < 0) return false;
    auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
  }
  std::size_t rem = n - i;
  if (rem >= 2) {
    int a = b64_rev[in[i]], b = b64_rev[in[i + 1]];
    int c = rem == 3 ? b64_rev[in[i + 2]] : 0;
    if ((a | b | c) < 0) return false;
    out.push_back(static_cast<char>((a << 2) | (b >> 4)));
    if (rem == 3) out.push_back(static_cast<char>(((b & 0xf) << 4) | (c >> 2)));
  }
  return true;
}

void base64_encode(std::string_view in, std::string& out) {
  out.reserve(out.size() + (in.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];
    out.push_back(b64_alphabet[v >> 18]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.push_back(b64_alphabet[(v >> 6) & 63]);
    out.push_back(b64_alphabet[v & 63]);
  }
  std::size_t rem = in.size() - i;
  if (rem == 1) {
    std::uint32_t v = p[i] << 16;
    out.push_back(b64_alphabet[v >> 18]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rem == 2) {
    std::uint32_t v = p[i] << 16 | p[i + 1] << 8;
    out.push_back(b64_alphabet[v >> 18]);
    out.push_back(b64_alphabet[(v >> 12) & 63]);
    out.push_back(b64_alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
}

void twos_complement_to_digits(std::string_view bytes, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  if (n == 0) {
    out.push_back('0');
    return;
  }
  const bool negative = (p[0] & 0x80) != 0;
  if (n <= 8) {  // the common case: fits an int64, no big-number arithmetic
    std::uint64_t u = negative ? ~std::uint64_t{0} : 0;
    for (std::size_t i = 0; i < n; ++i) u = (u << 8) | p[i];
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(u));
    out.append(buf, r.ptr);
    return;
  }
  std::vector<unsigned char> mag(p, p + n);
  if (negative) {
    for (auto& c : mag) c = static_cast<unsigned char>(~c);
    for (std::size_t i = n; i-- > 0;)
      if (++mag[i] != 0) break;
  }
  std::vector<std::uint32_t> limbs;  // base 1e9, least significant first
  limbs.reserve(n / 3 + 1);
  for (unsigned char b : mag) {
    std::uint64_t carry = b;
    for (auto& l : limbs) {
      std::uint64_t cur = std::uint64_t{l} * 256 + carry;
      l = static_cast<std::uint32_t>(cur % limb_base);
      carry = cur / limb_base;
    }
    while (carry != 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % limb_base));
      carry /= limb_base;
    }
  }
  if (limbs.empty()) {
    out.push_back('0');
    return;
  }
  if (negative) out.push_back('-');
  fmt::format_to(std::back_inserter(out), "{}", limbs.back());
  for (std::size_t i = limbs.size() - 1; i-- > 0;) fmt::format_to(std::back_inserter(out), "{:09}", limbs[i]);
}

std::optional<std::string> digits_to_twos_complement(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !all_digits(s)) return std::nullopt;
  std::vector<std::uint32_t> limbs;  // base 1e9, least significant first
  for (std::size_t end = s.size(); end > 0;) {
    std::size_t begin = end >= 9 ? end - 9 : 0;
    std::uint32_t v = 0;
    std::from_chars(s.data() + begin, s.data() + end, v);
    limbs.push_back(v);
    end = begin;
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  std::string le;  // magnitude, least significant byte first
  while (!limbs.empty()) {
    std::uint64_t rem = 0;
    for (std::size_t i = limbs.size(); i-- > 0;) {
      std::uint64_t cur = rem * limb_base + limbs[i];
      limbs[i] = static_cast<std::uint32_t>(cur / 256);
      rem = cur % 256;
    }
    le.push_back(static_cast<char>(rem));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  le.push_back('\0');  // room for the sign bit
  if (negative) {
    for (auto& c : le) c = static_cast<char>(~static_cast<unsigned char>(c));
    for (auto& c : le) {
      c = static_cast<char>(static_cast<unsigned char>(c) + 1);
      if (c != '\0') break;
    }
  }
  // Shortest form, as BigInteger.toByteArray: drop sign-only leading bytes.
  while (le.size() > 1) {
    auto top = static_cast<unsigned char>(le.back());
    auto next = static_cast<unsigned char>(le[le.size() - 2]);
    if ((top == 0x00 && !(next & 0x80)) || (top == 0xff && (next & 0x80))) le.pop_back();
    else break;
  }
  std::reverse(le.begin(), le.end());
  return le;
}

std::optional<std::string> decimal_text_to_unscaled(std::string_view t, int scale) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < t.size() && (t[pos] == '-' || t[pos] == '+')) negative = t[pos++] == '-';
  std::string digits;
  std::int64_t frac_len = 0;
  bool seen_dot = false;
  for (; pos < t.size(); ++pos) {
    char c = t[pos];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (seen_dot) ++frac_len;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  std::int64_t exponent = 0;
  if (pos < t.size() && (t[pos] == 'e' || t[pos] == 'E')) {
    ++pos;
    bool exp_negative = false;
    if (pos < t.size() && (t[pos] == '-' || t[pos] == '+')) exp_negative = t[pos++] == '-';
    std::size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9' && pos - start < 6)
      exponent = exponent * 10 + (t[pos++] - '0');
    if (pos == start) return std::nullopt;
    if (exp_negative) exponent = -exponent;
  }
  if (pos != t.size()) return std::nullopt;
  return shift_digits(negative, digits, exponent - frac_len + scale);
}

std::optional<std::string> rescale_unscaled(std::string_view s, int from, int to) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !all_digits(s)) return std::nullopt;
  return shift_digits(negative, s, static_cast<std::int64_t>(to) - from);
}

// Howard Hinnant's civil-date algorithms (proleptic Gregorian, any year).
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

std::optional<std::int64_t> parse_iso_timestamp(std::string_view s) noexcept {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_fixed(s, pos, 4, year) || !expect(s, pos, '-') || !read_fixed(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_fixed(s, pos, 2, day))
    return std::nullopt;
  if (!(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' '))) return std::nullopt;
  if (!read_fixed(s, pos, 2, hour) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, minute))
    return std::nullopt;
  if (expect(s, pos, ':') && !read_fixed(s, pos, 2, second)) return std::nullopt;
  std::int64_t frac_micros = 0;
  if (expect(s, pos, '.') || expect(s, pos, ',')) {
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) frac_micros = frac_micros * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 6; ++n) frac_micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool west = s[pos++] == '-';
    int oh = 0, om = 0;
    if (!read_fixed(s, pos, 2, oh)) return std::nullopt;
    if (expect(s, pos, ':')) {
      if (!read_fixed(s, pos, 2, om)) return std::nullopt;
    } else if (pos < s.size()) {
      if (!read_fixed(s, pos, 2, om)) return std::nullopt;
    }
    if (oh > 18 || om > 59) return std::nullopt;
    offset_seconds = (west ? -1 : 1) * (oh * 3600 + om * 60);
  }
  if (pos != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return secs * 1'000'000 + frac_micros;
}

std::string format_iso_date(std::int32_t days) {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string format_iso_time(std::int64_t micros_of_day) {
  std::int64_t secs = floor_div(micros_of_day, 1'000'000);
  std::int64_t us = floor_mod(micros_of_day, 1'000'000);
  auto text = fmt::format("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
  if (us != 0) text += fmt::format(".{:06}", us);
  return text;
}

std::string format_iso_timestamp(std::int64_t micros) {
  std::int64_t days = floor_div(micros, 86'400'000'000);
  std::int64_t of_day = micros - days * 86'400'000'000;
  return format_iso_date(static_cast<std::int32_t>(days)) + 'T' + format_iso_time(of_day) + 'Z';
}

}  // namespace sluice::convert::detail
