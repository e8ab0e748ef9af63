// Kafka Connect standalone connector files, read as java.util.Properties.load reads them:
// '#'/'!' comments, key separated by '=', ':' or blanks, backslash escapes (\t \n \r \f \uXXXX,
// any other \c is c), and lines ending in an odd number of backslashes continued on the next
// line without its leading blanks. The text is taken as UTF-8 (\u escapes are encoded so too).
#include <fmt/format.h>
#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::config {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// A logical line and, per character, where it was in the file (for error positions).
struct logical_line {
  std::string text;
  std::vector<std::pair<int, int>> pos;  // line, column (1-based) of each character
};

void append(logical_line& l, std::string_view part, int line, int first_column) {
  for (std::size_t k = 0; k < part.size(); ++k) {
    l.text += part[k];
    l.pos.emplace_back(line, first_column + static_cast<int>(k));
  }
}

bool ends_in_continuation(const std::string& s) {
  std::size_t n = 0;
  for (auto it = s.rbegin(); it != s.rend() && *it == '\\'; ++it) ++n;
  return n % 2 == 1;
}

// Natural lines end at \n, \r or \r\n.
std::vector<std::string_view> natural_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t begin = at;
    while (at < text.size() && text[at] != '\n' && text[at] != '\r') ++at;
    out.push_back(text.substr(begin, at - begin));
    if (at < text.size()) {
      if (text[at] == '\r' && at + 1 < text.size() && text[at + 1] == '\n') ++at;
      ++at;
    }
  }
  return out;
}

std::vector<logical_line> logical_lines(std::string_view text) {
  const auto lines = natural_lines(text);
  std::vector<logical_line> out;
  auto skip_blanks = [](std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && blank(s[i])) ++i;
    return i;
  };
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::size_t i = skip_blanks(lines[n]);
    if (i == lines[n].size() || lines[n][i] == '#' || lines[n][i] == '!') continue;
    logical_line l;
    append(l, lines[n].substr(i), static_cast<int>(n) + 1, static_cast<int>(i) + 1);
    // A continued line's leading blanks are dropped, and it is never a comment.
    while (ends_in_continuation(l.text)) {
      l.text.pop_back();
      l.pos.pop_back();
      if (n + 1 >= lines.size()) break;
      ++n;
      const std::size_t j = skip_blanks(lines[n]);
      append(l, lines[n].substr(j), static_cast<int>(n) + 1, static_cast<int>(j) + 1);
    }
    out.push_back(std::move(l));
  }
  return out;
}

void put_utf8(std::string& out, std::uint32_t cp) {
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

class line_parser {
 public:
  line_parser(const logical_line& l, const std::string& origin) : l_(l), origin_(origin) {}

  std::pair<std::string, std::string> parse() {
    std::string key = unescape_until([](char c) { return c == '=' || c == ':' || blank(c); });
    while (i_ < l_.text.size() && blank(l_.text[i_])) ++i_;
    if (i_ < l_.text.size() && (l_.text[i_] == '=' || l_.text[i_] == ':')) ++i_;
    while (i_ < l_.text.size() && blank(l_.text[i_])) ++i_;
    std::string value = unescape_until([](char) { return false; });
    return {std::move(key), std::move(value)};
  }

 private:
  template <class Stop>
  std::string unescape_until(Stop stop) {
    std::string out;
    const std::string& t = l_.text;
    while (i_ < t.size() && !stop(t[i_])) {
      if (t[i_] != '\\') {
        out += t[i_++];
        continue;
      }
      const std::size_t escape_at = i_++;
      if (i_ >= t.size()) break;  // a lone trailing backslash is dropped, as Java does
      const char c = t[i_++];
      switch (c) {
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 'f': out += '\f'; break;
        case 'u': put_utf8(out, code_point(escape_at)); break;
        default: out += c;
      }
    }
    return out;
  }

  std::uint32_t hex4(std::size_t escape_at) {
    const std::string& t = l_.text;
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const char c = i_ < t.size() ? t[i_] : '\0';
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) fail(escape_at, "malformed \\uXXXX escape (four hex digits expected)");
      v = v * 16 + static_cast<std::uint32_t>(digit);
    }
    return v;
  }

  std::uint32_t code_point(std::size_t escape_at) {
    const std::uint32_t hi = hex4(escape_at);
    const std::string& t = l_.text;
    if (hi >= 0xD800 && hi < 0xDC00 && i_ + 1 < t.size() && t[i_] == '\\' && t[i_ + 1] == 'u') {
      const std::size_t low_at = i_;
      i_ += 2;
      const std::uint32_t lo = hex4(low_at);
      if (lo >= 0xDC00 && lo < 0xE000) return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
      fail(low_at, "a \\u surrogate pair is incomplete");
    }
    return hi;
  }

  [[noreturn]] void fail(std::size_t index, std::string why) const {
    const auto [line, col] = l_.pos.at(std::min(index, l_.pos.size() - 1));
    throw sluice::error({.what = "cannot read connector config",
                         .where = fmt::format("{}:{}:{}", origin_, line, col),
                         .why = std::move(why),
                         .fix = "write a backslash as \\\\ and a character as \\uXXXX with four hex "
                                "digits"});
  }

  const logical_line& l_;
  const std::string& origin_;
  std::size_t i_ = 0;
};

}  // namespace

std::vector<raw_connector> parse_properties_text(std::string_view text, const std::string& origin) {
  raw_connector out;
  out.origin = origin;
  for (const auto& l : logical_lines(text)) {
    auto [key, value] = line_parser(l, origin).parse();
    out.values[std::move(key)] = std::move(value);  // a repeated key: the last one wins, as in Java
  }
  if (auto it = out.values.find("name"); it != out.values.end()) out.name = it->second;
  return {std::move(out)};
}

}  // namespace sluice::config
