// Honest status and recovery through `sluice serve`: pause and resume lose and repeat nothing, a
// task whose database went away restarts by itself, a sink blocked by a locked table reports
// STALLED with the reason, deleting releases the connections, offsets can be read, altered and
// reset while STOPPED, and a Kafka Connect deployment script runs unchanged.
#include <libpq-fe.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/service/service_world.hpp"

namespace sluice::testing {
namespace {

namespace json = boost::json;

std::string body_of(const json::object& o) { return json::serialize(o); }

struct pgconn_closer {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};

// A session of its own on the test database (to hold a lock while sluice writes).
class session {
 public:
  explicit session(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c_.get()));
  }
  void exec(const std::string& sql) {
    PGresult* r = PQexec(c_.get(), sql.c_str());
    const auto st = PQresultStatus(r);
    const std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(err);
  }

 private:
  std::unique_ptr<PGconn, pgconn_closer> c_;
};

class ServeStatus : public ::testing::Test {
 protected:
  json::value status(const serve_process& s, const std::string& name) {
    return s.get("/connectors/" + name + "/status").json();
  }
  bool tasks_are(const serve_process& s, const std::string& name, const std::string& states) {
    return task_states(status(s, name)) == states;
  }
  bool rows_are(const std::string& table, long n) { return w.count(table) == n; }

  service_world w;
};

TEST_F(ServeStatus, PauseAndResumeNeitherLoseNorRepeatARow) {
  serve_process s;
  w.create_topic("clicks", 3);
  // insert mode without a key: a record written twice would be a second row.
  ASSERT_EQ(s.request("POST", "/connectors",
                      body_of(w.sink_body("clicks", "clicks",
                                          {{"insert.mode", "insert"}, {"pk.mode", "none"}, {"pk.fields", ""}})))
                .status,
            201);
  w.produce_rows("clicks", 0, 300);
  ASSERT_TRUE(eventually([&] { return rows_are("clicks", 300); }, 30s)) << w.count("clicks") << s.log();

  ASSERT_EQ(s.request("PUT", "/connectors/clicks/pause").status, 202);
  ASSERT_TRUE(eventually([&] { return tasks_are(s, "clicks", "PAUSED"); }, 10s));
  EXPECT_EQ(connector_state(status(s, "clicks")), "PAUSED");
  w.produce_rows("clicks", 300, 600);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(w.count("clicks"), 300) << "a paused sink writes nothing" << s.log();

  ASSERT_EQ(s.request("PUT", "/connectors/clicks/resume").status, 202);
  ASSERT_TRUE(eventually([&] { return rows_are("clicks", 600); }, 30s)) << w.count("clicks");
  EXPECT_EQ(connector_state(status(s, "clicks")), "RUNNING");
  std::this_thread::sleep_for(1s);
  auto distinct = w.pg().query(w.db(), "SELECT count(DISTINCT id), count(*) FROM clicks");
  EXPECT_EQ(*distinct[0][0], "600");
  EXPECT_EQ(*distinct[0][1], "600");
}

TEST_F(ServeStatus, ATaskWhoseDatabaseWentAwayRestartsByItself) {
  serve_process s;
  w.create_topic("orders");
  ASSERT_EQ(s.request("POST", "/connectors",
                      body_of(w.sink_body("orders", "orders",
                                          {{"max.retries", "0"},
                                           {"retry.backoff.ms", "100"},
                                           {"errors.restart.backoff.ms", "200"},
                                           {"errors.restart.max.ms", "1000"},
                                           {"connection.pool.acquire.timeout.ms", "2000"}})))
                .status,
            201);
  w.produce_rows("orders", 0, 10);
  ASSERT_TRUE(eventually([&] { return rows_are("orders", 10); }, 30s)) << s.log();

  w.pg().stop();
  w.produce_rows("orders", 10, 20);
  json::value seen;
  const bool restarting = eventually(
      [&] {
        seen = status(s, "orders");
        return task_states(seen) == "RESTARTING";
      },
      30s);
  w.pg().start();
  ASSERT_TRUE(restarting) << json::serialize(seen);
  const auto& task = seen.at("tasks").at(0);
  EXPECT_GE(task.at("attempts").as_int64(), 1) << task;
  EXPECT_TRUE(task.as_object().contains("next_attempt")) << task;
  EXPECT_TRUE(task.at("last_error").as_object().contains("fix")) << task;
  EXPECT_NE(std::string(task.at("trace").as_string()).find("restarting at"), std::string::npos) << task;

  ASSERT_TRUE(eventually([&] { return rows_are("orders", 20); }, 60s)) << s.log();
  ASSERT_TRUE(eventually([&] { return tasks_are(s, "orders", "RUNNING"); }, 10s));
  auto metrics = s.get("/metrics").body;
  EXPECT_EQ(metrics.find(R"(sluice_task_restarts_total{connector="orders",task="0"} 0)"), std::string::npos);
  EXPECT_NE(s.log().find("state=RESTARTING"), std::string::npos) << "the restart is logged";
}

TEST_F(ServeStatus, ASinkBlockedByALockedTableShowsStalledWithTheReason) {
  serve_process s;
  w.create_topic("locked");
  ASSERT_EQ(s.request("POST", "/connectors",
                      body_of(w.sink_body("locked", "locked", {{"stall.timeout.ms", "2000"}})))
                .status,
            201);
  w.produce_rows("locked", 0, 5);
  ASSERT_TRUE(eventually([&] { return rows_are("locked", 5); }, 30s)) << s.log();
  ASSERT_EQ(task_states(status(s, "locked")), "RUNNING");

  session locker(w.pg().conninfo(w.db()));
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE");
  w.produce_rows("locked", 5, 10);
  json::value seen;
  const bool stalled = eventually(
      [&] {
        seen = status(s, "locked");
        return task_states(seen) == "STALLED";
      },
      20s);
  const auto metrics = s.get("/metrics").body;
  locker.exec("ROLLBACK");
  ASSERT_TRUE(stalled) << json::serialize(seen);
  const std::string trace(seen.at("tasks").at(0).at("trace").as_string());
  EXPECT_NE(trace.find("lag"), std::string::npos) << trace;
  EXPECT_NE(trace.find("stall.timeout.ms=2000"), std::string::npos) << trace;
  EXPECT_NE(metrics.find(R"(sluice_task_state{connector="locked",task="0",state="STALLED"} 1)"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(sluice_sink_consumer_lag_records{connector="locked",task="0",topic="locked",partition="0"} 5)"),
            std::string::npos) << metrics;

  ASSERT_TRUE(eventually([&] { return rows_are("locked", 10); }, 30s));
  ASSERT_TRUE(eventually([&] { return tasks_are(s, "locked", "RUNNING"); }, 10s)) << json::serialize(status(s, "locked"));
  EXPECT_NE(s.log().find("state=STALLED"), std::string::npos);
}

TEST_F(ServeStatus, DeletingAConnectorReleasesItsConnections) {
  serve_process s;
  w.create_topic("gone");
  ASSERT_EQ(s.request("POST", "/connectors", body_of(w.sink_body("gone", "gone", {{"tasks.max", "2"}}))).status, 201);
  w.produce_rows("gone", 0, 10);
  ASSERT_TRUE(eventually([&] { return rows_are("gone", 10); }, 30s));
  auto sessions = [&] {
    auto r = w.pg().query(w.db(), "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()");
    return std::stol(*r[0][0]);
  };
  EXPECT_GE(sessions(), 1);
  ASSERT_EQ(s.request("DELETE", "/connectors/gone").status, 204);
  EXPECT_TRUE(eventually([&] { return sessions() == 0; }, 10s)) << sessions();
}

TEST_F(ServeStatus, OffsetsAreReadAlwaysAndAlteredOrResetOnlyWhenStopped) {
  serve_process s;
  w.create_topic("offs");
  ASSERT_EQ(s.request("POST", "/connectors", body_of(w.sink_body("offs", "offs"))).status, 201);
  w.produce_rows("offs", 0, 7);
  ASSERT_TRUE(eventually([&] { return rows_are("offs", 7); }, 30s));
  const std::string seven =
      R"({"offsets":[{"partition":{"kafka_topic":"offs","kafka_partition":0},"offset":{"kafka_offset":7}}]})";
  EXPECT_TRUE(eventually([&] { return s.get("/connectors/offs/offsets").body == seven; }, 10s))
      << s.get("/connectors/offs/offsets").body;
  const std::string two =
      R"({"offsets":[{"partition":{"kafka_topic":"offs","kafka_partition":0},"offset":{"kafka_offset":2}}]})";
  EXPECT_EQ(s.request("PATCH", "/connectors/offs/offsets", two).status, 400);
  EXPECT_EQ(s.request("DELETE", "/connectors/offs/offsets").status, 400);

  ASSERT_EQ(s.request("PUT", "/connectors/offs/stop").status, 202);
  EXPECT_EQ(connector_state(status(s, "offs")), "STOPPED");
  auto altered = s.request("PATCH", "/connectors/offs/offsets", two);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(altered.json().at("message"), "The offsets for this connector have been altered successfully");
  EXPECT_EQ(s.get("/connectors/offs/offsets").body, two);
  EXPECT_EQ(s.request("PATCH", "/connectors/offs/offsets", R"({"offsets":[{"partition":{}}]})").status, 400);
  auto reset = s.request("DELETE", "/connectors/offs/offsets");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(s.get("/connectors/offs/offsets").body,
            R"({"offsets":[{"partition":{"kafka_topic":"offs","kafka_partition":0},"offset":{"kafka_offset":0}}]})");

  // Resumed from the reset offsets: everything is read again (upserts, so still 7 rows).
  w.pg().exec(w.db(), "DELETE FROM offs");
  ASSERT_EQ(s.request("PUT", "/connectors/offs/resume").status, 202);
  EXPECT_TRUE(eventually([&] { return rows_are("offs", 7); }, 30s)) << w.count("offs") << s.log();
}

TEST_F(ServeStatus, OffsetsOfAnOdbcSinkAreReadAndAlteredLikeAPostgresOnes) {
  temp_dir dir("sluice-odbc-offsets");
  serve_process s;
  w.create_topic("lite");
  auto body = w.sink_body("lite", "lite", {{"connection.url", "jdbc:sqlite:" + (dir / "lite.db").string()}});
  ASSERT_EQ(s.request("POST", "/connectors", body_of(body)).status, 201);
  w.produce_rows("lite", 0, 5);
  const std::string five =
      R"({"offsets":[{"partition":{"kafka_topic":"lite","kafka_partition":0},"offset":{"kafka_offset":5}}]})";
  EXPECT_TRUE(eventually([&] { return s.get("/connectors/lite/offsets").body == five; }, 30s))
      << s.get("/connectors/lite/offsets").body << s.log();
  ASSERT_EQ(s.request("PUT", "/connectors/lite/stop").status, 202);
  const std::string three =
      R"({"offsets":[{"partition":{"kafka_topic":"lite","kafka_partition":0},"offset":{"kafka_offset":3}}]})";
  auto altered = s.request("PATCH", "/connectors/lite/offsets", three);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(s.get("/connectors/lite/offsets").body, three);
  ASSERT_EQ(s.request("DELETE", "/connectors/lite/offsets").status, 200);
  EXPECT_EQ(s.get("/connectors/lite/offsets").body,
            R"({"offsets":[{"partition":{"kafka_topic":"lite","kafka_partition":0},"offset":{"kafka_offset":0}}]})");
}

TEST_F(ServeStatus, AKafkaConnectDeploymentScriptRunsUnchanged) {
  serve_process s;
  w.create_topic("deploy");
  temp_dir d("sluice-deploy");
  // A Confluent JDBC sink body, as it would be sent to Kafka Connect.
  std::ofstream(d / "orders.json") << json::serialize(w.sink_body("deploy-orders", "deploy"));
  auto [code, out] = run_program({"bash", std::string(SLUICE_SOURCE_DIR) + "/tests/service/connect_deploy.sh",
                                  (d / "orders.json").string()},
                                 {{"CONNECT_URL", s.url()}});
  EXPECT_EQ(code, 0) << out << "\n--- worker log ---\n" << s.log();
  EXPECT_NE(out.find("deployed and removed deploy-orders"), std::string::npos) << out;
}

TEST_F(ServeStatus, MetricsScrapeParsesAsPrometheusText) {
  serve_process s;
  w.create_topic("m");
  ASSERT_EQ(s.request("POST", "/connectors", body_of(w.sink_body("m", "m"))).status, 201);
  w.produce_rows("m", 0, 50);
  ASSERT_TRUE(eventually([&] { return rows_are("m", 50); }, 30s));
  std::string text;
  ASSERT_TRUE(eventually(
      [&] {
        text = s.get("/metrics").body;
        return text.find(R"(sluice_sink_records_written_total{connector="m",task="0"} 50)") != std::string::npos;
      },
      10s))
      << text;
  auto scraped = s.get("/metrics");
  EXPECT_NE(scraped.headers.find("text/plain; version=0.0.4"), std::string::npos) << scraped.headers;

  // Every line: a # HELP / # TYPE comment or `name{labels} value`; each family declared once,
  // before its samples; histogram buckets cumulative with +Inf equal to _count.
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+]+|\+Inf|NaN)$)");
  std::map<std::string, std::string> types;
  std::map<std::string, std::uint64_t> last_bucket;
  std::map<std::string, double> inf_bucket, counts;
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_FALSE(types.contains(name)) << "family declared twice: " << name;
      types[name] = type;
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "not Prometheus text: " << line;
    ++samples;
    std::string name = m[1];
    const double value = m[5] == "+Inf" ? 1e308 : std::stod(m[5]);
    std::string family = name;
    for (auto suffix : {"_bucket", "_sum", "_count"}) {
      const auto base = name.substr(0, name.size() - std::strlen(suffix));
      if (name.ends_with(suffix) && types.contains(base)) family = base;
    }
    ASSERT_TRUE(types.contains(family)) << "sample before its # TYPE: " << line;
    if (types[family] == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
    if (name.ends_with("_bucket")) {
      const std::string labels = m[2];
      const auto series = family + std::regex_replace(labels, std::regex(R"(,?le="[^"]*")"), "");
      EXPECT_GE(value, static_cast<double>(last_bucket[series])) << line;
      last_bucket[series] = static_cast<std::uint64_t>(value);
      if (labels.find(R"(le="+Inf")") != std::string::npos) inf_bucket[series] = value;
    }
    if (name.ends_with("_count") && types[family] == "histogram") counts[family + std::string(m[2])] = value;
  }
  EXPECT_GT(samples, 50);
  for (const auto& [series, n] : counts) EXPECT_EQ(inf_bucket[series], n) << series;
  for (auto family : {"sluice_sink_records_in_total", "sluice_sink_bytes_in_total",
                      "sluice_sink_records_written_total", "sluice_sink_batches_total",
                      "sluice_sink_batch_write_seconds", "sluice_sink_batch_size_rows",
                      "sluice_sink_consumer_lag_records", "sluice_sink_committed_offset",
                      "sluice_sink_dlq_records_total", "sluice_sink_retries_total",
                      "sluice_task_restarts_total", "sluice_task_state", "sluice_connector_state",
                      "sluice_pool_open_connections", "sluice_pool_leased_connections",
                      "sluice_pool_waiting_requests", "sluice_pool_connections_created_total",
                      "sluice_pool_connections_destroyed_total", "sluice_pool_acquire_seconds",
                      "sluice_pool_longest_lease_seconds", "sluice_http_responses_total"})
    EXPECT_TRUE(types.contains(family)) << family;
  EXPECT_EQ(types["sluice_sink_batch_write_seconds"], "histogram");
  EXPECT_EQ(types["sluice_pool_acquire_seconds"], "histogram");
  EXPECT_NE(text.find(R"(sluice_sink_committed_offset{connector="m",task="0",topic="m",partition="0"} 50)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(sluice_sink_batch_size_rows_bucket{connector="m",task="0",le="60000"})"),
            std::string::npos);
}

TEST_F(ServeStatus, ASourceConnectorRunsPausesAndResumesThroughTheApi) {
  serve_process s;
  w.pg().exec(w.db(), "CREATE TABLE items (id bigint PRIMARY KEY, name text)");
  w.pg().exec(w.db(), "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g");
  temp_dir offsets("sluice-offsets");
  json::object cfg{{"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                   {"connection.url", w.pg().jdbc_url(w.db())},
                   {"bootstrap.servers", w.bootstrap()},
                   {"mode", "incrementing"},
                   {"incrementing.column.name", "id"},
                   {"table.whitelist", "items"},
                   {"topic.prefix", "src-"},
                   {"poll.interval.ms", "200"},
                   {"offset.storage.file.filename", (offsets / "items.json").string()}};
  ASSERT_EQ(s.request("POST", "/connectors", body_of(json::object{{"name", "items"}, {"config", cfg}})).status, 201);
  ASSERT_TRUE(eventually([&] { return read_topic(w.bootstrap(), "src-items", 20, 1s).size() == 20; }, 30s)) << s.log();
  EXPECT_EQ(task_states(status(s, "items")), "RUNNING");
  EXPECT_EQ(json::serialize(status(s, "items").at("type")), R"("source")");
  auto topics = s.get("/connectors/items/topics");
  EXPECT_EQ(topics.status, 200);
  EXPECT_NE(topics.body.find(R"("src-items")"), std::string::npos) << topics.body;

  ASSERT_EQ(s.request("PUT", "/connectors/items/pause").status, 202);
  EXPECT_EQ(task_states(status(s, "items")), "PAUSED");
  w.pg().exec(w.db(), "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(21, 30) g");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(read_topic(w.bootstrap(), "src-items", 30, 1s).size(), 20u) << "paused: nothing published";
  ASSERT_EQ(s.request("PUT", "/connectors/items/resume").status, 202);
  ASSERT_TRUE(eventually([&] { return read_topic(w.bootstrap(), "src-items", 30, 1s).size() == 30; }, 30s));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(read_topic(w.bootstrap(), "src-items", 31, 2s).size(), 30u) << "nothing published twice";
  EXPECT_NE(s.get("/metrics").body.find(R"(sluice_source_records_published_total{connector="items",task="0"})"),
            std::string::npos);
  auto offs = s.get("/connectors/items/offsets");
  ASSERT_EQ(offs.status, 200) << offs.body;
  EXPECT_NE(offs.body.find(R"("incrementing":30)"), std::string::npos) << offs.body;
}

}  // namespace
}  // namespace sluice::testing
