#pragma once
// ODBC handles, each owned by a unique_ptr whose deleter frees it (SQLFreeHandle; a connection
// handle is disconnected first) from the moment SQLAllocHandle returns it.
// The environment is shared by every connection of the process (ODBC 3 behaviour set once);
// connections hold it by shared_ptr, so it is freed after the last of them.
// Thread-safety: handle types are not thread-safe; environment() is.
#include <memory>

#include <sql.h>
#include <sqlext.h>

namespace sluice::odbc {

struct env_deleter {
  void operator()(SQLHANDLE h) const noexcept { SQLFreeHandle(SQL_HANDLE_ENV, h); }
};
struct dbc_deleter {
  // SQLDisconnect on a handle that never connected fails harmlessly (08003).
  void operator()(SQLHANDLE h) const noexcept {
    SQLDisconnect(h);
    SQLFreeHandle(SQL_HANDLE_DBC, h);
  }
};
struct stmt_deleter {
  void operator()(SQLHANDLE h) const noexcept { SQLFreeHandle(SQL_HANDLE_STMT, h); }
};

using env_ptr = std::unique_ptr<void, env_deleter>;
using dbc_ptr = std::unique_ptr<void, dbc_deleter>;
using stmt_ptr = std::unique_ptr<void, stmt_deleter>;

// The process's ODBC environment (SQL_OV_ODBC3). Throws sluice::error when unixODBC cannot
// allocate one.
std::shared_ptr<env_ptr> environment();

}  // namespace sluice::odbc
