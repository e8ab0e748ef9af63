#pragma once
// Internal to config/: connection.url taken apart, before it is turned into a libpq conninfo or
// an ODBC string (connection_url.cpp). One parser per accepted form (url_forms.cpp).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "config/connection_url.hpp"

namespace sluice::config::detail {

struct url_parts {
  std::optional<dialect> family;  // what the URL is for; none for an ODBC DSN or unknown driver
  bool libpq_native = false;      // postgresql:// or conninfo: params are libpq keywords already
  std::string host;
  int port = 0;
  std::string database;
  std::string user;
  std::string password;
  std::vector<std::pair<std::string, std::string>> params;  // other parameters, in order, as given
  // odbc: only: the pairs of the given connection string (keys as written), in order.
  std::vector<std::pair<std::string, std::string>> odbc_pairs;
  std::string odbc_given;  // odbc: only: the connection string exactly as given
};

// Each throws sluice::error whose text holds `shown` (the URL with passwords masked) but never
// the password. `rest` is the text after the scheme ("jdbc:postgresql:", "odbc:", ...).
url_parts parse_jdbc_postgresql(std::string_view rest, const std::string& shown);
url_parts parse_jdbc_mysql(std::string_view rest, const std::string& shown);
url_parts parse_jdbc_sqlite(std::string_view rest, const std::string& shown);
url_parts parse_jdbc_sqlserver(std::string_view rest, const std::string& shown);
url_parts parse_libpq_uri(std::string_view rest, const std::string& shown);  // after "://"
url_parts parse_conninfo(std::string_view text, const std::string& shown);
url_parts parse_odbc(std::string_view rest, const std::string& shown);

// Splits "k=v;k={v;w};..." (ODBC and SQL Server JDBC property syntax; braces quote, "}}" is "}").
std::vector<std::pair<std::string, std::string>> split_semicolon_pairs(std::string_view text);
// ODBC value quoting: braces when the value has ; { } or edge blanks.
std::string odbc_quote(std::string_view value);

// Where the user info of a URL ends: the index in `rest` (the text after "//") of the '@' that
// separates "user:password" from the host, or npos when there is none. Passwords are often
// written unencoded, so the user info may hold '?', '#', ':' and '@' (the last '@' before the
// path is the separator), but an '@' in a parameter (?user=admin@server) is not one.
std::size_t userinfo_end(std::string_view rest);
// True when the text after "//" cannot be split safely: an '@' comes after the authority while
// the authority's port is no number, or the path holds an '@'. Both mean a password with '/'
// (or '?' and '=') written unencoded; such a URL is refused and masked through its last '@'.
bool userinfo_is_ambiguous(std::string_view rest);

[[noreturn]] void url_error(const std::string& shown, std::string why, std::string fix);

}  // namespace sluice::config::detail
