#include "dialects/odbc/errors.hpp"

#include <sqlext.h>

#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string mysql_state(const diag_record& r) {
  switch (r.native) {
    case 1205: return "HYT00";  // lock wait timeout: the statement gave up waiting
    case 1969: case 3024: return "HYT00";  // max_statement_time / max_execution_time
    case 1213: return "40001";  // deadlock victim
    case 2002: case 2003: case 2005: return "08001";
    case 1040: return "08004";  // too many connections
    case 2006: case 2013: case 2055: case 1053: case 1927: case 4031: return "08S01";
    case 1406: return "22001";
    case 1264: case 1690: return "22003";
    case 1292: case 1366: case 1367: return "22007";
    case 1265: return "22001";
    case 1048: case 1062: case 1451: case 1452: case 1557: case 1586: return "23000";
    case 1146: return "42S02";
    case 1054: return "42S22";
    case 1050: return "42S01";
    case 1060: return "42S21";
    case 1045: return "28000";
    case 1300: return "22021";  // invalid character string
    default: return r.sqlstate;
  }
}

std::string sqlite_state(const diag_record& r) {
  switch (r.native & 0xFF) {  // extended result codes keep the primary code in the low byte
    case 5: case 6: return "HYT00";  // SQLITE_BUSY / SQLITE_LOCKED: another writer holds the lock
    case 19: return "23000";
    case 20: return "22018";
    case 18: return "22001";
    case 13: return "53100";
    case 8: return "25006";
    case 14: return "08001";
    default: break;
  }
  const std::string_view m = r.message;
  if (contains(m, "no such table")) return "42S02";
  if (contains(m, "no such column") || contains(m, "has no column named")) return "42S22";
  if (contains(m, "already exists")) return "42S01";
  if (contains(m, "duplicate column name")) return "42S21";
  return r.sqlstate;
}

std::string postgres_state(const diag_record& r) {
  const std::string_view m = r.message;
  if (r.sqlstate == "HY000" || r.sqlstate.empty()) {
    if (contains(m, "connection dead") || contains(m, "no connection to the server") ||
        contains(m, "server closed the connection") || contains(m, "Could not send Query") ||
        contains(m, "communication error"))
      return "08S01";
  }
  return r.sqlstate;
}

std::string sqlserver_state(const diag_record& r) {
  switch (r.native) {
    case 1205: return "40001";
    case 40501: case 10928: case 10929: return "HYT00";  // service busy / resource limits
    case 40613: case 40197: case 49918: case 49919: case 49920: return "08S01";
    default: return r.sqlstate;
  }
}

}  // namespace

std::vector<diag_record> read_diagnostics(SQLSMALLINT type, SQLHANDLE h, bool narrow) {
  std::vector<diag_record> out;
  if (h == SQL_NULL_HANDLE) return out;
  if (narrow) {
    for (SQLSMALLINT i = 1; i < 16; ++i) {
      SQLCHAR state[6] = {};
      SQLINTEGER native = 0;
      SQLSMALLINT len = 0;
      std::string text(2048, '\0');
      if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, i, state, &native, reinterpret_cast<SQLCHAR*>(text.data()),
                                       static_cast<SQLSMALLINT>(text.size()), &len)))
        break;
      text.resize(std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(len, 0)), text.size() - 1));
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      out.push_back({reinterpret_cast<char*>(state), native, std::move(text)});
    }
    return out;
  }
  for (SQLSMALLINT i = 1; i < 16; ++i) {
    SQLWCHAR state[6] = {};
    SQLINTEGER native = 0;
    SQLSMALLINT len = 0;
    std::u16string text(1024, u'\0');
    SQLRETURN rc = SQLGetDiagRecW(type, h, i, state, &native,
                                  reinterpret_cast<SQLWCHAR*>(text.data()),
                                  static_cast<SQLSMALLINT>(text.size()), &len);
    if (rc == SQL_SUCCESS_WITH_INFO && len >= static_cast<SQLSMALLINT>(text.size())) {
      text.assign(static_cast<std::size_t>(len) + 1, u'\0');
      rc = SQLGetDiagRecW(type, h, i, state, &native, reinterpret_cast<SQLWCHAR*>(text.data()),
                          static_cast<SQLSMALLINT>(text.size()), &len);
    }
    if (!SQL_SUCCEEDED(rc)) break;
    diag_record r;
    for (int k = 0; k < 5 && state[k]; ++k) r.sqlstate += static_cast<char>(state[k]);
    r.native = native;
    text.resize(std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(len, 0)),
                                      text.size()));
    r.message = to_utf8(text);
    while (!r.message.empty() && (r.message.back() == '\n' || r.message.back() == ' '))
      r.message.pop_back();
    out.push_back(std::move(r));
  }
  return out;
}

std::string normalized_sqlstate(config::dialect d, const diag_record& r) {
  // unixODBC reports a driver library it cannot load as a warning state.
  if (r.sqlstate == "01000" && contains(r.message, "Can't open lib")) return "IM002";
  switch (d) {
    case config::dialect::mysql: return mysql_state(r);
    case config::dialect::sqlite: return sqlite_state(r);
    case config::dialect::postgresql: return postgres_state(r);
    case config::dialect::sqlserver: return sqlserver_state(r);
    case config::dialect::generic: return r.sqlstate;
  }
  return r.sqlstate;
}

bool is_retryable(std::string_view s) noexcept {
  return s.starts_with("08") || s.starts_with("53") || s == "40001" || s == "40P01" ||
         s == "40003" || s == "HYT00" || s == "HYT01" || s == "57P01" || s == "57P02" ||
         s == "57P03";
}

bool poisons_connection(std::string_view s) noexcept {
  return s.starts_with("08") || s == "40003" || s == "HYT01" || s == "57P01" || s == "57P02" ||
         s == "57P03";
}

std::string_view fix_for(std::string_view s) noexcept {
  if (s == "28000" || s == "28P01")
    return "check connection.user and connection.password (or the user and password in "
           "connection.url)";
  if (s == "08001")
    return "check the host, port and database in connection.url and that the database is running";
  if (s == "08004" || s == "53300")
    return "the server refused more connections: lower connection.pool.max.size or tasks.max, or "
           "raise the server's connection limit";
  if (s == "IM002")
    return "install the ODBC driver that connection.url names (odbcinst -q -d lists the "
           "installed ones) or correct Driver=/DSN= in connection.url";
  if (s == "42S02") return "create the table, or set auto.create=true";
  if (s == "42S22") return "add the column, or set auto.evolve=true";
  if (s == "HYT00")
    return "another session held a lock for too long; the write is retried up to max.retries";
  return {};
}

sluice::error classify(config::dialect d, const std::vector<diag_record>& records,
                       std::string what, std::string where, std::string_view secret) {
  std::string why, code;
  for (const auto& r : records) {
    if (!why.empty()) why += "; ";
    why += r.message.empty() ? r.sqlstate : r.message;
    // The first error decides; warnings (class 01) only when nothing else is there.
    const auto state = normalized_sqlstate(d, r);
    if (code.empty() || (code.starts_with("01") && !state.starts_with("01"))) code = state;
  }
  if (records.empty()) why = "the ODBC driver gave no diagnostics";
  if (!secret.empty())
    for (auto at = why.find(secret); at != std::string::npos; at = why.find(secret, at + 8))
      why.replace(at, secret.size(), "[secret]");
  return sluice::error({.what = std::move(what), .where = std::move(where), .why = std::move(why),
                        .fix = std::string(fix_for(code)), .code = code,
                        .retryable = is_retryable(code),
                        .poisons_connection = poisons_connection(code)});
}

}  // namespace sluice::odbc
