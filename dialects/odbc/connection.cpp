#include "dialects/odbc/connection.hpp"

#include <algorithm>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/odbc/errors.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
namespace {

SQLWCHAR* wide(std::u16string& s) { return reinterpret_cast<SQLWCHAR*>(s.data()); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value of `key` in a connection string (the last one given), lower-cased. Keys are
// case-insensitive; items are separated by ';', blanks around keys and values ignored.
std::optional<std::string> key_value(std::string_view conn, std::string_view key) {
  std::optional<std::string> found;
  const std::string l = lower(conn), k = lower(key);
  std::size_t start = 0;
  while (start <= l.size()) {
    std::size_t end = l.find(';', start);
    if (end == std::string::npos) end = l.size();
    const std::string_view item(l.data() + start, end - start);
    if (auto eq = item.find('='); eq != std::string_view::npos) {
      auto trim = [](std::string_view v) {
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        return v;
      };
      if (trim(item.substr(0, eq)) == k) found = std::string(trim(item.substr(eq + 1)));
    }
    start = end + 1;
  }
  return found;
}

bool has_key(std::string_view conn, std::string_view key) { return key_value(conn, key).has_value(); }

}  // namespace

std::vector<std::string> session_sql(config::dialect d) {
  switch (d) {
    case config::dialect::mysql:
      return {"SET time_zone = '+00:00'",
              "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,"
              "NO_AUTO_VALUE_ON_ZERO,ERROR_FOR_DIVISION_BY_ZERO'"};
    case config::dialect::postgresql: return {"SET TimeZone = 'UTC'"};
    // Timestamps travel as 'YYYY-MM-DD HH:MM:SS…' text. datetime and smalldatetime read that form
    // by the session's DATEFORMAT, which follows the login's language: under British, Deutsch or
    // Français '2024-03-05' would be 3 May (and day 13-31 an error). ymd reads it as written.
    case config::dialect::sqlserver: return {"SET DATEFORMAT ymd"};
    default: return {};
  }
}

namespace {

std::string short_sql(std::string_view sql) {
  std::string s(sql.substr(0, 160));
  if (sql.size() > 160) s += "…";
  return s;
}

}  // namespace

std::shared_ptr<env_ptr> environment() {
  static std::mutex mu;
  static std::weak_ptr<env_ptr> shared;
  std::lock_guard lock(mu);
  if (auto e = shared.lock()) return e;
  SQLHANDLE h = SQL_NULL_HANDLE;
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h)))
    throw sluice::error({.what = "cannot start ODBC", .why = "unixODBC could not allocate an environment",
                         .fix = "check that unixODBC (libodbc2) is installed"});
  auto e = std::make_shared<env_ptr>(h);
  SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
  shared = e;
  return e;
}

std::string effective_connection_string(std::string_view given, config::dialect family) {
  std::string s(given);
  auto add = [&](std::string_view kv) {
    if (!s.empty() && s.back() != ';') s += ';';
    s += kv;
  };
  if (family == config::dialect::mysql && !has_key(s, "CHARSET")) add("CHARSET=utf8mb4");
  // psqlODBC would wrap every statement in a savepoint of its own (a round trip each); sluice
  // rolls back to savepoints it places itself.
  if (family == config::dialect::postgresql && !has_key(s, "Protocol")) add("Protocol=7.4-0");
  return s;
}

// ---- statement ----

statement::statement(connection& c) : c_(&c) {
  SQLHANDLE h = SQL_NULL_HANDLE;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, c.raw(), &h);
  if (!SQL_SUCCEEDED(rc)) c.fail(SQL_HANDLE_DBC, c.raw(), "cannot allocate an ODBC statement");
  h_.reset(h);
}

void statement::check(SQLRETURN rc, const char* what) {
  if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) return;
  fail(what);
}

void statement::fail(const char* what) {
  std::string w = what;
  if (!sql_.empty()) w += fmt::format(" (SQL: {})", short_sql(sql_));
  c_->fail(SQL_HANDLE_STMT, h_.get(), std::move(w));
}

void statement::prepare(std::string_view sql) {
  sql_ = std::string(sql);
  if (c_->narrow()) {
    check(SQLPrepare(h_.get(), reinterpret_cast<SQLCHAR*>(sql_.data()), static_cast<SQLINTEGER>(sql_.size())),
          "cannot prepare a statement");
    return;
  }
  auto w = to_utf16(sql);
  check(SQLPrepareW(h_.get(), wide(w), static_cast<SQLINTEGER>(w.size())), "cannot prepare a statement");
}

void statement::reset_params() noexcept {
  SQLFreeStmt(h_.get(), SQL_RESET_PARAMS);
  SQLSetStmtAttr(h_.get(), SQL_ATTR_PARAMSET_SIZE, reinterpret_cast<SQLPOINTER>(1), 0);
  SQLSetStmtAttr(h_.get(), SQL_ATTR_PARAM_STATUS_PTR, nullptr, 0);
  SQLSetStmtAttr(h_.get(), SQL_ATTR_PARAMS_PROCESSED_PTR, nullptr, 0);
}

void statement::close_cursor() noexcept { SQLFreeStmt(h_.get(), SQL_CLOSE); }

void statement::bind_text(const text_params& params) {
  reset_params();
  bufs_.assign(params.size(), {});
  ind_.assign(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i]) bufs_[i] = to_utf16(*params[i]);
    bufs_[i].push_back(u'\0');
    const auto chars = bufs_[i].size() - 1;
    ind_[i] = params[i] ? static_cast<SQLLEN>(chars * sizeof(char16_t)) : SQL_NULL_DATA;
    check(SQLBindParameter(h_.get(), static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT, SQL_C_WCHAR,
                           chars > 4000 ? SQL_WLONGVARCHAR : SQL_WVARCHAR, std::max<SQLULEN>(chars, 1),
                           0, bufs_[i].data(),
                           static_cast<SQLLEN>(bufs_[i].size() * sizeof(char16_t)), &ind_[i]),
          "cannot bind a parameter");
  }
}

std::int64_t statement::finish(SQLRETURN rc, const char* what) {
  check(rc, what);
  SQLLEN rows = 0;
  if (rc != SQL_NO_DATA && !SQL_SUCCEEDED(SQLRowCount(h_.get(), &rows))) rows = 0;
  return rows < 0 ? 0 : static_cast<std::int64_t>(rows);
}

std::int64_t statement::execute(const text_params& params) {
  bind_text(params);
  return finish(SQLExecute(h_.get()), "statement failed");
}

std::int64_t statement::execute_direct(std::string_view sql, const text_params& params) {
  sql_ = std::string(sql);
  bind_text(params);
  if (c_->narrow())
    return finish(SQLExecDirect(h_.get(), reinterpret_cast<SQLCHAR*>(sql_.data()),
                                static_cast<SQLINTEGER>(sql_.size())),
                  "statement failed");
  auto w = to_utf16(sql);
  return finish(SQLExecDirectW(h_.get(), wide(w), static_cast<SQLINTEGER>(w.size())),
                "statement failed");
}

text_rows statement::fetch_all() {
  text_rows rows;
  SQLSMALLINT cols = 0;
  check(SQLNumResultCols(h_.get(), &cols), "cannot read the result");
  if (cols <= 0) return rows;
  std::u16string buf(2048, u'\0');
  for (;;) {
    SQLRETURN rc = SQLFetch(h_.get());
    if (rc == SQL_NO_DATA) break;
    check(rc, "cannot fetch a row");
    auto& row = rows.emplace_back();
    for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(cols); ++c) {
      std::u16string value;
      bool null = false;
      for (;;) {
        SQLLEN ind = 0;
        SQLRETURN g = SQLGetData(h_.get(), c, SQL_C_WCHAR, buf.data(),
                                 static_cast<SQLLEN>(buf.size() * sizeof(char16_t)), &ind);
        if (g == SQL_NO_DATA) break;
        check(g, "cannot read a value");
        if (ind == SQL_NULL_DATA) {
          null = true;
          break;
        }
        const std::size_t room = buf.size() - 1;  // one char for the terminator
        const bool more = g == SQL_SUCCESS_WITH_INFO &&
                          (ind == SQL_NO_TOTAL || static_cast<std::size_t>(ind) / 2 > room);
        const std::size_t got = more ? room : static_cast<std::size_t>(ind) / sizeof(char16_t);
        value.append(buf.data(), got);
        if (!more) break;
      }
      row.push_back(null ? std::nullopt : std::optional<std::string>(to_utf8(value)));
    }
  }
  close_cursor();
  return rows;
}

// ---- connection ----

connection::connection(std::shared_ptr<env_ptr> env, dbc_ptr dbc, const connect_options& o)
    : env_(std::move(env)), dbc_(std::move(dbc)), family_(o.family), where_(o.where),
      secret_(o.secret) {}

connection::~connection() {
  // An open transaction is rolled back rather than left to the driver's disconnect behaviour.
  if (in_tx_ && !broken_) rollback();
}

std::unique_ptr<connection> connection::open(const connect_options& o) {
  auto env = environment();
  SQLHANDLE h = SQL_NULL_HANDLE;
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env->get(), &h)))
    throw classify(o.family, read_diagnostics(SQL_HANDLE_ENV, env->get()),
                   "cannot allocate an ODBC connection", o.where, o.secret);
  dbc_ptr dbc(h);
  SQLSetConnectAttr(h, SQL_ATTR_LOGIN_TIMEOUT,
                    reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(o.login_timeout.count())), 0);
  // The SQLite ODBC driver is ANSI-only (see narrow() in the header).
  const bool narrow = o.family == config::dialect::sqlite;
  SQLRETURN rc;
  if (narrow) {
    auto cs = effective_connection_string(o.connection_string, o.family);
    rc = SQLDriverConnect(h, nullptr, reinterpret_cast<SQLCHAR*>(cs.data()), static_cast<SQLSMALLINT>(cs.size()),
                          nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
    std::fill(cs.begin(), cs.end(), '\0');  // do not keep the password around
  } else {
    auto cs = to_utf16(effective_connection_string(o.connection_string, o.family));
    rc = SQLDriverConnectW(h, nullptr, wide(cs), static_cast<SQLSMALLINT>(cs.size()), nullptr, 0,
                           nullptr, SQL_DRIVER_NOPROMPT);
    std::fill(cs.begin(), cs.end(), u'\0');
  }
  if (!SQL_SUCCEEDED(rc)) {
    auto recs = read_diagnostics(SQL_HANDLE_DBC, h, narrow);
    auto e = classify(o.family, recs, "cannot connect to the database", o.where, o.secret);
    auto info = e.info();
    // Drivers report a refused or unreachable server with various SQLSTATEs (HY000 from
    // MariaDB 2002/2003 is mapped, psqlODBC says 08001): anything that is not about credentials,
    // the driver or the database name may pass when the server is back.
    if (info.code.empty() || info.code == "HY000" || info.code == "HYT00" ||
        info.code.starts_with("08")) {
      if (info.code != "08004") info.retryable = true;
      if (info.code.empty() || info.code == "HY000") info.code = "08001";
      if (info.fix.empty()) info.fix = std::string(fix_for("08001"));
    }
    throw sluice::error(info);
  }
  std::unique_ptr<connection> c(new connection(std::move(env), std::move(dbc), o));
  c->narrow_ = narrow;
  // SQL_C_CHAR parameters are UTF-8 for the SQLite driver on Unix and are read in the session's
  // character set by MariaDB Connector/ODBC; psqlODBC and unknown drivers read them in the
  // process locale's encoding, so they keep UTF-16.
  if (o.family == config::dialect::sqlite) c->utf8_params_ = true;
  if (o.family == config::dialect::mysql) {
    auto cs = key_value(effective_connection_string(o.connection_string, o.family), "charset");
    c->utf8_params_ = cs && (*cs == "utf8mb4" || *cs == "utf8" || *cs == "utf8mb3");
  }
  if (o.family == config::dialect::generic) {
    // An ANSI driver behind the wide calls gets Latin-1: a non-ASCII literal comes back changed.
    try {
      auto r = c->query("SELECT '\xC3\xBC'");
      c->narrow_ = !r.empty() && r[0][0] && *r[0][0] != "\xC3\xBC";
    } catch (const sluice::error&) {
      // The database needs another form of SELECT: keep the wide calls.
    }
  }
  c->dbms_name_ = c->info_string(SQL_DBMS_NAME);
  c->dbms_version_ = c->info_string(SQL_DBMS_VER);
  c->driver_name_ = c->info_string(SQL_DRIVER_NAME);
  for (const auto& sql : session_sql(o.family)) c->exec(sql);
  return c;
}

void connection::fail(SQLSMALLINT type, SQLHANDLE h, std::string what) {
  auto e = classify(family_, read_diagnostics(type, h, narrow_), std::move(what), where_, secret_);
  if (e.poisons_connection()) broken_ = true;
  throw e;
}

std::string connection::info_string(SQLUSMALLINT type) {
  std::u16string buf(512, u'\0');
  SQLSMALLINT len = 0;
  if (!SQL_SUCCEEDED(SQLGetInfoW(dbc_.get(), type, buf.data(),
                                 static_cast<SQLSMALLINT>(buf.size() * sizeof(char16_t)), &len)))
    return {};
  buf.resize(std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(len, 0)) / 2,
                                   buf.size()));
  return to_utf8(buf);
}

std::uint32_t connection::info_uint(SQLUSMALLINT type) {
  SQLUINTEGER v = 0;
  if (!SQL_SUCCEEDED(SQLGetInfoW(dbc_.get(), type, &v, sizeof v, nullptr))) return 0;
  return v;
}

std::int64_t connection::exec(std::string_view sql, const text_params& params) {
  statement s(*this);
  auto n = s.execute_direct(sql, params);
  // Later statements of a batch report their errors here.
  for (SQLRETURN more; (more = SQLMoreResults(s.raw())) != SQL_NO_DATA;) s.check(more, "statement failed");
  return n;
}

text_rows connection::query(std::string_view sql, const text_params& params) {
  statement s(*this);
  s.execute_direct(sql, params);
  return s.fetch_all();
}

statement& connection::prepared(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return *it->second;
  if (cache_.size() >= 64) {
    cache_.erase(cache_order_.front());
    cache_order_.erase(cache_order_.begin());
  }
  auto s = std::make_unique<statement>(*this);
  s->prepare(sql);
  cache_order_.push_back(sql);
  return *cache_.emplace(sql, std::move(s)).first->second;
}

void connection::set_autocommit(bool on) {
  SQLRETURN rc = SQLSetConnectAttr(dbc_.get(), SQL_ATTR_AUTOCOMMIT,
                                   reinterpret_cast<SQLPOINTER>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF),
                                   0);
  if (!SQL_SUCCEEDED(rc)) fail(SQL_HANDLE_DBC, dbc_.get(), "cannot change autocommit");
}

void connection::begin() {
  if (family_ == config::dialect::sqlite) {
    exec("BEGIN IMMEDIATE");
  } else {
    set_autocommit(false);
  }
  in_tx_ = true;
}

void connection::commit() {
  if (family_ == config::dialect::sqlite) {
    exec("COMMIT");
  } else {
    SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc_.get(), SQL_COMMIT);
    if (!SQL_SUCCEEDED(rc)) {
      // Whether the commit happened is unknown: the connection is not used again.
      broken_ = true;
      fail(SQL_HANDLE_DBC, dbc_.get(), "cannot commit");
    }
    set_autocommit(true);
  }
  in_tx_ = false;
}

void connection::rollback() noexcept {
  try {
    if (family_ == config::dialect::sqlite) {
      exec("ROLLBACK");
    } else {
      if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, dbc_.get(), SQL_ROLLBACK))) broken_ = true;
      set_autocommit(true);
    }
  } catch (...) {
    broken_ = true;
  }
  in_tx_ = false;
}

bool connection::ping() noexcept {
  if (broken_) return false;
  try {
    if (family_ == config::dialect::generic) {
      SQLUINTEGER dead = SQL_CD_FALSE;
      if (!SQL_SUCCEEDED(SQLGetConnectAttr(dbc_.get(), SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr)))
        return true;  // the driver cannot tell: assume alive, a failing write will say otherwise
      return dead == SQL_CD_FALSE;
    }
    query("SELECT 1");
    return true;
  } catch (...) {
    broken_ = true;
    return false;
  }
}

}  // namespace sluice::odbc
