// Parsers for each accepted form of connection.url. They only take the text apart; building the
// libpq conninfo and ODBC strings is connection_url.cpp's job.
#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include "config/rules.hpp"
#include "config/url_parts.hpp"
#include "core/error.hpp"

namespace sluice::config::detail {

void url_error(const std::string& shown, std::string why, std::string fix) {
  throw sluice::error({.what = "cannot understand connection.url", .where = shown,
                       .why = std::move(why), .fix = std::move(fix)});
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding; plus_is_space for pgjdbc, which decodes parameters with java.net.URLDecoder.
std::string percent_decode(std::string_view s, bool plus_is_space, const std::string& shown) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        url_error(shown, "a '%' is not followed by two hex digits",
                  "percent-encode special characters in connection.url (% is %25), or give the "
                  "password in connection.password");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr std::string_view encode_fix =
    "percent-encode '/', '?', '#' and '@' in the user name and password of connection.url (%2F, "
    "%3F, %23, %40), or give the password in connection.password instead";

// `quote`: false when the text may be a piece of a password (see userinfo_is_ambiguous).
int parse_port(std::string_view text, const std::string& shown, bool quote = true) {
  const auto n = parse_int(text);
  if (!n || *n < 1 || *n > 65535) {
    if (!quote)
      url_error(shown,
                "the text after the ':' of the host is not a port number, and an '@' follows later: "
                "this looks like a password containing '/' (or '?' with '='), which ends the host part",
                std::string(encode_fix));
    url_error(shown, fmt::format("the port '{}' is not a number from 1 to 65535", text),
              "write host:port, e.g. localhost:5432");
  }
  return static_cast<int>(*n);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "[user[:password]@]host[:port]" (host may be [IPv6]); a list of hosts is refused. `at`: the
// user info's '@' (userinfo_end), npos for none.
void parse_authority(std::string_view auth, std::size_t at, url_parts& out, bool plus_is_space,
                     const std::string& shown, bool quote_port) {
  if (at != std::string_view::npos) {
    const std::string_view info = auth.substr(0, at);
    const auto colon = info.find(':');
    out.user = percent_decode(info.substr(0, colon), false, shown);
    if (colon != std::string_view::npos) out.password = percent_decode(info.substr(colon + 1), false, shown);
    auth.remove_prefix(at + 1);
  }
  if (auth.find(',') != std::string_view::npos)
    url_error(shown, "several hosts are given; sluice connects to one",
              "name one host (the primary) in connection.url");
  std::string_view host = auth, port;
  if (!auth.empty() && auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) url_error(shown, "an IPv6 address lacks its ']'", "write [::1]:5432");
    host = auth.substr(1, close - 1);
    if (close + 1 < auth.size() && auth[close + 1] == ':') port = auth.substr(close + 2);
  } else if (const auto colon = auth.rfind(':'); colon != std::string_view::npos) {
    host = auth.substr(0, colon);
    port = auth.substr(colon + 1);
  }
  out.host = percent_decode(host, plus_is_space, shown);
  if (!port.empty()) out.port = parse_port(port, shown, quote_port);
}

void parse_query(std::string_view q, url_parts& out, bool plus_is_space, const std::string& shown) {
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view item = q.substr(0, amp);
    if (!item.empty()) {
      const auto eq = item.find('=');
      std::string key = percent_decode(item.substr(0, eq), plus_is_space, shown);
      std::string value = eq == std::string_view::npos
                              ? std::string()
                              : percent_decode(item.substr(eq + 1), plus_is_space, shown);
      const std::string l = lower(key);
      if (l == "user") out.user = std::move(value);
      else if (l == "password") out.password = std::move(value);
      else out.params.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

// "//authority/database?query" or "database?query" (no host: localhost).
url_parts parse_hierarchical(std::string_view rest, bool plus_is_space, const std::string& shown) {
  url_parts out;
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const auto at = userinfo_end(rest);
    const auto auth_end = std::min(rest.find_first_of("/?", at == std::string_view::npos ? 0 : at + 1),
                                   rest.size());
    const bool ambiguous = userinfo_is_ambiguous(rest);
    parse_authority(rest.substr(0, auth_end), at, out, plus_is_space, shown,
                    at != std::string_view::npos || rest.find('@') == std::string_view::npos);
    if (ambiguous)
      url_error(shown,
                "an '@' follows the host and port: this looks like a password containing '/' (or "
                "'?' with '='), which ends the host part, so the rest would be read as the database",
                std::string(encode_fix));
    rest.remove_prefix(auth_end);
  }
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.starts_with("/")) rest.remove_prefix(1);
  out.database = percent_decode(rest, plus_is_space, shown);
  parse_query(query, out, plus_is_space, shown);
  return out;
}

}  // namespace

std::size_t userinfo_end(std::string_view rest) {
  const std::string_view head = rest.substr(0, rest.find('/'));
  // "?key=" or "&key=" before a candidate '@' means it sits in a parameter, not in user info.
  const auto has_parameter = [](std::string_view s) {
    for (std::size_t i = s.find_first_of("?&#"); i != std::string_view::npos; i = s.find_first_of("?&#", i + 1)) {
      std::size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.' ||
                              s[j] == '-'))
        ++j;
      if (j > i + 1 && j < s.size() && s[j] == '=') return true;
    }
    return false;
  };
  for (auto at = head.rfind('@'); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : head.rfind('@', at - 1))
    if (!has_parameter(head.substr(0, at))) return at;
  return std::string_view::npos;
}

bool userinfo_is_ambiguous(std::string_view rest) {
  const auto at = userinfo_end(rest);
  const std::size_t host_from = at == std::string_view::npos ? 0 : at + 1;
  const std::size_t auth_end = std::min(rest.find_first_of("/?", host_from), rest.size());
  if (auth_end < rest.size() && rest[auth_end] == '/') {
    const std::size_t path_end = std::min(rest.find('?', auth_end), rest.size());
    if (rest.substr(auth_end, path_end - auth_end).find('@') != std::string_view::npos) return true;
  }
  if (at != std::string_view::npos || rest.find('@', auth_end) == std::string_view::npos) return false;
  const std::string_view auth = rest.substr(0, auth_end);
  if (auth.starts_with('[')) return false;
  const auto colon = auth.rfind(':');
  return colon != std::string_view::npos && !all_digits(auth.substr(colon + 1));
}

url_parts parse_jdbc_postgresql(std::string_view rest, const std::string& shown) {
  url_parts out = parse_hierarchical(rest, true, shown);
  out.family = dialect::postgresql;
  if (out.host.empty()) out.host = "localhost";
  if (out.port == 0) out.port = 5432;
  return out;
}

url_parts parse_jdbc_mysql(std::string_view rest, const std::string& shown) {
  if (!rest.starts_with("//"))
    url_error(shown, "a MySQL/MariaDB URL needs //host (e.g. jdbc:mysql://localhost:3306/db)",
              "write jdbc:mysql://host:port/database");
  url_parts out = parse_hierarchical(rest, false, shown);
  out.family = dialect::mysql;
  if (out.host.empty()) out.host = "localhost";
  if (out.port == 0) out.port = 3306;
  return out;
}

url_parts parse_jdbc_sqlite(std::string_view rest, const std::string& shown) {
  url_parts out;
  out.family = dialect::sqlite;
  out.database = std::string(trim(rest));
  if (out.database.empty())
    url_error(shown, "no database file is given", "write jdbc:sqlite:/path/to/file.db");
  return out;
}

// jdbc:sqlserver://[host[\instance][:port]][;property=value...]
url_parts parse_jdbc_sqlserver(std::string_view rest, const std::string& shown) {
  url_parts out;
  out.family = dialect::sqlserver;
  if (!rest.starts_with("//"))
    url_error(shown, "a SQL Server URL needs //host", "write jdbc:sqlserver://host:1433;databaseName=db");
  rest.remove_prefix(2);
  const auto semi = rest.find(';');
  const std::string_view server = rest.substr(0, semi);
  std::string_view host = server;
  if (const auto colon = server.rfind(':'); colon != std::string_view::npos) {
    host = server.substr(0, colon);
    out.port = parse_port(server.substr(colon + 1), shown);
  }
  out.host = std::string(host);
  if (semi != std::string_view::npos) {
    for (auto& [key, value] : split_semicolon_pairs(rest.substr(semi + 1))) {
      const std::string l = lower(key);  // SQL Server property names ignore case
      if (l == "databasename" || l == "database") out.database = value;
      else if (l == "user" || l == "username") out.user = value;
      else if (l == "password") out.password = value;
      else if (l == "servername") out.host = value;
      else if (l == "portnumber" || l == "port") out.port = parse_port(value, shown);
      else out.params.emplace_back(key, value);
    }
  }
  if (out.host.empty()) out.host = "localhost";
  if (out.port == 0) out.port = 1433;
  return out;
}

url_parts parse_libpq_uri(std::string_view rest, const std::string& shown) {
  url_parts out = parse_hierarchical(std::string("//").append(rest), false, shown);
  out.family = dialect::postgresql;
  out.libpq_native = true;
  return out;
}

// keyword = value pairs separated by blanks; values may be 'quoted' with \' and \\ escapes.
url_parts parse_conninfo(std::string_view text, const std::string& shown) {
  url_parts out;
  out.family = dialect::postgresql;
  out.libpq_native = true;
  std::size_t i = 0;
  auto skip = [&] { while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i; };
  while (true) {
    skip();
    if (i >= text.size()) break;
    const std::size_t key_start = i;
    while (i < text.size() && text[i] != '=' && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::string key(text.substr(key_start, i - key_start));
    skip();
    if (i >= text.size() || text[i] != '=')
      // The word itself is not shown: it may be half of an unquoted password with a blank.
      url_error(shown, fmt::format("word {} of the conninfo string has no '='", out.params.size() + 1 +
                                                                               !out.user.empty() +
                                                                               !out.password.empty()),
                "write keyword=value pairs separated by spaces, e.g. host=localhost dbname=app");
    ++i;
    skip();
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          value += text[i + 1];
          i += 2;
        } else if (text[i] == '\'') {
          ++i;
          closed = true;
          break;
        } else {
          value += text[i++];
        }
      }
      if (!closed)
        url_error(shown, fmt::format("the quoted value of '{}' has no closing quote", key),
                  "close the value with ', and write a quote inside it as \\'");
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i++];
      }
    }
    const std::string l = lower(key);
    if (l == "user") out.user = std::move(value);
    else if (l == "password") out.password = std::move(value);
    else out.params.emplace_back(key, std::move(value));
  }
  return out;
}

url_parts parse_odbc(std::string_view rest, const std::string& shown) {
  url_parts out;
  rest = trim(rest);
  if (rest.empty())
    url_error(shown, "the ODBC connection string is empty",
              "write odbc:DSN=name or odbc:Driver={...};Server=...;Database=...");
  out.odbc_given = std::string(rest);
  if (rest.find('=') == std::string_view::npos) out.odbc_given = "DSN=" + out.odbc_given;
  out.odbc_pairs = split_semicolon_pairs(out.odbc_given);
  for (const auto& [key, value] : out.odbc_pairs) {
    const std::string l = lower(key);
    if (l == "driver") {
      const std::string d = lower(value);
      if (d.find("postgres") != std::string::npos) out.family = dialect::postgresql;
      else if (d.find("maria") != std::string::npos || d.find("mysql") != std::string::npos)
        out.family = dialect::mysql;
      else if (d.find("sqlite") != std::string::npos) out.family = dialect::sqlite;
      else if (d.find("sql server") != std::string::npos || d.find("sqlserver") != std::string::npos ||
               d.find("freetds") != std::string::npos)
        out.family = dialect::sqlserver;
    } else if (l == "server" || l == "host" || l == "servername") {
      out.host = value;
    } else if (l == "port") {
      if (const auto n = parse_int(value)) out.port = static_cast<int>(*n);
    } else if (l == "database" || l == "db") {
      out.database = value;
    } else if (l == "uid" || l == "user" || l == "username") {
      out.user = value;
    } else if (l == "pwd" || l == "password") {
      out.password = value;
    } else {
      out.params.emplace_back(key, value);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> split_semicolon_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t key_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ';') ++i;
    const std::string key(trim(text.substr(key_start, i - key_start)));
    std::string value;
    if (i < text.size() && text[i] == '=') {
      ++i;
      while (i < text.size() && text[i] == ' ') ++i;
      if (i < text.size() && text[i] == '{') {
        ++i;
        while (i < text.size()) {
          if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            value += '}';
            i += 2;
          } else if (text[i] == '}') {
            ++i;
            break;
          } else {
            value += text[i++];
          }
        }
        while (i < text.size() && text[i] != ';') ++i;
      } else {
        const std::size_t v = i;
        while (i < text.size() && text[i] != ';') ++i;
        value = std::string(trim(text.substr(v, i - v)));
      }
    }
    if (i < text.size()) ++i;  // the ';'
    if (!key.empty()) out.emplace_back(key, std::move(value));
  }
  return out;
}

std::string odbc_quote(std::string_view value) {
  const bool plain = value.find_first_of(";{}") == std::string_view::npos &&
                     (value.empty() || (value.front() != ' ' && value.back() != ' '));
  if (plain) return std::string(value);
  std::string out = "{";
  for (char c : value) {
    out += c;
    if (c == '}') out += '}';
  }
  return out + "}";
}

}  // namespace sluice::config::detail
