#pragma once
// One ODBC connection and its statements. Every handle lives in a unique_ptr with its
// SQLFreeHandle deleter (handles.hpp); every failing call goes through errors.hpp's classify();
// an error that poisons the connection marks it broken so a pool destroys it.
//
// Text goes through the wide (UTF-16) API in both directions (see text.hpp) — except with an
// ANSI-only driver (Debian's SQLite ODBC driver has no W functions), where unixODBC would narrow
// UTF-16 SQL to Latin-1: there SQL text and diagnostics go through the narrow calls as UTF-8
// (the driver's own encoding), while values still travel as SQL_C_WCHAR, which the driver
// converts itself. SQLite is known to need this; a generic connection is probed once. The sink's
// batch parameters are UTF-8 SQL_C_CHAR where the driver reads them as such (utf8_params()). On open the session
// is set up per dialect so values mean the same everywhere: MariaDB/MySQL time_zone '+00:00' and
// a strict sql_mode (bad data is an error, never a warning and a truncated value) with the
// utf8mb4 character set; PostgreSQL TimeZone UTC and no driver-made savepoints (psqlODBC's
// Protocol=7.4-0: sluice places its own); SQLite as it is.
//
// Transactions: the connection is in autocommit between transactions, so DDL and lookups commit
// by themselves. begin() starts one (SQLite: BEGIN IMMEDIATE, so two writers queue on the write
// lock instead of deadlocking on a lock upgrade; others: autocommit off), commit()/rollback() end
// it. A connection with an open transaction is not reusable().
//
// Ownership: the connection owns its environment reference, its connection handle and its cached
// prepared statements (destroyed before the handle). Thread-safety: none — one thread at a time
// (a pool lease gives exactly that).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/connection_url.hpp"
#include "core/error.hpp"
#include "dialects/odbc/handles.hpp"

namespace sluice::odbc {

using text_row = std::vector<std::optional<std::string>>;
using text_rows = std::vector<text_row>;
using text_params = std::vector<std::optional<std::string>>;  // nullopt = NULL

struct connect_options {
  std::string connection_string;  // as config translated it; may hold the password
  config::dialect family = config::dialect::generic;
  std::string where;   // names the database for messages; never holds the password
  std::string secret;  // the password, scrubbed from driver messages
  std::chrono::seconds login_timeout{30};
};

class connection;

// A statement handle. Text parameters are bound as SQL_C_WCHAR (the server converts them to the
// column's type), so one binding works for every driver.
class statement {
 public:
  explicit statement(connection& c);
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  void prepare(std::string_view sql);
  // Runs the prepared statement; returns the affected row count (0 when the driver has none).
  std::int64_t execute(const text_params& params = {});
  std::int64_t execute_direct(std::string_view sql, const text_params& params = {});
  // The rows of the current result set as UTF-8 text (binary as the driver renders it), then
  // closes the cursor.
  text_rows fetch_all();
  void close_cursor() noexcept;
  // Drops parameter bindings and array settings left by an earlier use.
  void reset_params() noexcept;

  // Throws the translated error when rc failed (SQL_NO_DATA is success); poisoning errors mark
  // the connection broken.
  void check(SQLRETURN rc, const char* what);
  [[noreturn]] void fail(const char* what);
  SQLHSTMT raw() const noexcept { return h_.get(); }
  connection& conn() const noexcept { return *c_; }
  const std::string& sql() const noexcept { return sql_; }

 private:
  void bind_text(const text_params& params);
  std::int64_t finish(SQLRETURN rc, const char* what);

  connection* c_;
  stmt_ptr h_;
  std::string sql_;
  std::vector<std::u16string> bufs_;
  std::vector<SQLLEN> ind_;
};

class connection {
 public:
  // Connects with SQLDriverConnectW and sets the session up. Throws sluice::error (retryable
  // when the server was unreachable); the text never contains the password.
  static std::unique_ptr<connection> open(const connect_options& o);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // One statement; returns the affected row count. Parameters are text (see statement).
  std::int64_t exec(std::string_view sql, const text_params& params = {});
  text_rows query(std::string_view sql, const text_params& params = {});
  // A prepared statement for `sql`, prepared once per connection and kept (at most 64; the least
  // recently prepared goes first). Valid until the next call of prepared() or the connection ends.
  statement& prepared(const std::string& sql);

  void begin();
  void commit();
  // Never throws: a connection that cannot roll back is marked broken instead.
  void rollback() noexcept;
  bool in_transaction() const noexcept { return in_tx_; }

  bool is_broken() const noexcept { return broken_; }
  bool reusable() const noexcept { return !broken_ && !in_tx_; }
  void mark_broken() noexcept { broken_ = true; }
  // The dialect's health check (SELECT 1; generic ODBC: SQL_ATTR_CONNECTION_DEAD); false instead
  // of throwing.
  bool ping() noexcept;

  config::dialect family() const noexcept { return family_; }
  const std::string& where() const noexcept { return where_; }
  const std::string& secret() const noexcept { return secret_; }
  const std::string& dbms_name() const noexcept { return dbms_name_; }
  const std::string& dbms_version() const noexcept { return dbms_version_; }
  const std::string& driver_name() const noexcept { return driver_name_; }
  // SQL text and catalog names go through the narrow (UTF-8) calls: the driver is ANSI-only.
  bool narrow() const noexcept { return narrow_; }
  // Text parameters may be bound as UTF-8 (SQL_C_CHAR), saving two conversions per value:
  // SQLite, and MariaDB/MySQL with a utf8/utf8mb4 CHARSET (the default sluice sets).
  bool utf8_params() const noexcept { return utf8_params_; }
  std::string info_string(SQLUSMALLINT type);
  std::uint32_t info_uint(SQLUSMALLINT type);
  SQLHDBC raw() const noexcept { return dbc_.get(); }

  // Translates the diagnostics of `h` and throws; poisoning errors mark the connection broken.
  [[noreturn]] void fail(SQLSMALLINT handle_type, SQLHANDLE h, std::string what);

 private:
  connection(std::shared_ptr<env_ptr> env, dbc_ptr dbc, const connect_options& o);
  void set_autocommit(bool on);

  // Declaration order is destruction order reversed: statements go before the connection
  // handle, the connection handle before the environment.
  std::shared_ptr<env_ptr> env_;
  dbc_ptr dbc_;
  std::map<std::string, std::unique_ptr<statement>> cache_;
  std::vector<std::string> cache_order_;
  config::dialect family_;
  std::string where_, secret_;
  std::string dbms_name_, dbms_version_, driver_name_;
  bool in_tx_ = false;
  bool broken_ = false;
  bool narrow_ = false;
  bool utf8_params_ = false;
};

// The connection string sluice uses for a family: the given one plus what the session needs
// (MariaDB CHARSET=utf8mb4, psqlODBC Protocol=7.4-0) unless the user set those keys.
std::string effective_connection_string(std::string_view given, config::dialect family);
// Statements run on every new connection of a family (time zone UTC, strict modes, date order).
std::vector<std::string> session_sql(config::dialect family);

}  // namespace sluice::odbc
