#pragma once
// The world of one sink integration test: a fresh database on the shared throwaway PostgreSQL,
// an embedded Kafka broker owned by the test, connector configs pointing at both, and bounded
// polling waits on what the table holds. Also builders for Kafka Connect JSON records.
// Ownership: owns its broker; the database lives as long as the shared server.
// Thread-safety: query()/scalar()/produce() may be called from any thread; the rest from the
// test's thread.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/connector_config.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"
#include "kafka/embedded_broker.hpp"
#include "sink/sink_connector.hpp"
#include "tests/support/kafka_helpers.hpp"
#include "tests/support/pg_server.hpp"

namespace sluice::testing {

using namespace std::chrono_literals;
using config_values = std::map<std::string, std::string>;

class sink_env {
 public:
  explicit sink_env(int default_partitions = 1);

  pg_server& pg() const { return pg_server::shared(); }
  const std::string& db() const { return db_; }
  kafka::embedded_broker& broker() { return broker_; }
  const std::string& bootstrap() const { return broker_.bootstrap_servers(); }

  // The values every test sink starts from (name, class, connection.url, bootstrap.servers, a
  // short linger and retry back-off), with `extra` applied over them.
  config_values values(const config_values& extra, const std::string& name = "sink") const;
  // validate() of those values; fails the test (throws) when the config is invalid.
  config::connector_config config(const config_values& extra, const std::string& name = "sink") const;
  std::unique_ptr<sink::sink_connector> start(const config_values& extra,
                                              const std::string& name = "sink") const;

  void create_topic(const std::string& topic, int partitions = 1) {
    broker_.create_topic(topic, partitions);
  }
  void produce(const std::string& topic, const std::vector<test_record>& records) const {
    produce_all(bootstrap(), topic, records);
  }

  // Rows as text, in a session with TimeZone=UTC.
  text_rows query(const std::string& sql) const;
  void exec(const std::string& sql) const { pg().exec(db_, sql); }
  // The first column of the first row ("<no rows>" when none, "<null>" for NULL, "<error: …>"
  // when the query fails, e.g. the table does not exist yet).
  std::string scalar(const std::string& sql) const;
  // All rows, columns joined by '|', rows by '\n', NULL as "NULL".
  std::string rows(const std::string& sql) const;

  // Polls `sql` every 50 ms until it returns `expected` or `timeout` passes or `c` (when given)
  // fails; the failure message says what it saw last and why the connector failed.
  ::testing::AssertionResult eventually(const std::string& sql, const std::string& expected,
                                        const sink::sink_connector* c = nullptr,
                                        std::chrono::milliseconds timeout = 30s) const;
  // Waits until the connector reports a failure; nullopt at the timeout.
  static std::optional<error_info> wait_failure(const sink::sink_connector& c,
                                                std::chrono::milliseconds timeout = 30s);
  // Polls `pred` every 20 ms until true or the timeout; returns its last result.
  static bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

 private:
  std::string db_;
  kafka::embedded_broker broker_;
};

inline value num(std::int64_t n) { return value{n}; }
inline value str(std::string s) { return value{std::move(s)}; }
inline value null() { return value{null_value{}}; }

// Schema builders.
field_schema field(const std::string& name, type_kind t, bool optional = true);
field_schema logical_field(const std::string& name, type_kind t, logical_kind l, bool optional = true,
                           int scale = 0);
std::shared_ptr<struct_schema> make_schema(std::vector<field_schema> fields,
                                           const std::string& name = "");

// {"schema": …, "payload": …} of a struct (encode_connect_json).
std::string connect_json(const struct_schema& s, const std::vector<value>& row);
// {"schema":{"type":"int64","optional":false},"payload":n}
std::string int64_key(std::int64_t n);

// A record with a Connect JSON key and value (either may be absent).
test_record record(std::optional<std::string> key, std::optional<std::string> value,
                   std::int32_t partition = -1);

std::string render_failure(const std::optional<error_info>& f);

}  // namespace sluice::testing
