#include "dialects/postgres/connection.hpp"

#include <poll.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dialects/postgres/errors.hpp"

namespace sluice::pg {

namespace {

constexpr std::chrono::seconds default_connect_timeout{30};
constexpr std::size_t copy_chunk_bytes = 1 << 20;

struct conninfo_options_deleter {
  void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};

// connect_timeout from the connection's options, as libpq would read it: unset → our default;
// 0 or negative → wait indefinitely (nullopt); 1 → 2 s (libpq's minimum).
std::optional<std::chrono::seconds> connect_timeout_of(PGconn* c) {
  std::unique_ptr<PQconninfoOption, conninfo_options_deleter> opts(PQconninfo(c));
  for (auto* o = opts.get(); o && o->keyword; ++o) {
    if (std::strcmp(o->keyword, "connect_timeout") != 0 || !o->val || !*o->val) continue;
    int secs = 0;
    auto [p, ec] = std::from_chars(o->val, o->val + std::strlen(o->val), secs);
    if (ec != std::errc()) break;
    if (secs <= 0) return std::nullopt;
    return std::chrono::seconds(secs < 2 ? 2 : secs);
  }
  return default_connect_timeout;
}

// Removes every occurrence of the password from a message, and with drop_quoted every quoted
// fragment: libpq does not echo passwords, but its parse errors quote parts of the string.
std::string redact(std::string text, const char* password, bool drop_quoted) {
  if (password && *password) {
    const std::string_view pw(password);
    for (auto at = text.find(pw); at != std::string::npos; at = text.find(pw, at))
      text.replace(at, pw.size(), "[secret]");
  }
  if (drop_quoted) {
    std::string out;
    bool in_quote = false;
    for (char ch : text) {
      if (ch == '"') {
        out += in_quote ? "…\"" : "\"";
        in_quote = !in_quote;
      } else if (!in_quote) {
        out += ch;
      }
    }
    text = std::move(out);
  }
  return text;
}

std::string describe_target(PGconn* c) {
  auto s = [](const char* v) { return std::string(v && *v ? v : "?"); };
  return fmt::format("database \"{}\" at {}:{} as \"{}\"", s(PQdb(c)), s(PQhost(c)), s(PQport(c)),
                     s(PQuser(c)));
}

void log_notice(void*, const char* message) {
  std::string_view m(message);
  while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
  sluice::log::get("postgres")->debug("server notice: {}", m);
}

std::string abbreviate(std::string_view sql) {
  auto nl = sql.find('\n');
  std::string_view first = sql.substr(0, nl);
  constexpr std::size_t max = 120;
  if (first.size() > max) first = first.substr(0, max);
  return std::string(first) + (first.size() < sql.size() ? " …" : "");
}

}  // namespace

std::optional<std::string> result::get(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(text(row, col));
}

std::size_t result::affected() const noexcept {
  if (!res_) return 0;
  const char* t = PQcmdTuples(res_.get());
  std::size_t n = 0;
  std::from_chars(t, t + std::strlen(t), n);
  return n;
}

connection::connection(conn_ptr c, std::string where) : conn_(std::move(c)), where_(std::move(where)) {}

std::unique_ptr<connection> connection::open(const std::string& conninfo, const std::string& where) {
  const bool has_secret = conninfo.find("pass") != std::string::npos ||
                          conninfo.find('@') != std::string::npos;
  {
    // A malformed string fails the same way every time: not retryable, no server involved.
    char* parse_error = nullptr;
    std::unique_ptr<PQconninfoOption, conninfo_options_deleter> parsed(
        PQconninfoParse(conninfo.c_str(), &parse_error));
    if (!parsed) {
      std::string why = parse_error ? parse_error : "out of memory";
      PQfreemem(parse_error);
      // Parse errors quote fragments of the string, which may be the password: drop them.
      why = redact(std::move(why), nullptr, has_secret);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      throw sluice::error({.what = "cannot connect to PostgreSQL", .where = where,
                           .why = "the connection string is malformed: " + why,
                           .fix = "correct connection.url (a jdbc:postgresql:// URL, a postgresql:// "
                                  "URI or libpq key=value pairs)"});
    }
  }
  // expand_dbname=1: the first "dbname" is the whole conninfo; later keywords override it, so
  // client_encoding is always UTF8 (text and binary COPY send UTF-8 bytes as they are).
  const char* keys[] = {"dbname", "client_encoding", "fallback_application_name", nullptr};
  const char* vals[] = {conninfo.c_str(), "UTF8", "sluice", nullptr};
  conn_ptr c(PQconnectStartParams(keys, vals, 1));
  if (!c)
    throw sluice::error({.what = "cannot connect to PostgreSQL", .where = where,
                         .why = "libpq could not allocate a connection", .retryable = true,
                         .poisons_connection = true});
  auto fail = [&](std::string why_override) -> std::unique_ptr<connection> {
    std::string text = why_override.empty() ? std::string(PQerrorMessage(c.get())) : why_override;
    failure f = parse_connect_failure(redact(std::move(text), PQpass(c.get()), false), true);
    std::string w = where.empty() ? describe_target(c.get()) : where + " " + describe_target(c.get());
    throw classify(f, "cannot connect to PostgreSQL", redact(std::move(w), PQpass(c.get()), false));
  };
  // A unix-socket connect can fail inside PQconnectStart already.
  if (PQstatus(c.get()) == CONNECTION_BAD) return fail("");
  // Verbose errors make the server's SQLSTATE part of the start-up error text (there is no
  // PGresult for a failed connection), e.g. 3D000 for a missing database.
  PQsetErrorVerbosity(c.get(), PQERRORS_VERBOSE);

  const auto timeout = connect_timeout_of(c.get());
  const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::seconds(0));
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) return fail("");
    pollfd p{PQsocket(c.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int wait_ms = -1;
    if (timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return fail(fmt::format("timed out after {} s (connect_timeout)", timeout->count()));
      wait_ms = static_cast<int>(left.count());
    }
    int r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(fmt::format("poll() failed: {}", std::strerror(errno)));
    if (r == 0) continue;  // the deadline check above reports the timeout
    st = PQconnectPoll(c.get());
  }
  PQsetErrorVerbosity(c.get(), PQERRORS_DEFAULT);
  PQsetNoticeProcessor(c.get(), log_notice, nullptr);
  return std::unique_ptr<connection>(new connection(std::move(c), where));
}

void connection::fail(const PGresult* res, std::string what) {
  sluice::error e = translate(conn_.get(), res, std::move(what), where_);
  if (e.poisons_connection()) poisoned_ = true;
  throw e;
}

result connection::exec(const std::string& sql) {
  result_ptr r(PQexec(conn_.get(), sql.c_str()));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
    return result(std::move(r));
  if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
    poisoned_ = true;  // stuck in copy mode: this connection cannot be reused
    throw sluice::error({.what = "statement failed: " + abbreviate(sql), .where = where_,
                         .why = "COPY must go through copy_in()", .poisons_connection = true});
  }
  fail(r.get(), "statement failed: " + abbreviate(sql));
}

result connection::exec_params(const std::string& sql,
                               const std::vector<std::optional<std::string>>& text_params) {
  std::vector<const char*> values;
  values.reserve(text_params.size());
  for (const auto& p : text_params) values.push_back(p ? p->c_str() : nullptr);
  result_ptr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return result(std::move(r));
  fail(r.get(), "statement failed: " + abbreviate(sql));
}

std::size_t connection::copy_in(const std::string& copy_sql, std::string_view data) {
  copy_stream out(*this, copy_sql);
  out.send(data);
  return out.finish();
}

copy_stream::copy_stream(connection& c, const std::string& copy_sql)
    : c_(c), what_("COPY failed: " + abbreviate(copy_sql)) {
  result_ptr r(PQexec(c_.conn_.get(), copy_sql.c_str()));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COPY_IN) return;
  ended_ = true;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
    throw sluice::error({.what = what_, .where = c_.where_, .why = "the statement is not a COPY … FROM STDIN"});
  c_.fail(r.get(), what_);
}

void copy_stream::send(std::string_view data) {
  // PQputCopyData takes an int length: pieces of at most 1 MiB.
  for (std::size_t off = 0; off < data.size() && !send_failed_; off += copy_chunk_bytes) {
    const std::size_t n = std::min(copy_chunk_bytes, data.size() - off);
    if (PQputCopyData(c_.conn_.get(), data.data() + off, static_cast<int>(n)) != 1) send_failed_ = true;
  }
}

std::size_t copy_stream::finish() {
  ended_ = true;
  // On a send failure, abort the COPY so the server rolls it back; the outcome below then reports
  // why (usually the lost connection).
  if (PQputCopyEnd(c_.conn_.get(), send_failed_ ? "sluice aborted the COPY" : nullptr) != 1)
    send_failed_ = true;
  result_ptr outcome;
  while (result_ptr r{PQgetResult(c_.conn_.get())}) {
    const auto st = PQresultStatus(r.get());
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      c_.poisoned_ = true;  // libpq should never stay in copy mode after PQputCopyEnd
      break;
    }
    if (!outcome || st != PGRES_COMMAND_OK) outcome = std::move(r);
  }
  if (outcome && PQresultStatus(outcome.get()) == PGRES_COMMAND_OK && !send_failed_ && !c_.poisoned_)
    return result(std::move(outcome)).affected();
  c_.fail(outcome.get(), what_);
}

copy_stream::~copy_stream() {
  if (ended_) return;
  // The producer threw: abort, so the server rolls the COPY back and the connection leaves copy
  // mode (its transaction is now failed). Anything unexpected makes it unusable.
  if (PQputCopyEnd(c_.conn_.get(), "sluice aborted the COPY: the rows could not be produced") != 1)
    c_.poisoned_ = true;
  while (result_ptr r{PQgetResult(c_.conn_.get())}) {
    const auto st = PQresultStatus(r.get());
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      c_.poisoned_ = true;
      break;
    }
  }
}

bool connection::in_transaction_or_failed() const noexcept {
  return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

bool connection::is_broken() const noexcept {
  return poisoned_ || PQstatus(conn_.get()) != CONNECTION_OK;
}

bool connection::ping() noexcept {
  if (is_broken() || PQtransactionStatus(conn_.get()) == PQTRANS_ACTIVE) return false;
  result_ptr r(PQexec(conn_.get(), "SELECT 1"));
  return r && PQresultStatus(r.get()) == PGRES_TUPLES_OK;
}

int connection::server_version() const noexcept { return PQserverVersion(conn_.get()); }

}  // namespace sluice::pg
