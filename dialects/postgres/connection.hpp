#pragma once
// One libpq connection (PGconn) and its results (PGresult), each owned by a unique_ptr with its
// libpq deleter from the moment libpq hands it over. Every failure goes through errors.hpp's
// translate(); an error that poisons the connection marks it broken so a pool destroys it instead
// of handing it out again.
// Ownership: the connection owns its PGconn; a result owns its PGresult and outlives nothing.
// Thread-safety: none — one thread at a time (a pool lease gives exactly that).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace sluice::pg {

struct pgconn_deleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pgresult_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, pgconn_deleter>;
using result_ptr = std::unique_ptr<PGresult, pgresult_deleter>;

// A completed query's result (text format). Move-only.
class result {
 public:
  result() = default;
  explicit result(result_ptr r) : res_(std::move(r)) {}

  int rows() const noexcept { return res_ ? PQntuples(res_.get()) : 0; }
  int columns() const noexcept { return res_ ? PQnfields(res_.get()) : 0; }
  bool is_null(int row, int col) const noexcept { return PQgetisnull(res_.get(), row, col) != 0; }
  // The text of a field; empty for NULL (check is_null).
  std::string_view text(int row, int col) const noexcept {
    return {PQgetvalue(res_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::optional<std::string> get(int row, int col) const;
  // Rows affected by INSERT/UPDATE/DELETE/COPY (PQcmdTuples), 0 when not applicable.
  std::size_t affected() const noexcept;
  PGresult* raw() const noexcept { return res_.get(); }

 private:
  result_ptr res_;
};

class connection {
 public:
  // Connects (client_encoding UTF8, application_name "sluice" unless set). `conninfo` is a libpq
  // key=value string or postgresql:// URI; `where` names the user of the connection for messages
  // ("sink 'orders'"). Throws sluice::error, retryable when the server was unreachable; the text
  // never contains the password. Waits at most connect_timeout from conninfo, else 30 s.
  static std::unique_ptr<connection> open(const std::string& conninfo, const std::string& where);

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Runs one or more statements; throws the translated error (and marks the connection broken
  // when the error poisons it).
  result exec(const std::string& sql);
  // One statement with text parameters ($1 …); std::nullopt is NULL. Types are inferred.
  result exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& text_params);
  // Runs `copy_sql` (COPY … FROM STDIN …), streams `data` in chunks, ends the copy and checks the
  // outcome. Returns the rows copied. (copy_stream sends data while it is still being produced.)
  std::size_t copy_in(const std::string& copy_sql, std::string_view data);

  bool in_transaction_or_failed() const noexcept;  // PQtransactionStatus != IDLE
  bool is_broken() const noexcept;                 // CONNECTION_BAD or a poisoning error seen
  bool reusable() const noexcept { return !is_broken() && !in_transaction_or_failed(); }
  // SELECT 1; false instead of throwing.
  bool ping() noexcept;
  int server_version() const noexcept;
  const std::string& where() const noexcept { return where_; }
  PGconn* raw() noexcept { return conn_.get(); }

 private:
  friend class copy_stream;
  connection(conn_ptr c, std::string where);
  [[noreturn]] void fail(const PGresult* res, std::string what);

  conn_ptr conn_;
  std::string where_;
  bool poisoned_ = false;
};

// A COPY … FROM STDIN in progress, for data sent while the rest is still being produced: the
// server parses one chunk while the caller encodes the next, instead of waiting for the whole
// batch. The constructor starts the COPY (throws as exec does); send() hands a chunk to libpq
// (which copies it); finish() ends the COPY and returns the rows copied, or throws the server's
// error — also the one behind a failed send. Destroyed without finish() (the producer threw),
// it aborts the COPY, which fails the transaction: the caller discards or rolls back as after
// any error. Borrows the connection, which must outlive it; neither copyable nor movable.
class copy_stream {
 public:
  copy_stream(connection& c, const std::string& copy_sql);
  copy_stream(const copy_stream&) = delete;
  copy_stream& operator=(const copy_stream&) = delete;
  ~copy_stream();

  void send(std::string_view data);
  std::size_t finish();

 private:
  connection& c_;
  std::string what_;
  bool send_failed_ = false;
  bool ended_ = false;
};

}  // namespace sluice::pg
