#include "dialects/postgres/errors.hpp"

#include <cctype>

namespace sluice::pg {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return std::string(s);
}

bool is_sqlstate(std::string_view s) noexcept {
  if (s.size() != 5) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

struct fix_entry {
  std::string_view prefix;  // a full SQLSTATE or a class ("22")
  std::string_view fix;
};

// Most specific first: the first entry whose prefix matches wins.
constexpr fix_entry fix_table[] = {
    {"42P01", "create the table, or set auto.create=true so sluice creates it from the record schema"},
    {"42703", "add the column, or set auto.evolve=true so sluice adds missing columns"},
    {"23505", "set insert.mode=upsert (with pk.mode and pk.fields) to update existing rows instead of "
              "inserting duplicates"},
    {"23502", "make the field non-null in the producer, give the column a default, or set "
              "errors.tolerance=all to route such records to the dead-letter queue"},
    {"28P01", "check connection.user and connection.password"},
    {"28000", "check connection.user and the server's pg_hba.conf entry for this client"},
    {"3D000", "check the database name in connection.url, or create the database"},
    {"3F000", "check the schema in table.name.format, or create the schema"},
    {"42501", "grant the needed privilege on the table or schema to connection.user"},
    {"42804", "make the record field's type match the column, or set auto.evolve=false and fix the "
              "producer"},
    {"53300", "lower connection.pool.max.size (or tasks.max), or raise max_connections on the server"},
    {"53", "the server is out of resources (disk, memory or connections); free them; sluice retries"},
    {"57014", "the statement was cancelled (statement_timeout?); raise the timeout or use smaller "
              "batches (batch.size)"},
    {"57P", "the server is restarting or shutting down; sluice reconnects and retries"},
    {"40", "concurrent writers conflicted; sluice retries the transaction"},
    {"08", "check that the server is running and reachable at the host and port in connection.url"},
    {"22", "fix the producer so the value fits the column, or set errors.tolerance=all to route bad "
           "records to the dead-letter queue"},
};

}  // namespace

bool is_retryable(const failure& f) noexcept {
  const std::string_view s = f.sqlstate;
  if (s.empty()) return f.connection_lost;
  return starts_with(s, "08") || s == "40001" || s == "40P01" || s == "57P01" || s == "57P02" ||
         s == "57P03" || starts_with(s, "53");
}

bool poisons_connection(const failure& f) noexcept {
  const std::string_view s = f.sqlstate;
  return f.connection_lost || starts_with(s, "08") || starts_with(s, "57P");
}

std::string_view fix_for(std::string_view sqlstate) noexcept {
  if (sqlstate.empty()) return {};
  for (const auto& e : fix_table)
    if (starts_with(sqlstate, e.prefix)) return e.fix;
  return {};
}

sluice::error classify(const failure& f, std::string what, std::string where) {
  sluice::error_info info;
  info.what = std::move(what);
  info.where = std::move(where);
  info.why = f.message.empty() ? std::string("unknown PostgreSQL error") : f.message;
  if (!f.detail.empty()) info.why += " (" + f.detail + ")";
  info.code = f.sqlstate;
  std::string_view fix = fix_for(f.sqlstate);
  if (fix.empty() && f.sqlstate.empty() && f.connection_lost)
    fix = "the connection to the server was lost; sluice reconnects and retries";
  info.fix = std::string(fix);
  if (!f.hint.empty()) info.fix += info.fix.empty() ? f.hint : " (server hint: " + f.hint + ")";
  info.retryable = is_retryable(f);
  info.poisons_connection = poisons_connection(f);
  return sluice::error(std::move(info));
}

sluice::error translate(const PGconn* conn, const PGresult* res, std::string what, std::string where) {
  failure f;
  auto field = [res](int code) -> std::string {
    const char* v = res ? PQresultErrorField(res, code) : nullptr;
    return v ? trim(v) : std::string();
  };
  f.sqlstate = field(PG_DIAG_SQLSTATE);
  f.message = field(PG_DIAG_MESSAGE_PRIMARY);
  f.detail = field(PG_DIAG_MESSAGE_DETAIL);
  f.hint = field(PG_DIAG_MESSAGE_HINT);
  if (f.message.empty() && res) f.message = trim(PQresultErrorMessage(res));
  if (f.message.empty() && conn) f.message = trim(PQerrorMessage(conn));
  f.connection_lost = conn == nullptr || PQstatus(conn) == CONNECTION_BAD;
  if (!is_sqlstate(f.sqlstate)) f.sqlstate.clear();
  return classify(f, std::move(what), std::move(where));
}

failure parse_connect_failure(std::string_view text, bool connection_bad) {
  failure f;
  f.connection_lost = connection_bad;
  std::string message;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view t = line;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    if (t.empty() || starts_with(t, "LOCATION:")) continue;
    if (starts_with(t, "DETAIL:")) {
      if (f.detail.empty()) f.detail = trim(t.substr(7));
      continue;
    }
    if (starts_with(t, "HINT:")) {
      if (f.hint.empty()) f.hint = trim(t.substr(5));
      continue;
    }
    // "…failed: FATAL:  3D000: database "x" does not exist" → keep the prefix and the message.
    std::string cleaned;
    std::string_view rest = line;
    for (std::string_view sev : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
      auto at = rest.find(sev);
      if (at == std::string_view::npos) continue;
      std::string_view after = rest.substr(at + sev.size());
      cleaned = std::string(rest.substr(0, at));
      if (after.size() > 7 && is_sqlstate(after.substr(0, 5)) && after.substr(5, 2) == ": ") {
        if (f.sqlstate.empty()) f.sqlstate = std::string(after.substr(0, 5));
        after.remove_prefix(7);
      }
      cleaned += after;
      break;
    }
    if (cleaned.empty()) cleaned = trim(line);
    if (!message.empty()) message += "; ";
    message += trim(cleaned);
  }
  f.message = std::move(message);
  // libpq's own failures (refused, no such socket, timeout) carry no SQLSTATE; 08001 is the
  // standard code for "could not establish the connection".
  if (f.sqlstate.empty() && connection_bad) f.sqlstate = "08001";
  return f;
}

}  // namespace sluice::pg
