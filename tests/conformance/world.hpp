#pragma once
// The world of one conformance test: a fresh database on one backend (PostgreSQL native,
// PostgreSQL through psqlODBC, MariaDB, SQLite), an embedded Kafka broker owned by the test,
// connector configs pointing at both, and checks read through one connection of the test's own
// (libpq for PostgreSQL, sluice's ODBC layer otherwise, so unicode names work).
// The same TEST_P then runs on every backend (INSTANTIATE_TEST_SUITE_P with backends()).
// Ownership: owns its broker, its SQLite file and its check connection; databases on the shared
// servers live as long as the servers. Thread-safety: test thread only, except query()/scalar()
// which hold a mutex.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/connector_config.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"
#include "dialects/odbc/connection.hpp"
#include "dialects/postgres/connection.hpp"
#include "kafka/embedded_broker.hpp"
#include "pool/pool.hpp"
#include "sink/sink_connector.hpp"
#include "tests/support/kafka_helpers.hpp"
#include "tests/support/sqlite_file.hpp"

namespace sluice::conformance {

using namespace std::chrono_literals;
using config_values = std::map<std::string, std::string>;
using text_rows = std::vector<std::vector<std::optional<std::string>>>;

enum class backend_kind { pg_native, pg_odbc, mariadb, sqlite };

struct backend {
  std::string name;
  backend_kind kind;
};
std::vector<backend> backends();
std::string backend_name(const ::testing::TestParamInfo<backend>& info);

class world {
 public:
  explicit world(const backend& b, int default_partitions = 1);
  ~world();

  const backend& where() const { return b_; }
  backend_kind kind() const { return b_.kind; }
  bool is_postgres() const { return b_.kind == backend_kind::pg_native || b_.kind == backend_kind::pg_odbc; }
  const std::string& url() const { return url_; }
  kafka::embedded_broker& broker() { return broker_; }
  const std::string& bootstrap() const { return broker_.bootstrap_servers(); }

  // name, class, connection.url, bootstrap.servers, short linger and back-off, `extra` over them.
  config_values values(const config_values& extra, const std::string& name = "sink") const;
  config::connector_config config(const config_values& extra, const std::string& name = "sink") const;
  std::unique_ptr<sink::sink_connector> start(const config_values& extra,
                                              const std::string& name = "sink") const;

  // Starts several connectors (name, extra values): the first alone until the offsets table
  // exists, then the rest at once (their consumer-group joins overlap). The first creating the
  // table keeps the native PostgreSQL writer out of a CREATE TABLE race it loses with 42710.
  std::vector<std::unique_ptr<sink::sink_connector>> start_together(
      const std::vector<std::pair<std::string, config_values>>& connectors) const;

  void create_topic(const std::string& topic, int partitions = 1) { broker_.create_topic(topic, partitions); }
  void produce(const std::string& topic, const std::vector<sluice::testing::test_record>& records) const;

  // The identifier quoted for this backend's SQL ("x" or `x`).
  std::string q(const std::string& name) const;
  void exec(const std::string& sql) const;
  text_rows query(const std::string& sql) const;
  // First column of the first row; "<no rows>", "NULL", or "<error: …>" (a missing table).
  std::string scalar(const std::string& sql) const;
  // Rows joined by '\n', columns by '|', NULL as "NULL".
  std::string rows(const std::string& sql) const;
  ::testing::AssertionResult eventually(const std::string& sql, const std::string& expected,
                                        const sink::sink_connector* c = nullptr,
                                        std::chrono::milliseconds timeout = 30s) const;
  // The stored next offset of a partition for connector `name`.
  std::string stored_offset(const std::string& topic, int partition = 0,
                            const std::string& name = "sink") const;

  // How many sessions the server holds to this test's database, not counting the check
  // connection (PostgreSQL pg_stat_activity, MariaDB information_schema.processlist); nullopt
  // for SQLite, which has no server.
  std::optional<int> server_connections() const;
  // The counters of the connector's pool, native or ODBC.
  static pool::pool_counters pool_counters(const sink::sink_connector& c);

 private:
  backend b_;
  std::string db_;  // database name; SQLite: unused
  std::unique_ptr<sluice::testing::sqlite_file> file_;
  std::string url_;
  kafka::embedded_broker broker_;
  mutable std::mutex mu_;
  // One persistent check connection, so the sessions the server counts are the sink's and this
  // one (a connection per check would linger in pg_stat_activity while its backend exits).
  mutable std::unique_ptr<pg::connection> pg_check_;  // PostgreSQL
  mutable std::unique_ptr<odbc::connection> check_;   // MariaDB and SQLite
};

std::string render_failure(const std::optional<error_info>& f);

// ---- records ----
field_schema field(const std::string& name, type_kind t, bool optional = true,
                   logical_kind l = logical_kind::none, int scale = 0);
std::shared_ptr<struct_schema> make_schema(std::vector<field_schema> fields, const std::string& name = "");
// {"schema": …, "payload": …}
std::string connect_json(const struct_schema& s, const std::vector<value>& row);
// {"schema":{"type":"int64","optional":false},"payload":n}
std::string int64_key(std::int64_t n);
sluice::testing::test_record record(std::optional<std::string> key, std::optional<std::string> value,
                                    std::int32_t partition = -1);
inline value num(std::int64_t n) { return value{n}; }
inline value str(std::string s) { return value{std::move(s)}; }
inline value null() { return value{null_value{}}; }

}  // namespace sluice::conformance
