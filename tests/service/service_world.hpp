#pragma once
// What the service integration tests share: a fresh database on the shared throwaway
// PostgreSQL, an embedded Kafka broker owned by the test (the `sluice serve` child reaches it
// over TCP), Kafka Connect REST bodies for sinks pointing at both, and rows in Connect's JSON.
// Ownership: owns its broker. Thread-safety: one test thread.
#include <chrono>
#include <map>
#include <string>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "kafka/embedded_broker.hpp"
#include "tests/service/serve_process.hpp"
#include "tests/support/kafka_helpers.hpp"
#include "tests/support/pg_server.hpp"

namespace sluice::testing {

using namespace std::chrono_literals;

class service_world {
 public:
  service_world() : db_(pg_server::shared().create_database("svc")), broker_(1, 1) {}

  pg_server& pg() const { return pg_server::shared(); }
  const std::string& db() const { return db_; }
  const std::string& bootstrap() const { return broker_.bootstrap_servers(); }
  void create_topic(const std::string& t, int partitions = 1) { broker_.create_topic(t, partitions); }
  kafka::embedded_broker& broker() { return broker_; }

  // {"name": name, "config": {...}} of an upsert sink of `topic` into table `topic` (id key),
  // with `extra` config applied over the defaults.
  boost::json::object sink_body(const std::string& name, const std::string& topic,
                                const std::map<std::string, std::string>& extra = {}) const {
    boost::json::object cfg{
        {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
        {"connection.url", pg().jdbc_url(db_) + "&password=hunter2-secret"},
        {"topics", topic},
        {"bootstrap.servers", bootstrap()},
        {"insert.mode", "upsert"},
        {"pk.mode", "record_value"},
        {"pk.fields", "id"},
        {"auto.create", "true"},
        {"batch.linger.ms", "20"},
        {"tasks.max", "1"}};
    // librdkafka's mock broker lets a member that left count until session.timeout.ms passed
    // before a re-join completes (restart, resume after stop): keep that short.
    for (const auto& [k, v] : kafka::embedded_group_settings()) cfg["consumer.override." + k] = v;
    for (const auto& [k, v] : extra) cfg[k] = v;
    return boost::json::object{{"name", name}, {"config", std::move(cfg)}};
  }

  // Rows id = from .. to-1 as Connect JSON (schema + payload), no key.
  void produce_rows(const std::string& topic, int from, int to) const {
    std::vector<test_record> recs;
    for (int i = from; i < to; ++i)
      recs.push_back(test_record{
          std::nullopt,
          fmt::format(R"({{"schema":{{"type":"struct","name":"row","optional":false,"fields":[)"
                      R"({{"field":"id","type":"int64","optional":false}},)"
                      R"({{"field":"name","type":"string","optional":true}}]}},)"
                      R"("payload":{{"id":{},"name":"row {}"}}}})",
                      i, i)});
    produce_all(bootstrap(), topic, recs);
  }

  // SELECT count(*) of the table (-1 while it does not exist).
  long count(const std::string& table) const {
    try {
      auto rows = pg().query(db_, "SELECT count(*) FROM \"" + table + "\"");
      return rows.empty() || !rows[0][0] ? -1 : std::stol(*rows[0][0]);
    } catch (const std::exception&) {
      return -1;
    }
  }

 private:
  std::string db_;
  kafka::embedded_broker broker_;
};

// The task states of a status body, e.g. "RUNNING" or "PAUSED,PAUSED".
inline std::string task_states(const boost::json::value& status) {
  std::string out;
  for (const auto& t : status.at("tasks").as_array()) {
    if (!out.empty()) out += ',';
    out += std::string(t.at("state").as_string());
  }
  return out;
}

inline std::string connector_state(const boost::json::value& status) {
  return std::string(status.at("connector").at("state").as_string());
}

}  // namespace sluice::testing
