#include "tests/sink/sink_env.hpp"

#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "core/convert/connect_json.hpp"
#include "tests/support/text_rows.hpp"

namespace sluice::testing {

sink_env::sink_env(int default_partitions)
    : db_(pg_server::shared().create_database("sink")), broker_(1, default_partitions) {}

config_values sink_env::values(const config_values& extra, const std::string& name) const {
  config_values v{
      {"name", name},
      {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
      {"connection.url", pg().jdbc_url(db_)},
      {"bootstrap.servers", bootstrap()},
      {"batch.linger.ms", "20"},
      {"retry.backoff.ms", "100"},
  };
  // The tests' broker is an embedded_broker of their own (not bootstrap.servers=embedded): keep
  // its rebalances short for the tests that rebalance (embedded_broker.hpp).
  for (const auto& [k, val] : kafka::embedded_group_settings()) v["consumer.override." + k] = val;
  for (const auto& [k, val] : extra) v[k] = val;
  return v;
}

config::connector_config sink_env::config(const config_values& extra,
                                          const std::string& name) const {
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

std::unique_ptr<sink::sink_connector> sink_env::start(const config_values& extra,
                                                      const std::string& name) const {
  auto c = std::make_unique<sink::sink_connector>(config(extra, name));
  c->start();
  return c;
}

text_rows sink_env::query(const std::string& sql) const {
  return pg().query(db_, "SET TimeZone = 'UTC'; " + sql);
}

std::string sink_env::scalar(const std::string& sql) const {
  try {
    auto rows = query(sql);
    if (rows.empty() || rows[0].empty()) return "<no rows>";
    return rows[0][0].value_or("<null>");
  } catch (const std::exception& e) {
    return fmt::format("<error: {}>", e.what());
  }
}

std::string sink_env::rows(const std::string& sql) const { return sluice::testing::join_rows(query(sql)); }

std::string render_failure(const std::optional<error_info>& f) {
  return f ? render(*f) : std::string("none");
}

::testing::AssertionResult sink_env::eventually(const std::string& sql, const std::string& expected,
                                                const sink::sink_connector* c,
                                                std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    last = scalar(sql);
    if (last == expected) return ::testing::AssertionSuccess();
    auto failed = c ? c->failure() : std::nullopt;
    if (failed || std::chrono::steady_clock::now() >= deadline)
      return ::testing::AssertionFailure()
             << "`" << sql << "` gave '" << last << "', expected '" << expected << "'"
             << (failed ? " (the connector failed: " + render(*failed) + ")"
                        : fmt::format(" after {} ms", timeout.count()));
    std::this_thread::sleep_for(50ms);
  }
}

std::optional<error_info> sink_env::wait_failure(const sink::sink_connector& c,
                                                 std::chrono::milliseconds timeout) {
  std::optional<error_info> f;
  wait_until([&] { return (f = c.failure()).has_value(); }, timeout);
  return f;
}

bool sink_env::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

field_schema field(const std::string& name, type_kind t, bool optional) {
  field_schema f;
  f.name = name;
  f.type = t;
  f.optional = optional;
  return f;
}

field_schema logical_field(const std::string& name, type_kind t, logical_kind l, bool optional,
                           int scale) {
  auto f = field(name, t, optional);
  f.logical = l;
  f.scale = scale;
  return f;
}

std::shared_ptr<struct_schema> make_schema(std::vector<field_schema> fields,
                                           const std::string& name) {
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

test_record record(std::optional<std::string> key, std::optional<std::string> value,
                   std::int32_t partition) {
  test_record r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.partition = partition;
  return r;
}

}  // namespace sluice::testing
