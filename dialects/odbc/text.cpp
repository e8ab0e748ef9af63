#include "dialects/odbc/text.hpp"

#include <iterator>

#include <fmt/format.h>
#include <simdjson.h>

#include "dialects/postgres/text_values.hpp"

namespace sluice::odbc {
namespace {

// Decodes one code point at s[i]; returns it and advances i; U+FFFD for a bad sequence.
char32_t decode(std::string_view s, std::size_t& i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  int n = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    n = 1, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3, cp = c & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + static_cast<std::size_t>(n) >= s.size()) {  // truncated sequence
    i = s.size();
    return 0xFFFD;
  }
  for (int k = 1; k <= n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((d & 0xC0) != 0x80) {
      i += static_cast<std::size_t>(k);
      return 0xFFFD;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  i += static_cast<std::size_t>(n) + 1;
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr char32_t min_for[] = {0, 0x80, 0x800, 0x10000};
  if (cp < min_for[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  return cp;
}

void put_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Howard Hinnant's civil_from_days.
void civil(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

// Appends `v` (0 <= v < 10^width) as exactly `width` digits.
void put_digits(std::string& out, std::uint64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i, v /= 10) buf[i] = static_cast<char>('0' + v % 10);
  out.append(buf, static_cast<std::size_t>(width));
}

}  // namespace

void append_utf16(std::u16string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = decode(s, i);
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
}

void append_utf8(std::string& out, std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) {
    out.append(s);
    return;
  }
  for (std::size_t i = 0; i < s.size();) put_utf8(out, decode(s, i));
}

std::u16string to_utf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  append_utf16(out, utf8);
  return out;
}

std::string to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t cp = s[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    put_utf8(out, cp);
  }
  return out;
}

bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const char32_t cp = decode(s, i);
    // A real U+FFFD is three bytes EF BF BD; anything else that decoded to it was invalid.
    if (cp == 0xFFFD && !(i - at == 3 && static_cast<unsigned char>(s[at]) == 0xEF)) return false;
  }
  return true;
}

bool has_supplementary(std::string_view s) noexcept {
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xF8) == 0xF0) return true;
  return false;
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

void append_date(std::string& out, std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil(days, y, m, d);
  if (y >= 0 && y <= 9999) {
    put_digits(out, static_cast<std::uint64_t>(y), 4);
  } else {
    // Outside 0..9999 the sign and every digit stay, so the server rejects the value.
    fmt::format_to(std::back_inserter(out), "{:04}", y);
  }
  out += '-';
  put_digits(out, m, 2);
  out += '-';
  put_digits(out, d, 2);
}

void append_time(std::string& out, std::int64_t micros) {
  const std::int64_t s = micros / 1000000, us = micros % 1000000;
  if (s / 3600 >= 100 || micros < 0) {
    fmt::format_to(std::back_inserter(out), "{:02}:{:02}:{:02}.{:06}", s / 3600, (s / 60) % 60, s % 60, us);
    return;
  }
  put_digits(out, static_cast<std::uint64_t>(s / 3600), 2);
  out += ':';
  put_digits(out, static_cast<std::uint64_t>((s / 60) % 60), 2);
  out += ':';
  put_digits(out, static_cast<std::uint64_t>(s % 60), 2);
  out += '.';
  put_digits(out, static_cast<std::uint64_t>(us), 6);
}

void append_timestamp(std::string& out, std::int64_t micros) {
  std::int64_t days = micros / 86400000000LL;
  std::int64_t rest = micros % 86400000000LL;
  if (rest < 0) {
    rest += 86400000000LL;
    --days;
  }
  append_date(out, days);
  out += ' ';
  append_time(out, rest);
}

std::string format_date(std::int32_t days) {
  std::string out;
  append_date(out, days);
  return out;
}

std::string format_time(std::int64_t micros) {
  std::string out;
  append_time(out, micros);
  return out;
}

std::string format_timestamp(std::int64_t micros) {
  std::string out;
  append_timestamp(out, micros);
  return out;
}

std::optional<instant> parse_instant(std::string_view text) {
  std::string t(text);
  std::int32_t ns = 0;
  if (const auto dot = t.find_first_of(".,"); dot != std::string::npos) {
    std::size_t end = dot + 1;
    while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    if (end - dot - 1 > 6) {
      for (std::size_t k = dot + 7; k < dot + 10; ++k) ns = ns * 10 + (k < end ? t[k] - '0' : 0);
      t.erase(dot + 7, end - dot - 7);  // six digits left: parsed exactly, not rounded
    }
  }
  const auto p = pg::parse_timestamp(t);
  if (!p || p->infinity) return std::nullopt;
  return instant{p->value, ns};
}

}  // namespace sluice::odbc
