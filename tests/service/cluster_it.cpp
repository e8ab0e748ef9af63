// Cluster mode of `sluice serve` on one machine: three workers sharing a group id and an
// embedded broker owned by the test (a real Kafka-protocol broker, reached over TCP), and the
// shared throwaway PostgreSQL. Workers are killed with SIGKILL and frozen with SIGSTOP.
#include <signal.h>

#include <map>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/service/service_world.hpp"

namespace sluice::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* group = "sluicecluster";

std::string body_of(const json::object& o) { return json::serialize(o); }

class ServeCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* t : {"-configs", "-status", "-offsets"}) w.create_topic(std::string(group) + t, 1);
  }

  std::unique_ptr<serve_process> worker() {
    return std::make_unique<serve_process>(std::vector<std::string>{
        "--group-id", group, "--bootstrap-servers", w.bootstrap(), "--session-timeout-ms", "3000"});
  }
  void start_workers(int n) {
    for (int i = 0; i < n; ++i) workers.push_back(worker());
  }
  std::string logs() const {
    std::string out;
    for (const auto& p : workers)
      if (p) out += "---- " + p->url() + "\n" + p->log();
    return out;
  }

  json::value status(const serve_process& s, const std::string& name) const {
    auto r = s.get("/connectors/" + name + "/status");
    return r.status == 200 ? r.json() : json::value();
  }
  // worker_id -> task states of the connector, as `s` reports them.
  std::map<std::string, std::string> tasks_by_worker(const serve_process& s, const std::string& name) const {
    std::map<std::string, std::string> out;
    auto st = status(s, name);
    if (!st.is_object()) return out;
    for (const auto& t : st.at("tasks").as_array()) {
      auto& v = out[std::string(t.at("worker_id").as_string())];
      if (!v.empty()) v += ',';
      v += std::string(t.at("state").as_string());
    }
    return out;
  }

  // The ids in the topic's records (Connect JSON, payload.id), counting repeats.
  std::multiset<long> ids_in(const std::string& topic, std::size_t at_most) const {
    std::multiset<long> out;
    for (const auto& r : read_topic(w.bootstrap(), topic, at_most, 2s)) {
      if (!r.value) continue;
      auto v = json::parse(*r.value);
      out.insert(static_cast<long>(v.at("payload").at("id").to_number<std::int64_t>()));
    }
    return out;
  }

  json::object source_body(const std::string& name, const std::string& tables) const {
    json::object cfg{{"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                     {"connection.url", w.pg().jdbc_url(w.db())},
                     {"mode", "incrementing"},
                     {"incrementing.column.name", "id"},
                     {"table.whitelist", tables},
                     {"topic.prefix", "src-"},
                     {"poll.interval.ms", "200"}};
    return json::object{{"name", name}, {"config", std::move(cfg)}};
  }

  service_world w;
  std::vector<std::unique_ptr<serve_process>> workers;
};

TEST_F(ServeCluster, AConnectorCreatedThroughOneWorkerRunsOnAllWithItsStatusFromAny) {
  start_workers(3);
  w.create_topic("clicks", 6);
  auto body = w.sink_body("clicks", "clicks");
  body["config"].as_object().erase("bootstrap.servers");  // the cluster's broker by default
  ASSERT_EQ(workers[0]->request("POST", "/connectors", body_of(body)).status, 201);
  for (auto& p : workers)
    ASSERT_TRUE(eventually([&] { return p->get("/connectors").body == R"(["clicks"])"; }, 10s)) << logs();
  // Every worker runs the sink's task; any worker shows all three with their worker ids.
  std::map<std::string, std::string> all;
  for (auto& p : workers) all[p->url().substr(7)] = "RUNNING";
  for (auto& p : workers)
    EXPECT_TRUE(eventually([&] { return tasks_by_worker(*p, "clicks") == all; }, 15s))
        << json::serialize(status(*p, "clicks")) << logs();

  ASSERT_EQ(workers[1]->request("PUT", "/connectors/clicks/pause").status, 202);
  std::map<std::string, std::string> paused;
  for (auto& [k, _] : all) paused[k] = "PAUSED";
  for (auto& p : workers)
    EXPECT_TRUE(eventually([&] { return tasks_by_worker(*p, "clicks") == paused; }, 15s))
        << json::serialize(status(*p, "clicks"));
  ASSERT_EQ(workers[2]->request("PUT", "/connectors/clicks/resume").status, 202);
  w.produce_rows("clicks", 0, 100);
  EXPECT_TRUE(eventually([&] { return w.count("clicks") == 100; }, 20s)) << logs();

  // A worker that restarts reads the connectors back from the config topic.
  workers[2]->restart();
  EXPECT_EQ(workers[2]->get("/connectors").body, R"(["clicks"])");
  ASSERT_EQ(workers[2]->request("DELETE", "/connectors/clicks").status, 204);
  for (auto& p : workers)
    EXPECT_TRUE(eventually([&] { return p->get("/connectors").body == "[]"; }, 10s)) << logs();
}

TEST_F(ServeCluster, ASinkLosesNoRowAndWritesNoneTwiceWhenAWorkerIsKilledMidStream) {
  start_workers(3);
  w.create_topic("orders", 6);
  // insert without a key: a row written twice would be two rows.
  ASSERT_EQ(workers[0]->request("POST", "/connectors",
                                body_of(w.sink_body("orders", "orders",
                                                    {{"insert.mode", "insert"},
                                                     {"pk.mode", "none"},
                                                     {"consumer.override.session.timeout.ms", "3000"}})))
                .status,
            201);
  ASSERT_TRUE(eventually([&] { return tasks_by_worker(*workers[0], "orders").size() == 3; }, 15s)) << logs();
  constexpr int total = 6000;
  std::jthread producer([&] {
    for (int i = 0; i < total; i += 200) {
      w.produce_rows("orders", i, i + 200);
      std::this_thread::sleep_for(50ms);
    }
  });
  ASSERT_TRUE(eventually([&] { return w.count("orders") > 1000; }, 20s)) << logs();
  workers[1]->kill_now();
  producer.join();
  ASSERT_TRUE(eventually([&] { return w.count("orders") >= total; }, 40s))
      << w.count("orders") << "\n" << logs();
  std::this_thread::sleep_for(1s);
  auto rows = w.pg().query(w.db(), "SELECT count(*), count(DISTINCT id) FROM orders");
  EXPECT_EQ(*rows[0][0], std::to_string(total));
  EXPECT_EQ(*rows[0][1], std::to_string(total));
  // The killed worker's task leaves the status once its record is stale.
  EXPECT_TRUE(eventually([&] { return tasks_by_worker(*workers[0], "orders").size() == 2; }, 15s));
}

}  // namespace
}  // namespace sluice::testing
