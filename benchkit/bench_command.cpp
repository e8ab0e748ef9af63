#include "benchkit/bench_command.hpp"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "benchkit/broker_process.hpp"
#include "benchkit/connector_values.hpp"
#include "benchkit/odbc_target.hpp"
#include "benchkit/options.hpp"
#include "benchkit/pg_target.hpp"
#include "benchkit/sink_run.hpp"
#include "benchkit/source_run.hpp"
#include "config/connection_url.hpp"
#include "config/raw_connector.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/embedded_broker.hpp"

namespace sluice::benchkit {
namespace {

using values_t = std::map<std::string, std::string>;

std::string get(const values_t& v, const std::string& k, const std::string& fallback = "") {
  auto it = v.find(k);
  return it == v.end() || it->second.empty() ? fallback : it->second;
}

std::string first_of_list(const std::string& list) {
  auto s = list.substr(0, list.find(','));
  auto b = s.find_first_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(' ') - b + 1);
}

values_t base_values(const options& o) {
  values_t v;
  if (!o.config_file.empty()) {
    auto raws = config::load_file(o.config_file);
    if (raws.size() != 1)
      throw error({.what = "cannot run sluice bench", .where = o.config_file,
                   .why = fmt::format("the file holds {} connectors", raws.size()),
                   .fix = "give a file with the one connector to measure"});
    v = raws[0].values;
  }
  if (v.count("connector.class") == 0) v["connector.class"] = o.kind == "sink" ? "jdbc-sink" : "jdbc-source";
  auto cls = v["connector.class"];
  for (auto& ch : cls) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool is_source = cls.find("source") != std::string::npos;
  if (is_source != (o.kind == "source"))
    throw error({.what = "cannot run sluice bench", .where = o.config_file,
                 .why = fmt::format("connector.class={} is a {} connector", v["connector.class"],
                                    is_source ? "source" : "sink"),
                 .fix = fmt::format("run `sluice bench {}` with this file", is_source ? "source" : "sink")});
  if (!o.url.empty()) v["connection.url"] = o.url;
  if (!o.bootstrap.empty()) v["bootstrap.servers"] = o.bootstrap;
  if (get(v, "connection.url").empty())
    throw error({.what = "cannot run sluice bench", .where = "connection.url",
                 .why = "no database named", .fix = "give --url URL or connection.url in the config"});
  return v;
}

config::connection_target connection_of(const values_t& v) {
  return config::parse_connection_url(get(v, "connection.url"), get(v, "connection.user"),
                                      get(v, "connection.password"), get(v, "dialect.name"));
}

// PostgreSQL through libpq; MariaDB/MySQL and SQLite through ODBC, as the connectors reach them.
std::unique_ptr<target> open_target(const values_t& v, const std::string& kind) {
  auto t = connection_of(v);
  const bool odbc_url = get(v, "connection.url").rfind("odbc:", 0) == 0;
  if (t.kind == config::dialect::postgresql && !odbc_url) return std::make_unique<pg_target>(t.libpq_conninfo);
  if (!odbc_url && (t.kind == config::dialect::mysql || t.kind == config::dialect::sqlite))
    return std::make_unique<odbc_target>(t);
  throw error({.what = "cannot run sluice bench", .where = t.display,
               .why = fmt::format("sluice bench {} measures PostgreSQL, MariaDB/MySQL and SQLite; this URL names {}{}",
                                  kind, config::to_string(t.kind), odbc_url ? " through odbc:" : ""),
               .fix = "bench a jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb:// or jdbc:sqlite: URL (the bench needs "
                      "to know the database family to measure its ceiling)"});
}

// Prints the refusal and returns true when `table` holds rows the benchmark would mix with its own.
bool refuse_existing(const options& o, const std::string& table, std::optional<std::uint64_t> rows) {
  if (!rows || *rows == 0 || o.allow_existing) return false;
  fmt::print(stderr,
             "sluice bench: table {} holds {} rows; the benchmark writes into its table and would mix its "
             "rows with yours. Nothing was touched. Fix: name a new or empty --table, or pass "
             "--allow-existing to write into it anyway{}.\n",
             table, *rows, o.kind == "source" ? " (or --cdc-seconds 0 to measure its initial load only)" : "");
  return true;
}

std::string utc_now() {
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string with_suffix(const target& db, const std::string& table, const std::string& suffix) {
  if (db.dialect() != "postgresql") return table + suffix;
  auto ref = pg::parse_table_name(table);
  ref.table += suffix;
  return pg::display_table(ref);
}

int finish(const options& o, report& r) {
  bool counts_ok = true;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    auto& f = r.runs[i];
    f.ceiling_share = r.db_ceiling.rows_per_s > 0 ? f.rows_per_s / r.db_ceiling.rows_per_s : 0;
    counts_ok = counts_ok && f.rows_in_table == f.rows_expected;
    if (!best || f.rows_per_s > r.runs[*best].rows_per_s) best = i;
  }
  if (r.runs.size() > 1) r.best = best;
  auto text = render_text(r);
  if (o.json) {
    fmt::print(stderr, "{}", text);
    fmt::print("{}\n", boost::json::serialize(to_json(r)));
  } else {
    fmt::print("{}", text);
  }
  if (!o.html.empty()) {
    std::ofstream out(o.html);
    out << render_html(r);
    if (!out)
      throw error({.what = "cannot write the HTML report", .where = o.html, .fix = "give --html a writable path"});
    fmt::print(stderr, "bench: HTML report written to {}\n", o.html);
  }
  if (!counts_ok) {
    fmt::print(stderr, "sluice bench: the rows in a table differ from the rows expected (see above)\n");
    return 1;
  }
  return 0;
}

int bench_sink(const options& o, values_t values, const std::string& self) {
  auto db_ptr = open_target(values, "sink");
  auto& db = *db_ptr;
  const auto display = connection_of(values).display;
  std::string table = o.table;
  if (table.empty()) {
    auto fmt_ = get(values, "table.name.format", "${topic}");
    auto topic = first_of_list(get(values, "topics", "sluice_bench"));
    if (auto p = fmt_.find("${topic}"); p != std::string::npos) fmt_.replace(p, 8, topic);
    table = fmt_;
  }
  auto existing = db.rows(table);
  if (refuse_existing(o, table, existing)) return 1;
  std::string mode = !o.mode.empty() ? o.mode : get(values, "insert.mode", "insert");
  if ((o.updates > 0 || o.deletes > 0) && mode != "upsert")
    throw error({.what = "cannot run sluice bench", .where = "--updates / --deletes",
                 .why = fmt::format("updates and deletes need insert.mode=upsert (it is {})", mode),
                 .fix = "add --mode upsert"});
  shape s = existing ? db.shape_of(table) : o.columns.empty() ? default_shape() : parse_columns(o.columns);
  if (existing && !o.columns.empty())
    fmt::print(stderr, "bench: table {} exists: its columns are used, --columns is ignored\n", table);
  values["insert.mode"] = mode;
  if (o.config_file.empty()) {
    values["pk.mode"] = "record_key";
    values["pk.fields"] = s.key_column().name;
    values["delete.enabled"] = o.deletes > 0 ? "true" : "false";
  }
  if (o.batch_size) values["batch.size"] = *o.batch_size;
  if (o.tasks) values["tasks.max"] = *o.tasks;

  report r;
  r.kind = "sink";
  r.started = utc_now();
  r.database = display;
  r.dialect = db.dialect();
  r.table = table;
  r.mode = mode;
  r.shape = s.describe();
  r.rows = o.rows.value_or(100000);
  r.updates = o.updates;
  r.deletes = o.deletes;
  r.zipf = o.zipf;
  r.partitions = o.partitions;

  progress bar;
  const auto grid = sweep_grid(o);
  auto topic_of = [&](std::size_t i) { return fmt::format("sluice-bench-{}-{}", ::getpid(), i + 1); };
  std::optional<broker_process> broker;
  if (bootstrap_of(values) == "embedded") {
    std::vector<std::string> topics;
    for (std::size_t i = 0; i < grid.size(); ++i) topics.push_back(topic_of(i));
    broker.emplace(self, o.partitions, topics);
    values["bootstrap.servers"] = broker->bootstrap();
    // The broker is in another process, so the sink cannot tell it is an embedded one, whose
    // rebalances wait for the session timeout (embedded_broker.hpp): a config's own settings win.
    for (const auto& [k, v] : kafka::embedded_group_settings()) values.try_emplace("consumer.override." + k, v);
    bar.phase("embedded broker (its own process) on " + broker->bootstrap());
  }
  const bool created = !existing;
  if (created) db.create(table, s);
  const key_mix mix{o.updates, o.deletes, o.zipf};
  {
    bar.phase(fmt::format("measuring the database's ceiling with the same {} records", r.rows));
    generator g(mix, 1);
    std::vector<operation> ops;
    ops.reserve(r.rows);
    for (std::uint64_t i = 0; i < r.rows; ++i) ops.push_back(g.next());
    r.db_ceiling = mode == "upsert" ? db.upsert_ceiling(table, s, ops) : db.insert_ceiling(table, s, ops);
  }
  sink_plan plan{values, s, mix, r.rows, o.partitions, o.latency_seconds, 10000, o.timeout_seconds, !broker};
  for (std::size_t i = 0; i < grid.size(); ++i) {
    const bool sweep = grid.size() > 1;
    const auto t = sweep ? with_suffix(db, table, fmt::format("_sweep_{}", i + 1)) : table;
    if (sweep) {
      db.drop(t);
      db.create_like(t, table);
    }
    std::map<std::string, std::string> point(grid[i].begin(), grid[i].end());
    auto f = run_sink(plan, point, t, topic_of(i), db, bar);
    if (sweep && !o.keep_tables) db.drop(t);
    r.runs.push_back(std::move(f));
  }
  if (grid.size() > 1 && created && !o.keep_tables) db.drop(table);
  return finish(o, r);
}

int bench_source(const options& o, values_t values, const std::string& self) {
  auto db_ptr = open_target(values, "source");
  auto& db = *db_ptr;
  const auto display = connection_of(values).display;
  std::string table = !o.table.empty() ? o.table : first_of_list(get(values, "table.whitelist", "sluice_bench_source"));
  auto existing = db.rows(table);
  // Only the steady phase writes: reading an existing table's initial load alone touches nothing.
  if (o.cdc_seconds > 0 && refuse_existing(o, table, existing)) return 1;
  shape s = existing ? db.shape_of(table) : o.columns.empty() ? default_shape() : parse_columns(o.columns);
  progress bar;
  if (!existing) db.create(table, s, true);
  if (!existing || *existing == 0) {
    auto n = o.rows.value_or(100000);
    bar.phase(fmt::format("filling {} with {} generated rows", table, n));
    db.fill(table, s, 1, n);
  }
  report r;
  r.kind = "source";
  r.started = utc_now();
  r.database = display;
  r.dialect = db.dialect();
  r.table = table;
  r.mode = get(values, "mode", "incrementing");
  r.shape = s.describe();
  r.rows = *db.rows(table);
  r.partitions = o.partitions;
  // Every sweep point reads the table's initial load into a topic of its own; the rows an
  // earlier point's steady phase added are part of the next point's load (its count says so).
  const auto grid = sweep_grid(o);
  auto prefix_of = [&](std::size_t i) {
    return grid.size() > 1 ? fmt::format("sluice-bench-{}-{}-", ::getpid(), i + 1) : fmt::format("sluice-bench-{}-", ::getpid());
  };
  std::optional<broker_process> broker;
  if (bootstrap_of(values) == "embedded") {
    std::vector<std::string> topics;
    for (std::size_t i = 0; i < grid.size(); ++i) topics.push_back(prefix_of(i) + source_topic_name(table));
    broker.emplace(self, o.partitions, topics);
    values["bootstrap.servers"] = broker->bootstrap();
    bar.phase("embedded broker (its own process) on " + broker->bootstrap());
  }
  if (o.batch_size) values["batch.max.rows"] = *o.batch_size;
  if (o.tasks) values["tasks.max"] = *o.tasks;
  bar.phase("measuring the database's read ceiling");
  r.db_ceiling = db.read_ceiling(table, s);
  source_plan plan{values, s, o.partitions, o.cdc_rate, o.cdc_seconds, o.timeout_seconds};
  for (std::size_t i = 0; i < grid.size(); ++i) {
    std::map<std::string, std::string> point(grid[i].begin(), grid[i].end());
    r.runs.push_back(run_source(plan, point, table, prefix_of(i), db, bar));
  }
  return finish(o, r);
}

}  // namespace

int run_bench(const std::vector<std::string>& a, const std::string& self) {
  options o;
  try {
    o = parse_options(a);
  } catch (const error& e) {
    fmt::print(stderr, "sluice bench: {}\n\nUsage:\n{}", e.what(), usage);
    return 64;
  }
  // The connectors' info lines (assignments, pauses) would bury the bench's own; --verbose keeps them.
  log::set_level("root", o.verbose ? "info" : "warn");
  auto values = base_values(o);
  return o.kind == "sink" ? bench_sink(o, std::move(values), self) : bench_source(o, std::move(values), self);
}

}  // namespace sluice::benchkit
