#include "tests/conformance/world.hpp"

#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "core/convert/connect_json.hpp"
#include "tests/support/text_rows.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/pg_server.hpp"

namespace sluice::conformance {

using sluice::testing::mariadb_server;
using sluice::testing::pg_server;

std::vector<backend> backends() {
  return {{"postgres", backend_kind::pg_native},
          {"postgres_odbc", backend_kind::pg_odbc},
          {"mariadb", backend_kind::mariadb},
          {"sqlite", backend_kind::sqlite}};
}

std::string backend_name(const ::testing::TestParamInfo<backend>& info) { return info.param.name; }

world::world(const backend& b, int default_partitions) : b_(b), broker_(1, default_partitions) {
  switch (b_.kind) {
    case backend_kind::pg_native:
    case backend_kind::pg_odbc:
      db_ = pg_server::shared().create_database("conf");
      url_ = b_.kind == backend_kind::pg_native
                 ? pg_server::shared().jdbc_url(db_)
                 : fmt::format("odbc:Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={};Database={};UID=postgres",
                               pg_server::shared().port(), db_);
      pg_check_ = pg::connection::open(pg_server::shared().conninfo(db_) + " application_name=sluice_test_check",
                                       "test checks");
      pg_check_->exec("SET TimeZone = 'UTC'");
      break;
    case backend_kind::mariadb: {
      auto& s = mariadb_server::shared();
      db_ = s.create_database("conf");
      url_ = s.jdbc_url(db_);
      check_ = odbc::connection::open({.connection_string = s.odbc_connection_string(db_),
                                       .family = config::dialect::mysql, .where = "test checks"});
      break;
    }
    case backend_kind::sqlite:
      file_ = std::make_unique<sluice::testing::sqlite_file>();
      url_ = file_->jdbc_url();
      check_ = odbc::connection::open({.connection_string = file_->odbc_connection_string(),
                                       .family = config::dialect::sqlite, .where = "test checks"});
      break;
  }
}

world::~world() = default;

config_values world::values(const config_values& extra, const std::string& name) const {
  config_values v{
      {"name", name},
      {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
      {"connection.url", url_},
      {"bootstrap.servers", bootstrap()},
      {"batch.linger.ms", "20"},
      {"retry.backoff.ms", "100"},
  };
  for (const auto& [k, val] : extra) v[k] = val;
  return v;
}

config::connector_config world::config(const config_values& extra, const std::string& name) const {
  config::raw_connector raw;
  raw.values = values(extra, name);
  raw.name = raw.values["name"];
  raw.origin = "test";
  auto r = config::validate(raw);
  if (!r.config) {
    std::string all;
    for (const auto& p : r.problems) all += p.render() + "\n";
    throw std::runtime_error("invalid test config:\n" + all);
  }
  return *r.config;
}

std::unique_ptr<sink::sink_connector> world::start(const config_values& extra,
                                                   const std::string& name) const {
  auto c = std::make_unique<sink::sink_connector>(config(extra, name));
  c->start();
  return c;
}

std::vector<std::unique_ptr<sink::sink_connector>> world::start_together(
    const std::vector<std::pair<std::string, config_values>>& connectors) const {
  std::vector<std::unique_ptr<sink::sink_connector>> out;
  for (const auto& [name, extra] : connectors) {
    out.push_back(start(extra, name));
    if (out.size() > 1) continue;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (scalar("SELECT COUNT(*) FROM sluice_offsets").starts_with("<") && !out[0]->failure() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
  }
  return out;
}

void world::produce(const std::string& topic, const std::vector<sluice::testing::test_record>& records) const {
  sluice::testing::produce_all(bootstrap(), topic, records);
}

std::string world::q(const std::string& name) const {
  const char quote = b_.kind == backend_kind::mariadb ? '`' : '"';
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote) out += c;
    out += c;
  }
  return out + quote;
}

text_rows world::query(const std::string& sql) const {
  std::lock_guard lock(mu_);
  if (is_postgres()) {
    auto r = pg_check_->exec(sql);
    text_rows out;
    for (int i = 0; i < r.rows(); ++i) {
      auto& row = out.emplace_back();
      for (int j = 0; j < r.columns(); ++j)
        row.push_back(r.is_null(i, j) ? std::nullopt : std::optional<std::string>(r.text(i, j)));
    }
    return out;
  }
  return check_->query(sql);
}

void world::exec(const std::string& sql) const {
  std::lock_guard lock(mu_);
  if (is_postgres()) pg_check_->exec(sql);
  else check_->exec(sql);
}

std::string world::scalar(const std::string& sql) const {
  try {
    auto r = query(sql);
    if (r.empty() || r[0].empty()) return "<no rows>";
    return r[0][0].value_or("NULL");
  } catch (const std::exception& e) {
    return fmt::format("<error: {}>", e.what());
  }
}

std::string world::rows(const std::string& sql) const { return sluice::testing::join_rows(query(sql)); }

std::string render_failure(const std::optional<error_info>& f) { return f ? render(*f) : "none"; }

::testing::AssertionResult world::eventually(const std::string& sql, const std::string& expected,
                                             const sink::sink_connector* c,
                                             std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    last = scalar(sql);
    if (last == expected) return ::testing::AssertionSuccess();
    auto failed = c ? c->failure() : std::nullopt;
    if (failed || std::chrono::steady_clock::now() >= deadline)
      return ::testing::AssertionFailure()
             << "[" << b_.name << "] `" << sql << "` gave '" << last << "', expected '" << expected << "'"
             << (failed ? " (the connector failed: " + render(*failed) + ")"
                        : fmt::format(" after {} ms", timeout.count()));
    std::this_thread::sleep_for(50ms);
  }
}

std::string world::stored_offset(const std::string& topic, int partition, const std::string& name) const {
  return scalar(fmt::format("SELECT next_offset FROM sluice_offsets WHERE connector = '{}' AND "
                            "topic = '{}' AND {} = {}",
                            name, topic, q("partition"), partition));
}

std::optional<int> world::server_connections() const {
  std::string n;
  switch (b_.kind) {
    case backend_kind::sqlite: return std::nullopt;
    case backend_kind::mariadb:
      n = scalar(fmt::format("SELECT COUNT(*) FROM information_schema.processlist WHERE DB = '{}' "
                             "AND ID <> CONNECTION_ID()",
                             db_));
      break;
    default:
      n = scalar(fmt::format("SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND "
                             "pid <> pg_backend_pid()",
                             db_));
  }
  return std::stoi(n);
}

pool::pool_counters world::pool_counters(const sink::sink_connector& c) {
  if (auto p = c.pool()) return p->counters();
  return c.odbc_connections()->counters();
}

field_schema field(const std::string& name, type_kind t, bool optional, logical_kind l, int scale) {
  field_schema f;
  f.name = name;
  f.type = t;
  f.optional = optional;
  f.logical = l;
  f.scale = scale;
  return f;
}

std::shared_ptr<struct_schema> make_schema(std::vector<field_schema> fields, const std::string& name) {
  auto s = std::make_shared<struct_schema>();
  s->name = name;
  s->fields = std::move(fields);
  return s;
}

std::string connect_json(const struct_schema& s, const std::vector<value>& row) {
  return convert::encode_connect_json(s, row, true);
}

std::string int64_key(std::int64_t n) {
  return fmt::format(R"({{"schema":{{"type":"int64","optional":false}},"payload":{}}})", n);
}

sluice::testing::test_record record(std::optional<std::string> key, std::optional<std::string> value,
                                    std::int32_t partition) {
  sluice::testing::test_record r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.partition = partition;
  return r;
}

}  // namespace sluice::conformance
