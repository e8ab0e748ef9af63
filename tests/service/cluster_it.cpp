// Cluster mode of `sluice serve` on one machine: three workers sharing a group id and an
// embedded broker owned by the test (a real Kafka-protocol broker, reached over TCP), and the
// shared throwaway PostgreSQL. Workers are killed with SIGKILL and frozen with SIGSTOP.
#include <signal.h>

#include <cstdlib>
#include <iostream>
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

  void TearDown() override {
    if (std::getenv("SLUICE_TEST_SHOW_LOGS")) std::cout << logs();
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

  // Tables t0..t5 with rows 1..50, and the source connector "srcs" over them created through
  // the first worker; returns once every row is published.
  void start_sources() {
    // 12 slots for 6 tables (the embedded broker would auto-create the topic with 1 partition).
    w.create_topic(std::string(group) + "-tables-srcs", 12);
    for (int t = 0; t < tables; ++t) {
      w.create_topic(fmt::format("src-t{}", t), 1);
      w.pg().exec(w.db(), fmt::format("CREATE TABLE t{} (id bigint PRIMARY KEY, name text)", t));
      insert_rows(t, 1, 50);
    }
    std::string list;
    for (int t = 0; t < tables; ++t) list += fmt::format("{}t{}", t ? "," : "", t);
    ASSERT_EQ(workers[0]->request("POST", "/connectors", body_of(source_body("srcs", list))).status, 201);
    ASSERT_TRUE(eventually([&] { return all_published(50); }, 40s)) << logs();
  }
  void insert_rows(int table, int from, int to) const {
    w.pg().exec(w.db(), fmt::format("INSERT INTO t{} SELECT g, 'row ' || g FROM generate_series({}, {}) g",
                                    table, from, to));
  }
  bool all_published(std::size_t n) const {
    for (int t = 0; t < tables; ++t)
      if (read_topic(w.bootstrap(), fmt::format("src-t{}", t), n, 1s).size() < n) return false;
    return true;
  }
  // Every topic holds ids 1..n, each once (read for 2 s past n to see any repeat).
  void expect_exact(long n) const {
    for (int t = 0; t < tables; ++t) {
      const auto ids = ids_in(fmt::format("src-t{}", t), static_cast<std::size_t>(n) + 50);
      EXPECT_EQ(ids.size(), static_cast<std::size_t>(n)) << "t" << t;
      EXPECT_EQ(std::set<long>(ids.begin(), ids.end()).size(), static_cast<std::size_t>(n)) << "t" << t;
      EXPECT_EQ(ids.empty() ? 0 : *ids.rbegin(), n) << "t" << t;
    }
  }
  // Tables the worker polls now (sluice_source_tables of its tasks).
  int tables_of(const serve_process& p) const {
    const auto body = p.get("/metrics").body;
    int sum = 0;
    const std::string key = "sluice_source_tables{connector=\"srcs\"";
    for (auto at = body.find(key); at != std::string::npos; at = body.find(key, at + 1)) {
      const auto sp = body.find("} ", at);
      sum += std::stoi(body.substr(sp + 2, body.find('\n', sp) - sp - 2));
    }
    return sum;
  }

  static constexpr int tables = 6;
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

TEST_F(ServeCluster, EachTableIsPolledByOneWorkerAndAKilledWorkersTablesMoveOn) {
  start_workers(3);
  start_sources();
  // Every table is held by exactly one worker, and the tables are spread.
  int sum = 0, busy = 0;
  ASSERT_TRUE(eventually([&] {
    sum = busy = 0;
    for (auto& p : workers) {
      const int n = tables_of(*p);
      sum += n;
      busy += n > 0;
    }
    return sum == tables && busy >= 2;
  }, 15s)) << "tables held: " << sum << " by " << busy << " worker(s)\n" << logs();
  int victim = 0;
  for (int i = 0; i < 3; ++i)
    if (tables_of(*workers[static_cast<std::size_t>(i)]) > 0) victim = i;
  workers[static_cast<std::size_t>(victim)]->kill_now();
  for (int t = 0; t < tables; ++t) insert_rows(t, 51, 100);
  ASSERT_TRUE(eventually([&] { return all_published(100); }, 40s)) << logs();
  std::this_thread::sleep_for(1s);
  expect_exact(100);
}

TEST_F(ServeCluster, AFrozenWorkerPublishesNothingAfterItWasFenced) {
  start_workers(3);
  start_sources();
  serve_process* frozen = nullptr;
  ASSERT_TRUE(eventually([&] {
    for (auto& p : workers)
      if (tables_of(*p) > 0) frozen = p.get();
    return frozen != nullptr;
  }, 15s));
  frozen->signal(SIGSTOP);
  // Past the session timeout (3 s) the others hold its tables and publish the new rows.
  std::this_thread::sleep_for(5s);
  for (int t = 0; t < tables; ++t) insert_rows(t, 51, 100);
  const bool taken_over = eventually([&] { return all_published(100); }, 40s);
  frozen->signal(SIGCONT);
  ASSERT_TRUE(taken_over) << logs();
  // Resumed, it learns it was fenced; whatever it still had (positions at 50) is not published.
  std::this_thread::sleep_for(3s);
  for (int t = 0; t < tables; ++t) insert_rows(t, 101, 150);
  ASSERT_TRUE(eventually([&] { return all_published(150); }, 40s)) << logs();
  std::this_thread::sleep_for(1s);
  expect_exact(150);
  // It learnt it had been fenced: its claims were lost, or the coordinator refused a confirm.
  const auto log = frozen->log();
  EXPECT_TRUE(log.find("table claims: lost") != std::string::npos ||
              log.find("is no longer ours") != std::string::npos)
      << log;
}

TEST_F(ServeCluster, ABrokerOutageRefusesConnectorChangesAndTheClusterResumesAfterIt) {
  start_workers(2);
  w.create_topic("payments", 4);
  ASSERT_EQ(workers[0]->request("POST", "/connectors",
                                body_of(w.sink_body("payments", "payments",
                                                    {{"insert.mode", "insert"}, {"pk.mode", "none"}})))
                .status,
            201);
  w.produce_rows("payments", 0, 100);
  ASSERT_TRUE(eventually([&] { return w.count("payments") == 100; }, 30s)) << logs();
  w.broker().set_broker_down(1);
  // A change cannot be saved: refused (and not applied later), while reads still answer.
  const auto refused = workers[1]->request("POST", "/connectors", body_of(w.sink_body("refunds", "refunds")));
  EXPECT_EQ(refused.status, 500) << refused.body;
  EXPECT_EQ(workers[0]->get("/connectors/payments/status").status, 200);
  w.broker().set_broker_up(1);
  // Clients repeat a refused change; the producer reconnects with back-off.
  http_reply created;
  ASSERT_TRUE(eventually([&] {
    created = workers[1]->request("POST", "/connectors", body_of(w.sink_body("refunds", "refunds")));
    return created.status == 201;
  }, 30s)) << created.status << " " << created.body;
  for (auto& p : workers)
    EXPECT_TRUE(eventually([&] { return p->get("/connectors").body == R"(["payments","refunds"])"; }, 60s))
        << p->get("/connectors").body << logs();
  w.produce_rows("payments", 100, 200);
  ASSERT_TRUE(eventually([&] { return w.count("payments") >= 200; }, 60s)) << logs();
  std::this_thread::sleep_for(1s);
  auto rows = w.pg().query(w.db(), "SELECT count(*), count(DISTINCT id) FROM payments");
  EXPECT_EQ(*rows[0][0], "200");
  EXPECT_EQ(*rows[0][1], "200");
}

// partition -> the worker (url) whose sink task reports it (sluice_sink_consumer_lag_records).
std::map<int, std::set<std::string>> sink_owners(const std::vector<std::unique_ptr<serve_process>>& ws,
                                                 const std::string& connector) {
  std::map<int, std::set<std::string>> out;
  const std::string key = "sluice_sink_consumer_lag_records{connector=\"" + connector + "\"";
  for (const auto& p : ws) {
    const auto body = p->get("/metrics").body;
    for (auto at = body.find(key); at != std::string::npos; at = body.find(key, at + 1)) {
      const auto pa = body.find("partition=\"", at) + 11;
      out[std::stoi(body.substr(pa, body.find('"', pa) - pa))].insert(p->url());
    }
  }
  return out;
}

TEST_F(ServeCluster, AddingAWorkerMovesOnlyAFairShareOfASinksPartitions) {
  start_workers(2);
  w.create_topic("events", 12);
  w.produce_rows("events", 0, 600);  // no key: spread over the partitions, so each has a lag
  auto body = w.sink_body("events", "events",
                          {{"insert.mode", "insert"},
                           {"pk.mode", "none"},
                           {"consumer.override.session.timeout.ms", "3000"}});
  ASSERT_EQ(workers[0]->request("POST", "/connectors", body_of(body)).status, 201);
  auto balanced = [&](std::size_t per_worker, std::size_t n_workers) {
    const auto owners = sink_owners(workers, "events");
    std::map<std::string, std::size_t> load;
    for (const auto& [_, ws] : owners) {
      if (ws.size() != 1) return false;
      ++load[*ws.begin()];
    }
    if (owners.size() != 12 || load.size() != n_workers) return false;
    for (const auto& [_, n] : load)
      if (n != per_worker) return false;
    return true;
  };
  ASSERT_TRUE(eventually([&] { return balanced(6, 2); }, 30s)) << logs();
  const auto before = sink_owners(workers, "events");
  workers.push_back(worker());
  ASSERT_TRUE(eventually([&] { return balanced(4, 3); }, 30s)) << logs();
  const auto after = sink_owners(workers, "events");
  int moved = 0;
  for (const auto& [p, ws] : after) moved += before.at(p) != ws;
  EXPECT_EQ(moved, 4) << "cooperative-sticky moves only the new worker's share";
  w.produce_rows("events", 600, 1200);
  ASSERT_TRUE(eventually([&] { return w.count("events") >= 1200; }, 30s)) << logs();
  std::this_thread::sleep_for(1s);
  auto rows = w.pg().query(w.db(), "SELECT count(*), count(DISTINCT id) FROM events");
  EXPECT_EQ(*rows[0][0], "1200");
  EXPECT_EQ(*rows[0][1], "1200");
}

}  // namespace
}  // namespace sluice::testing
