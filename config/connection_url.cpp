#include "config/connection_url.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include "config/rules.hpp"
#include "config/url_parts.hpp"

namespace sluice::config {

using detail::lower;
using detail::url_parts;

std::string_view to_string(dialect d) noexcept {
  switch (d) {
    case dialect::postgresql: return "postgresql";
    case dialect::mysql: return "mysql";
    case dialect::sqlite: return "sqlite";
    case dialect::sqlserver: return "sqlserver";
    case dialect::generic: return "generic";
  }
  return "generic";
}

namespace {

constexpr std::string_view dialect_names =
    "PostgreSqlDatabaseDialect, MySqlDatabaseDialect, SqliteDatabaseDialect, "
    "SqlServerDatabaseDialect, GenericDatabaseDialect (or postgresql, mysql, mariadb, sqlite, "
    "sqlserver, generic)";

std::optional<dialect> dialect_from_name(std::string_view name) {
  const std::string l = lower(detail::trim(name));
  if (l == "postgresqldatabasedialect" || l == "postgresql" || l == "postgres") return dialect::postgresql;
  if (l == "mysqldatabasedialect" || l == "mysql" || l == "mariadb") return dialect::mysql;
  if (l == "sqlitedatabasedialect" || l == "sqlite") return dialect::sqlite;
  if (l == "sqlserverdatabasedialect" || l == "sqlserver") return dialect::sqlserver;
  if (l == "genericdatabasedialect" || l == "generic") return dialect::generic;
  return std::nullopt;
}

bool is_secret_param(std::string_view key) {
  const std::string l = lower(key);
  return l == "pwd" || l.ends_with("password");
}

// Whether `text` at `i` starts another "key=" pair (blanks allowed around the key).
bool starts_pair(std::string_view text, std::size_t i) {
  while (i < text.size() && text[i] == ' ') ++i;
  const std::size_t key = i;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' ||
                             text[i] == '.' || text[i] == '-'))
    ++i;
  if (i == key) return false;
  while (i < text.size() && text[i] == ' ') ++i;
  return i < text.size() && text[i] == '=';
}

// The end of a secret value starting at `i`, in the quoting of the surrounding form. mode: '&'
// URL parameters, ';' ODBC / SQL Server properties, ' ' conninfo, 'a' either ';' or ' ' (a
// string without a scheme). A separator ends the value only when another key=value pair follows
// it: a password holding the separator ("password=a;b") is then masked whole, never in part.
std::size_t value_end(std::string_view text, std::size_t i, char mode) {
  if (i < text.size() && text[i] == '\'' && (mode == ' ' || mode == 'a')) {  // conninfo 'quoted'
    for (++i; i < text.size(); ++i) {
      if (text[i] == '\\') ++i;
      else if (text[i] == '\'') return std::min(i + 1, text.size());
    }
    return text.size();
  }
  if (i < text.size() && text[i] == '{' && (mode == ';' || mode == 'a')) {  // ODBC {braced}
    for (++i; i < text.size(); ++i) {
      if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') ++i;
      else if (text[i] == '}') return i + 1;
    }
    return text.size();
  }
  while (i < text.size()) {
    const char c = text[i];
    const bool separator = (mode == '&' && c == '&') || ((mode == ';' || mode == 'a') && c == ';') ||
                           ((mode == ' ' || mode == 'a') && std::isspace(static_cast<unsigned char>(c)));
    if (separator && (i + 1 == text.size() || starts_pair(text, i + 1))) break;
    if ((mode == ' ' || mode == 'a') && c == '\\') ++i;
    ++i;
  }
  return std::min(i, text.size());
}

std::string conninfo_quote(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// libpq's own keywords: these pass from a JDBC URL into the conninfo unchanged.
bool is_libpq_keyword(std::string_view k) {
  static constexpr std::array<std::string_view, 31> keywords = {
      "hostaddr", "passfile", "channel_binding", "connect_timeout", "client_encoding", "options",
      "application_name", "fallback_application_name", "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "tcp_user_timeout", "gssencmode", "sslmode",
      "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl",
      "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version",
      "krbsrvname", "gsslib", "service", "target_session_attrs"};
  return std::find(keywords.begin(), keywords.end(), k) != keywords.end();
}

// pgjdbc parameter names → libpq keywords; parameters only the JVM driver knows are left out.
std::vector<std::pair<std::string, std::string>> libpq_params(const url_parts& p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (p.libpq_native) {
    for (const auto& kv : p.params)
      if (kv.first != "host" && kv.first != "port" && kv.first != "dbname") out.push_back(kv);
    return out;
  }
  std::string options, sslmode, ssl;
  for (const auto& [k, v] : p.params) {
    const std::string l = lower(k);
    if (k == "host" || k == "port" || k == "dbname") continue;
    if (l == "ssl") ssl = lower(v);
    else if (l == "sslmode") sslmode = v;
    else if (l == "applicationname") out.emplace_back("application_name", v);
    else if (l == "connecttimeout" || l == "logintimeout") out.emplace_back("connect_timeout", v);
    else if (l == "currentschema") options += " -c search_path=" + v;
    else if (l == "options") options += " " + v;
    else if (l == "tcpkeepalive") out.emplace_back("keepalives", lower(v) == "true" ? "1" : "0");
    else if (l == "gssencmode") out.emplace_back("gssencmode", v);
    else if (l == "channelbinding") out.emplace_back("channel_binding", v);
    else if (l == "targetservertype") {
      const std::string t = lower(v);
      if (t == "any") out.emplace_back("target_session_attrs", "any");
      else if (t == "primary" || t == "master") out.emplace_back("target_session_attrs", "primary");
      else if (t == "secondary" || t == "slave") out.emplace_back("target_session_attrs", "standby");
      else if (t == "prefersecondary" || t == "preferslave")
        out.emplace_back("target_session_attrs", "prefer-standby");
    } else if (is_libpq_keyword(k)) {
      out.emplace_back(k, v);
    }
  }
  // pgjdbc: ssl=true without sslmode means verify-full.
  if (sslmode.empty() && ssl == "true") sslmode = "verify-full";
  if (!sslmode.empty()) out.emplace_back("sslmode", sslmode);
  if (!options.empty()) out.emplace_back("options", std::string(detail::trim(options)));
  return out;
}

std::string build_conninfo(const connection_target& t, const url_parts& p) {
  std::vector<std::string> items;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!v.empty()) items.push_back(fmt::format("{}={}", k, conninfo_quote(v)));
  };
  add("host", t.host);
  if (t.port) add("port", std::to_string(t.port));
  add("dbname", t.database);
  add("user", t.user);
  add("password", t.password);
  for (const auto& [k, v] : libpq_params(p)) add(k, v);
  return detail::join(items, " ");
}

std::string build_odbc(const connection_target& t, const url_parts& p, dialect family) {
  std::vector<std::string> items;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!v.empty()) items.push_back(fmt::format("{}={}", k, detail::odbc_quote(v)));
  };
  const std::string port = t.port ? std::to_string(t.port) : "";
  switch (family) {
    case dialect::postgresql:
      items.push_back("Driver={PostgreSQL Unicode}");
      add("Server", t.host);
      add("Port", port);
      add("Database", t.database);
      for (const auto& [k, v] : libpq_params(p))
        if (k == "sslmode") add("SSLmode", v);
      break;
    case dialect::mysql:
      items.push_back("Driver={MariaDB Unicode}");
      add("Server", t.host);
      add("Port", port);
      add("Database", t.database);
      for (const auto& [k, v] : p.params)
        if (lower(k) == "localsocket") add("Socket", v);  // MariaDB Connector/J's unix socket
      break;
    case dialect::sqlite:
      items.push_back("Driver={SQLite3}");
      add("Database", t.database);
      // Results are stepped through row by row instead of read whole into memory first (the
      // driver still reads whole a statement with parameters: poll_sql.cpp).
      add("StepAPI", "1");
      return detail::join(items, ";");  // SQLite has no users
    case dialect::sqlserver:
      items.push_back("Driver={ODBC Driver 18 for SQL Server}");
      add("Server", fmt::format("tcp:{},{}", t.host, t.port));
      add("Database", t.database);
      for (const auto& [k, v] : p.params) {
        const std::string l = lower(k);
        const std::string yes_no = lower(v) == "true" ? "yes" : lower(v) == "false" ? "no" : v;
        if (l == "encrypt") add("Encrypt", yes_no);
        else if (l == "trustservercertificate") add("TrustServerCertificate", yes_no);
      }
      break;
    case dialect::generic:
      break;
  }
  add("UID", t.user);
  add("PWD", t.password);
  return detail::join(items, ";");
}

// An odbc: string as given, with UID/PWD replaced when connection.user/password override them.
std::string rebuild_odbc(const url_parts& p, std::string_view user, std::string_view password) {
  if (user.empty() && password.empty()) return p.odbc_given;
  std::vector<std::string> items;
  bool had_user = false, had_password = false;
  for (const auto& [k, v] : p.odbc_pairs) {
    const std::string l = lower(k);
    std::string value = v;
    if ((l == "uid" || l == "user" || l == "username") && !user.empty()) {
      value = std::string(user);
      had_user = true;
    } else if ((l == "pwd" || l == "password") && !password.empty()) {
      value = std::string(password);
      had_password = true;
    }
    items.push_back(fmt::format("{}={}", k, detail::odbc_quote(value)));
  }
  if (!user.empty() && !had_user) items.push_back("UID=" + detail::odbc_quote(user));
  if (!password.empty() && !had_password) items.push_back("PWD=" + detail::odbc_quote(password));
  return detail::join(items, ";");
}

url_parts parse_any(std::string_view url, const std::string& shown) {
  const std::string l = lower(url.substr(0, std::min<std::size_t>(url.size(), 32)));
  auto rest_after = [&](std::string_view prefix) { return url.substr(prefix.size()); };
  if (l.starts_with("jdbc:postgresql:")) return detail::parse_jdbc_postgresql(rest_after("jdbc:postgresql:"), shown);
  if (l.starts_with("jdbc:mysql:")) return detail::parse_jdbc_mysql(rest_after("jdbc:mysql:"), shown);
  if (l.starts_with("jdbc:mariadb:")) return detail::parse_jdbc_mysql(rest_after("jdbc:mariadb:"), shown);
  if (l.starts_with("jdbc:sqlite:")) return detail::parse_jdbc_sqlite(rest_after("jdbc:sqlite:"), shown);
  if (l.starts_with("jdbc:sqlserver:")) return detail::parse_jdbc_sqlserver(rest_after("jdbc:sqlserver:"), shown);
  if (l.starts_with("postgresql://")) return detail::parse_libpq_uri(rest_after("postgresql://"), shown);
  if (l.starts_with("postgres://")) return detail::parse_libpq_uri(rest_after("postgres://"), shown);
  if (l.starts_with("odbc:")) return detail::parse_odbc(rest_after("odbc:"), shown);
  if (l.starts_with("jdbc:")) {
    const auto end = url.find(':', 5);
    detail::url_error(shown,
                      fmt::format("JDBC URLs for '{}' have no native driver in sluice",
                                  url.substr(5, end == std::string_view::npos ? end : end - 5)),
                      "use jdbc:postgresql, jdbc:mysql, jdbc:mariadb, jdbc:sqlite or jdbc:sqlserver, "
                      "or reach the database through ODBC with odbc:Driver={...};... and "
                      "dialect.name=GenericDatabaseDialect");
  }
  if (url.find('=') != std::string_view::npos && url.find("://") == std::string_view::npos)
    return detail::parse_conninfo(url, shown);
  detail::url_error(shown, "this is not a form sluice knows",
                    "write a JDBC URL (jdbc:postgresql://host:5432/db), a libpq URI "
                    "(postgresql://host/db), a conninfo string (host=.. dbname=..) or odbc:...");
}

}  // namespace

std::string mask_url_secrets(std::string_view text) {
  std::string s(text);
  const std::string l = lower(s);
  const char mode = (l.starts_with("odbc:") || l.starts_with("jdbc:sqlserver:")) ? ';'
                    : (l.find("://") != std::string::npos || l.starts_with("jdbc:"))  ? '&'
                                                                                       : 'a';
  // user:password@ in the authority of a URL, split where the parser splits it
  // (detail::userinfo_end); when that is not certain, everything up to the last '@'.
  if (const auto scheme = s.find("://"); scheme != std::string::npos && mode != ';') {
    const std::size_t begin = scheme + 3;
    const std::string_view rest = std::string_view(s).substr(begin);
    std::size_t at = detail::userinfo_end(rest);
    if (detail::userinfo_is_ambiguous(rest)) at = rest.rfind('@');
    if (at != std::string::npos) {
      const auto colon = rest.find(':');
      if (colon != std::string::npos && colon < at) s.replace(begin + colon + 1, at - colon - 1, "[secret]");
    }
  }
  // Oracle's jdbc:oracle:thin:user/password@host.
  if (l.starts_with("jdbc:oracle:")) {
    const auto at = s.rfind('@');
    const auto slash = s.find('/');
    if (slash != std::string::npos && at != std::string::npos && slash < at)
      s.replace(slash + 1, at - slash - 1, "[secret]");
  }
  // key=value parameters whose key is a password.
  for (std::size_t eq = s.find('='); eq != std::string::npos; eq = s.find('=', eq + 1)) {
    std::size_t k_end = eq;
    while (k_end > 0 && s[k_end - 1] == ' ') --k_end;
    std::size_t k_begin = k_end;
    while (k_begin > 0 && (std::isalnum(static_cast<unsigned char>(s[k_begin - 1])) ||
                           s[k_begin - 1] == '_' || s[k_begin - 1] == '.' || s[k_begin - 1] == '-'))
      --k_begin;
    if (k_begin == k_end || !is_secret_param(std::string_view(s).substr(k_begin, k_end - k_begin))) continue;
    std::size_t v_begin = eq + 1;
    while (v_begin < s.size() && s[v_begin] == ' ') ++v_begin;
    const std::size_t v_end = value_end(s, v_begin, mode);
    s.replace(v_begin, v_end - v_begin, "[secret]");
    eq = v_begin;
  }
  return s;
}

connection_target parse_connection_url(std::string_view url, std::string_view user, std::string_view password,
                                       std::string_view dialect_name,
                                       const std::vector<std::pair<std::string, std::string>>& driver_properties) {
  url = detail::trim(url);
  const std::string shown = mask_url_secrets(url);
  if (url.empty())
    detail::url_error("connection.url", "connection.url is empty",
                      "set connection.url, e.g. jdbc:postgresql://localhost:5432/mydb");
  std::optional<dialect> chosen;
  if (!detail::trim(dialect_name).empty()) {
    chosen = dialect_from_name(dialect_name);
    if (!chosen)
      detail::url_error(shown, fmt::format("dialect.name '{}' is not a dialect sluice has", dialect_name),
                        fmt::format("set dialect.name to one of {}, or leave it empty", dialect_names));
  }
  url_parts p = parse_any(url, shown);
  for (const auto& [k, v] : driver_properties) {
    const std::string l = lower(k);
    if (l == "user" && p.user.empty()) p.user = v;
    else if (l == "password" && p.password.empty()) p.password = v;
    else if (l != "user" && l != "password" &&
             std::none_of(p.params.begin(), p.params.end(), [&](const auto& kv) { return lower(kv.first) == l; }))
      p.params.emplace_back(k, v);  // a parameter written in the URL wins, as in pgjdbc
  }
  if (chosen && p.family && *chosen != dialect::generic && *chosen != *p.family)
    detail::url_error(shown,
                      fmt::format("dialect.name says {} but connection.url is a {} URL",
                                  to_string(*chosen), to_string(*p.family)),
                      "remove dialect.name (it is detected from the URL), or set it to "
                      "GenericDatabaseDialect");

  connection_target t{};
  t.kind = chosen ? *chosen : p.family.value_or(dialect::generic);
  t.host = p.host;
  t.port = p.port;
  t.database = p.database;
  t.user = user.empty() ? p.user : std::string(user);
  t.password = password.empty() ? p.password : std::string(password);
  for (const auto& [k, v] : p.params) {
    // libpq URIs and JDBC URLs may also name host, port and dbname as parameters (unix sockets).
    if (p.family == dialect::postgresql && (k == "host" || k == "port" || k == "dbname")) {
      if (k == "host") t.host = v;
      else if (k == "dbname") t.database = v;
      else if (const auto n = detail::parse_int(v); n && *n > 0 && *n < 65536) t.port = static_cast<int>(*n);
      else detail::url_error(shown, fmt::format("port '{}' is not a number from 1 to 65535", v),
                             "write port=5432");
      continue;
    }
    t.params[k] = v;
  }
  if (p.family == dialect::postgresql) t.libpq_conninfo = build_conninfo(t, p);
  t.odbc = p.family && p.odbc_given.empty() ? build_odbc(t, p, *p.family) : rebuild_odbc(p, user, password);
  t.display = shown;
  t.pool_key = fmt::format("{}|{}|{}|{}|{}", to_string(t.kind), t.host, t.port, t.database, t.user);
  if (t.host.empty() && t.database.empty()) t.pool_key += "|" + mask_url_secrets(t.odbc);
  return t;
}

}  // namespace sluice::config
