#include "tests/support/odbc_client.hpp"

#include <memory>
#include <stdexcept>

#include <sql.h>
#include <sqlext.h>

namespace sluice::testing {
namespace {

struct handle_deleter {
  SQLSMALLINT type;
  void operator()(SQLHANDLE h) const noexcept { SQLFreeHandle(type, h); }
};
using handle_ptr = std::unique_ptr<void, handle_deleter>;

// Disconnects before the connection handle is freed (declared after it, destroyed first).
struct connection_guard {
  SQLHDBC dbc = nullptr;
  ~connection_guard() {
    if (dbc) SQLDisconnect(dbc);
  }
};

std::string diagnostics(SQLSMALLINT type, SQLHANDLE h) {
  std::string out;
  SQLCHAR state[6] = {};
  SQLCHAR text[1024] = {};
  SQLINTEGER native = 0;
  SQLSMALLINT len = 0;
  for (SQLSMALLINT i = 1; SQLGetDiagRec(type, h, i, state, &native, text, sizeof text, &len) ==
                          SQL_SUCCESS;
       ++i) {
    if (!out.empty()) out += "; ";
    out += std::string(reinterpret_cast<char*>(state)) + ": " + reinterpret_cast<char*>(text);
  }
  return out;
}

void check(SQLRETURN rc, SQLSMALLINT type, SQLHANDLE h, const std::string& what) {
  if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) return;
  throw std::runtime_error("ODBC " + what + " failed: " + diagnostics(type, h));
}

handle_ptr alloc(SQLSMALLINT type, SQLHANDLE parent) {
  SQLHANDLE h = SQL_NULL_HANDLE;
  if (!SQL_SUCCEEDED(SQLAllocHandle(type, parent, &h)))
    throw std::runtime_error("ODBC handle allocation failed");
  return handle_ptr(h, handle_deleter{type});
}

text_rows run(const std::string& connection_string, const std::string& sql) {
  handle_ptr env = alloc(SQL_HANDLE_ENV, SQL_NULL_HANDLE);
  SQLSetEnvAttr(env.get(), SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
  handle_ptr dbc = alloc(SQL_HANDLE_DBC, env.get());
  check(SQLDriverConnect(dbc.get(), nullptr,
                         reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())),
                         SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT),
        SQL_HANDLE_DBC, dbc.get(), "connect");
  connection_guard connected{dbc.get()};
  handle_ptr stmt = alloc(SQL_HANDLE_STMT, dbc.get());
  check(SQLExecDirect(stmt.get(), reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())),
                      SQL_NTS),
        SQL_HANDLE_STMT, stmt.get(), "statement \"" + sql + "\"");

  text_rows rows;
  for (;;) {
    SQLSMALLINT cols = 0;
    SQLNumResultCols(stmt.get(), &cols);
    if (cols > 0) {
      rows.clear();
      for (SQLRETURN rc; (rc = SQLFetch(stmt.get())) != SQL_NO_DATA;) {
        check(rc, SQL_HANDLE_STMT, stmt.get(), "fetch");
        auto& row = rows.emplace_back();
        for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(cols); ++c) {
          std::string value;
          char buf[4096];
          SQLLEN ind = 0;
          bool is_null = false;
          for (;;) {
            SQLRETURN g = SQLGetData(stmt.get(), c, SQL_C_CHAR, buf, sizeof buf, &ind);
            if (g == SQL_NO_DATA) break;
            check(g, SQL_HANDLE_STMT, stmt.get(), "get data");
            if (ind == SQL_NULL_DATA) {
              is_null = true;
              break;
            }
            bool truncated = ind == SQL_NO_TOTAL || ind >= static_cast<SQLLEN>(sizeof buf);
            value.append(buf, truncated ? sizeof buf - 1 : static_cast<std::size_t>(ind));
            if (!truncated) break;
          }
          row.push_back(is_null ? std::nullopt : std::optional<std::string>(value));
        }
      }
    }
    SQLRETURN more = SQLMoreResults(stmt.get());
    if (more == SQL_NO_DATA) break;
    check(more, SQL_HANDLE_STMT, stmt.get(), "statement \"" + sql + "\"");
  }
  return rows;
}

}  // namespace

void odbc_exec(const std::string& connection_string, const std::string& sql) {
  run(connection_string, sql);
}

text_rows odbc_query(const std::string& connection_string, const std::string& sql) {
  return run(connection_string, sql);
}

}  // namespace sluice::testing
