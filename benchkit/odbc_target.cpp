#include "benchkit/odbc_target.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "benchkit/sqlite_ceiling.hpp"
#include "core/error.hpp"

namespace sluice::benchkit {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::filesystem::path scratch_csv() {
  return std::filesystem::temp_directory_path() / fmt::format("sluice-bench-{}-ceiling.csv", ::getpid());
}

}  // namespace

std::unique_ptr<odbc::connection> odbc_target::connect(const config::connection_target& t) {
  return odbc::connection::open({.connection_string = odbc::effective_connection_string(t.odbc, t.kind),
                                 .family = t.kind,
                                 .where = "sluice bench " + t.display,
                                 .secret = t.password});
}

odbc_target::odbc_target(config::connection_target t) : t_(std::move(t)), conn_(connect(t_)) {
  if (mysql()) own_ = std::make_unique<own_session>(*conn_);
}

std::string odbc_target::quote(config::dialect family, const std::string& name) {
  const char q = family == config::dialect::mysql ? '`' : '"';
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out += q;
    out += c;
  }
  return out + q;
}

std::optional<std::uint64_t> odbc_target::rows(const std::string& table) {
  auto exists = mysql() ? conn_->query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                                       "AND table_name = ?",
                                       {table})
                        : conn_->query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", {table});
  if (exists.empty() || exists[0][0].value_or("0") == "0") return std::nullopt;
  auto n = conn_->query("SELECT COUNT(*) FROM " + quote(table));
  return std::stoull(n.at(0).at(0).value_or("0"));
}

shape odbc_target::shape_of(const std::string& table) {
  // name, type, precision, scale, not null, primary key
  odbc::text_rows cols;
  if (mysql()) {
    cols = conn_->query("SELECT column_name, data_type, numeric_precision, numeric_scale, "
                        "CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END, CASE WHEN column_key = 'PRI' THEN 1 ELSE 0 END "
                        "FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? "
                        "ORDER BY ordinal_position",
                        {table});
  } else {
    for (auto& r : conn_->query(fmt::format("PRAGMA table_info({})", quote(table))))
      cols.push_back({r[1], r[2], std::nullopt, std::nullopt, r[3], std::string(r[5].value_or("0") == "0" ? "0" : "1")});
  }
  shape s;
  std::optional<std::size_t> pk;
  int pk_columns = 0;
  for (const auto& r : cols) {
    column c{r[0].value_or("")};
    std::string type = lower(r[1].value_or(""));
    auto base = type.substr(0, type.find('('));
    c.not_null = r[4].value_or("0") == "1";
    if (base == "decimal" || base == "numeric") {
      c.type = column_type::numeric;
      if (r[2]) c.precision = std::stoi(*r[2]), c.scale = std::stoi(r[3].value_or("0"));
      else std::sscanf(type.c_str() + base.size(), "(%d,%d)", &c.precision, &c.scale);
    } else if (base == "bigint" || (base == "integer" && !mysql())) {
      c.type = column_type::int64;
    } else if (base == "int" || base == "integer" || base == "smallint" || base == "mediumint") {
      c.type = column_type::int32;
    } else if (base == "tinyint" || base == "boolean" || base == "bool") {
      c.type = column_type::boolean;
    } else if (base == "varchar" || base == "text" || base == "char" || base == "longtext" || base == "mediumtext") {
      c.type = column_type::text;
    } else if (base == "datetime" || base == "timestamp") {
      c.type = column_type::timestamp;
    } else if (base == "double" || base == "float" || base == "real") {
      c.type = column_type::float64;
    } else {
      throw error({.what = "cannot generate rows for this table",
                   .where = fmt::format("table {} column {}", table, c.name),
                   .why = fmt::format("the generator cannot fill type {}", type),
                   .fix = "bench a table of integer, text, decimal, datetime, boolean and double columns, or "
                          "give --columns and a new --table"});
    }
    if (r[5].value_or("0") == "1") {
      ++pk_columns;
      pk = s.columns.size();
    }
    s.columns.push_back(c);
  }
  if (pk_columns != 1 || (s.columns[*pk].type != column_type::int64 && s.columns[*pk].type != column_type::int32))
    throw error({.what = "cannot generate rows for this table", .where = "table " + table,
                 .why = "its primary key is not one integer column",
                 .fix = "bench a table keyed by one integer column, or give --columns and a new --table"});
  s.key = *pk;
  return s;
}

std::string odbc_target::ddl(const std::string& table, const shape& s) const {
  std::string cols;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    std::string type;
    switch (c.type) {
      case column_type::int64: type = "BIGINT"; break;
      case column_type::int32: type = "INT"; break;
      case column_type::text: type = mysql() ? "VARCHAR(255)" : "TEXT"; break;
      case column_type::numeric: type = fmt::format("DECIMAL({},{})", c.precision, c.scale); break;
      case column_type::timestamp: type = mysql() ? "DATETIME(6)" : "DATETIME"; break;
      case column_type::boolean: type = "BOOLEAN"; break;
      case column_type::float64: type = mysql() ? "DOUBLE" : "REAL"; break;
    }
    cols += fmt::format("{}{} {}{}", i ? ", " : "", quote(c.name), type,
                        i == s.key ? " NOT NULL PRIMARY KEY" : c.not_null ? " NOT NULL" : "");
  }
  return fmt::format("CREATE TABLE {} ({}){}", quote(table), cols,
                     mysql() ? " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
}

void odbc_target::create(const std::string& table, const shape& s, bool) { conn_->exec(ddl(table, s)); }

void odbc_target::create_like(const std::string& table, const std::string& like) {
  if (mysql()) {
    conn_->exec(fmt::format("CREATE TABLE {} LIKE {}", quote(table), quote(like)));
    return;
  }
  auto r = conn_->query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", {like});
  auto sql = r.at(0).at(0).value_or("");
  conn_->exec("CREATE TABLE " + quote(table) + " " + sql.substr(sql.find('(')));
}

void odbc_target::drop(const std::string& table) { conn_->exec("DROP TABLE IF EXISTS " + quote(table)); }

std::int64_t odbc_target::max_key(const std::string& table, const shape& s) {
  auto r = conn_->query(fmt::format("SELECT COALESCE(MAX({}), 0) FROM {}", quote(s.key_column().name), quote(table)));
  return std::stoll(r.at(0).at(0).value_or("0"));
}

void odbc_target::mariadb_client(const std::string& sql, const std::string& what,
                                 const std::vector<std::string>& flags, std::uint64_t* lines) {
  std::vector<std::string> args{"mariadb", "--no-defaults"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"-u", t_.user});
  if (!t_.host.empty() && t_.host[0] == '/') args.insert(args.end(), {"-S", t_.host});
  else args.insert(args.end(), {"-h", t_.host.empty() ? "127.0.0.1" : t_.host, "-P", std::to_string(t_.port ? t_.port : 3306)});
  args.insert(args.end(), {t_.database, "-e", sql});
  int out[2] = {-1, -1};
  if (lines && pipe2(out, O_CLOEXEC) != 0)
    throw error({.what = what, .where = "mariadb client", .why = "pipe() failed"});
  pid_t pid = fork();
  if (pid == 0) {
    if (!t_.password.empty()) setenv("MYSQL_PWD", t_.password.c_str(), 1);  // never on the command line
    const int to = lines ? out[1] : open("/dev/null", O_WRONLY);
    if (to >= 0) dup2(to, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("mariadb", argv.data());
    _exit(127);
  }
  if (lines) {
    close(out[1]);
    *lines = 0;
    std::vector<char> buf(1 << 16);
    for (ssize_t n; (n = read(out[0], buf.data(), buf.size())) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      *lines += static_cast<std::uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
    }
    close(out[0]);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    throw error({.what = what, .where = fmt::format("mariadb client, database {}", t_.display),
                 .why = code == 127 ? std::string("the mariadb client is not installed")
                                    : fmt::format("it exited with {} (its message is above)", code),
                 .fix = "install the mariadb client (scripts/setup.sh); for LOAD DATA LOCAL INFILE also set "
                        "local_infile=1 on the server"});
  }
}

std::string odbc_target::load_data(const std::string& csv_path, const std::string& table, const shape& s,
                                   const std::string& extra) const {
  std::string cols, sets;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    cols += i ? ", " : "";
    if (c.type == column_type::timestamp) {
      cols += fmt::format("@v{}", i);
      sets += fmt::format("{}{} = LEFT(@v{}, 23)", sets.empty() ? "" : ", ", quote(c.name), i);
    } else if (c.type == column_type::boolean) {
      cols += fmt::format("@v{}", i);
      sets += fmt::format("{}{} = (@v{} = 't')", sets.empty() ? "" : ", ", quote(c.name), i);
    } else {
      cols += quote(c.name);
    }
  }
  return fmt::format("LOAD DATA LOCAL INFILE '{}' INTO TABLE {} FIELDS TERMINATED BY ',' ({}{}){}", csv_path,
                     quote(table), cols, extra, sets.empty() ? "" : " SET " + sets);
}

ceiling odbc_target::insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) {
  const auto scratch = like + "_sluice_ceiling";
  drop(scratch);
  create_like(scratch, like);
  double secs = 0;
  std::string method;
  if (mysql()) {
    const auto path = scratch_csv();
    {
      std::ofstream out(path);
      for (const auto& op : ops) out << csv_line(s, op.id, op.version);
    }
    auto t0 = std::chrono::steady_clock::now();
    mariadb_client(load_data(path.string(), scratch, s, ""), "cannot measure the database's ceiling",
                   {"--local-infile=1"});
    secs = seconds_since(t0);
    std::filesystem::remove(path);
    method = "LOAD DATA LOCAL INFILE into a copy of the table";
  } else {
    auto c = sqlite_ceiling(t_.database, quote(scratch), s, ops, false);
    secs = c.seconds;
    method = c.method;
  }
  drop(scratch);
  return {method, secs, static_cast<double>(ops.size()) / secs, ops.size()};
}

ceiling odbc_target::upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) {
  const auto scratch = like + "_sluice_ceiling";
  drop(scratch);
  create_like(scratch, like);
  const auto key = quote(s.key_column().name);
  std::string names, updates;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    names += (i ? ", " : "") + quote(s.columns[i].name);
    if (i == s.key) continue;
    auto c = quote(s.columns[i].name);
    updates += (updates.empty() ? "" : ", ") + (mysql() ? fmt::format("{0} = VALUES({0})", c) : fmt::format("{0} = excluded.{0}", c));
  }
  double secs = 0;
  std::string method;
  if (mysql()) {
    const auto stage = like + "_sluice_ceiling_stage";
    drop(stage);
    auto plain = ddl(stage, s);
    // Staging: every column nullable (a delete carries only its key), no key, plus order and mark.
    for (auto w : {" NOT NULL PRIMARY KEY", " NOT NULL"})
      for (std::size_t p; (p = plain.find(w)) != std::string::npos;) plain.erase(p, std::string(w).size());
    plain.insert(plain.rfind(')'), ", sluice_seq BIGINT, sluice_del BOOLEAN");
    conn_->exec(plain);
    const auto path = scratch_csv();
    {
      std::ofstream out(path);
      std::int64_t seq = 0;
      for (const auto& op : ops) {
        ++seq;
        if (op.del) {
          for (std::size_t i = 0; i < s.columns.size(); ++i) out << (i ? "," : "") << (i == s.key ? std::to_string(op.id) : "\\N");
          out << fmt::format(",{},1\n", seq);
        } else {
          auto line = csv_line(s, op.id, op.version);
          line.pop_back();
          out << fmt::format("{},{},0\n", line, seq);
        }
      }
    }
    // As on PostgreSQL: "last one wins" (a join on the newest record per key) only when records
    // touch a key twice; new rows alone are the plain staging + INSERT … ON DUPLICATE KEY UPDATE.
    bool repeats = false, deletes = false;
    for (const auto& op : ops) {
      repeats = repeats || op.version > 0 || op.del;
      deletes = deletes || op.del;
    }
    const auto last = fmt::format("(SELECT {0}, MAX(sluice_seq) AS seq FROM {1} GROUP BY {0})", key, quote(stage));
    std::string select;
    for (std::size_t i = 0; i < s.columns.size(); ++i) select += (i ? ", s." : "s.") + quote(s.columns[i].name);
    const auto on_dup = updates.empty() ? key + " = " + key : updates;
    auto t0 = std::chrono::steady_clock::now();
    mariadb_client(load_data(path.string(), stage, s, ", sluice_seq, sluice_del"),
                   "cannot measure the database's ceiling", {"--local-infile=1"});
    if (repeats)
      conn_->exec(fmt::format("INSERT INTO {0} ({1}) SELECT {2} FROM {3} s JOIN {4} l ON s.{5} = l.{5} AND "
                              "s.sluice_seq = l.seq WHERE NOT s.sluice_del ON DUPLICATE KEY UPDATE {6}",
                              quote(scratch), names, select, quote(stage), last, key, on_dup));
    else
      conn_->exec(fmt::format("INSERT INTO {0} ({1}) SELECT {2} FROM {3} s ON DUPLICATE KEY UPDATE {4}", quote(scratch),
                              names, select, quote(stage), on_dup));
    if (deletes)
      conn_->exec(fmt::format("DELETE t FROM {0} t JOIN {1} s ON t.{2} = s.{2} JOIN {3} l ON s.{2} = l.{2} AND "
                              "s.sluice_seq = l.seq WHERE s.sluice_del",
                              quote(scratch), quote(stage), key, last));
    secs = seconds_since(t0);
    std::filesystem::remove(path);
    drop(stage);
    method = repeats ? "LOAD DATA LOCAL INFILE into staging + INSERT … ON DUPLICATE KEY UPDATE (last per key) + DELETE"
                     : "LOAD DATA LOCAL INFILE into staging + INSERT … ON DUPLICATE KEY UPDATE";
  } else {
    auto c = sqlite_ceiling(t_.database, quote(scratch), s, ops, true);
    secs = c.seconds;
    method = c.method;
  }
  drop(scratch);
  return {method, secs, static_cast<double>(ops.size()) / secs, ops.size()};
}

}  // namespace sluice::benchkit
