// Every endpoint of `sluice serve` through curl: Kafka Connect's paths, bodies, status codes and
// error shape; bad requests, oversized bodies, wrong credentials; secrets never shown.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/service/service_world.hpp"

namespace sluice::testing {
namespace {

namespace json = boost::json;

std::string body_of(const json::object& o) { return json::serialize(o); }

class ServeApi : public ::testing::Test {
 protected:
  service_world w;
};

TEST_F(ServeApi, RootHealthAndPluginsAnswerLikeKafkaConnect) {
  serve_process s;
  auto root = s.get("/");
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_TRUE(root.json().as_object().contains("version"));
  EXPECT_TRUE(root.json().as_object().contains("commit"));
  EXPECT_EQ(s.get("/health").json().at("status"), "healthy");
  auto plugins = s.get("/connector-plugins");
  ASSERT_EQ(plugins.status, 200);
  EXPECT_NE(plugins.body.find(R"("class":"io.confluent.connect.jdbc.JdbcSinkConnector","type":"sink")"),
            std::string::npos) << plugins.body;
  EXPECT_NE(plugins.body.find(R"("type":"source")"), std::string::npos);
  auto defs = s.get("/connector-plugins/JdbcSinkConnector/config");
  ASSERT_EQ(defs.status, 200);
  EXPECT_NE(defs.body.find(R"("name":"insert.mode")"), std::string::npos);
  EXPECT_EQ(s.get("/connectors").body, "[]");
}

TEST_F(ServeApi, CreatesReadsUpdatesPatchesAndDeletesAConnector) {
  serve_process s;
  w.create_topic("orders");
  auto created = s.request("POST", "/connectors", body_of(w.sink_body("orders-sink", "orders")));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.headers.find("Location: /connectors/orders-sink"), std::string::npos) << created.headers;
  const auto info = created.json();
  EXPECT_EQ(info.at("name"), "orders-sink");
  EXPECT_EQ(info.at("type"), "sink");
  EXPECT_EQ(json::serialize(info.at("tasks")), R"([{"connector":"orders-sink","task":0}])");

  EXPECT_EQ(s.get("/connectors").body, R"(["orders-sink"])");
  EXPECT_EQ(s.get("/connectors/orders-sink").json().at("config").at("topics"), "orders");
  auto cfg = s.get("/connectors/orders-sink/config");
  ASSERT_EQ(cfg.status, 200);
  EXPECT_EQ(cfg.json().at("insert.mode"), "upsert");

  ASSERT_TRUE(eventually([&] { return connector_state(s.get("/connectors/orders-sink/status").json()) == "RUNNING"; }, 10s));
  auto expanded = s.get("/connectors?expand=status&expand=info").json();
  EXPECT_EQ(expanded.at("orders-sink").at("status").at("connector").at("state"), "RUNNING");
  EXPECT_EQ(expanded.at("orders-sink").at("info").at("type"), "sink");
  EXPECT_FALSE(s.get("/connectors?expand=status").json().at("orders-sink").as_object().contains("info"));

  auto task_status = s.get("/connectors/orders-sink/tasks/0/status");
  ASSERT_EQ(task_status.status, 200) << task_status.body;
  EXPECT_EQ(task_status.json().at("id"), 0);
  auto tasks = s.get("/connectors/orders-sink/tasks").json().as_array();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(json::serialize(tasks[0].at("id")), R"({"connector":"orders-sink","task":0})");

  // PUT replaces the whole config: 200 for an existing connector, 201 for a new one.
  auto flat = w.sink_body("orders-sink", "orders", {{"batch.size", "500"}}).at("config").as_object();
  auto updated = s.request("PUT", "/connectors/orders-sink/config", body_of(flat));
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json().at("config").at("batch.size"), "500");
  auto fresh = s.request("PUT", "/connectors/second/config", body_of(flat));
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_EQ(fresh.json().at("name"), "second");

  // PATCH merges; null removes a key.
  auto patched = s.request("PATCH", "/connectors/orders-sink/config",
                           R"({"batch.size": null, "tasks.max": 2})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(patched.json().at("config").as_object().contains("batch.size"));
  EXPECT_EQ(patched.json().at("config").at("tasks.max"), "2");
  EXPECT_EQ(patched.json().at("tasks").as_array().size(), 2u);

  auto topics = s.get("/connectors/orders-sink/topics");
  ASSERT_EQ(topics.status, 200);
  EXPECT_TRUE(topics.json().at("orders-sink").as_object().contains("topics"));

  EXPECT_EQ(s.request("DELETE", "/connectors/orders-sink").status, 204);
  EXPECT_EQ(s.request("DELETE", "/connectors/second").status, 204);
  auto gone = s.get("/connectors/orders-sink");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error_code":404,"message":"Connector orders-sink not found"})");
  EXPECT_EQ(s.request("DELETE", "/connectors/orders-sink").status, 404);
  EXPECT_EQ(s.get("/connectors").body, "[]");
}

TEST_F(ServeApi, RejectsBadRequestsWithTheRightCodeAndAReason) {
  serve_process s;
  auto expect_error = [&](const http_reply& r, int code, const std::string& words) {
    EXPECT_EQ(r.status, code) << r.body;
    ASSERT_NO_THROW(r.json()) << r.body;
    EXPECT_EQ(r.json().at("error_code"), code) << r.body;
    EXPECT_NE(std::string(r.json().at("message").as_string()).find(words), std::string::npos)
        << "expected '" << words << "' in " << r.body;
  };
  expect_error(s.request("POST", "/connectors", R"({"name": "x", "config": {)"), 400, "not valid JSON");
  expect_error(s.request("POST", "/connectors", ""), 400, "empty");
  expect_error(s.request("POST", "/connectors", R"({"name": "x"})"), 400, "\"config\"");
  expect_error(s.request("POST", "/connectors", R"({"config": {}})"), 400, "\"name\"");
  expect_error(s.request("POST", "/connectors", R"([1, 2])"), 400, "\"name\"");
  auto invalid = w.sink_body("bad", "t", {{"insert.mode", "upsrt"}, {"batch.size", "many"}});
  expect_error(s.request("POST", "/connectors", body_of(invalid)), 400, "insert.mode=upsrt");
  expect_error(s.request("POST", "/connectors", body_of(invalid)), 400, "batch.size");
  auto nested = w.sink_body("bad", "t");
  nested["config"].as_object()["topics"] = json::object{{"a", 1}};
  expect_error(s.request("POST", "/connectors", body_of(nested)), 400, "topics");
  auto bad_state = w.sink_body("x", "t");
  bad_state["initial_state"] = "SLEEPING";
  expect_error(s.request("POST", "/connectors", body_of(bad_state)), 400, "initial_state");

  w.create_topic("t");
  ASSERT_EQ(s.request("POST", "/connectors", body_of(w.sink_body("dup", "t"))).status, 201);
  expect_error(s.request("POST", "/connectors", body_of(w.sink_body("dup", "t"))), 409,
               "Connector dup already exists");
  auto mismatch = w.sink_body("other", "t").at("config").as_object();
  mismatch["name"] = "other";
  expect_error(s.request("PUT", "/connectors/dup/config", body_of(mismatch)), 400, "doesn't match");
  expect_error(s.get("/connectors/nope/status"), 404, "Connector nope not found");
  expect_error(s.request("PUT", "/connectors/nope/pause"), 404, "not found");
  expect_error(s.request("PATCH", "/connectors/nope/config", "{}"), 404, "not found");
  expect_error(s.get("/connectors/dup/tasks/7/status"), 404, "Task dup-7 not found");
  expect_error(s.request("POST", "/connectors/dup/tasks/7/restart"), 404, "not found");
  expect_error(s.request("POST", "/connectors/dup/restart?includeTasks=maybe"), 400, "includeTasks");
  expect_error(s.get("/no/such/path"), 404, "Not Found");
  expect_error(s.request("DELETE", "/connectors"), 405, "Method Not Allowed");
  expect_error(s.request("GET", "/connectors/dup/pause"), 405, "Method Not Allowed");
  expect_error(s.request("PATCH", "/connectors/dup/offsets", R"({"offsets": []})"), 400, "STOPPED");

  // Bodies over the limit (1 MiB) are refused before they are read, with or without
  // Expect: 100-continue, and chunked ones once they grow past it.
  const std::string big = R"({"name": "big", "config": {"x": ")" + std::string(2 << 20, 'a') + "\"}}";
  expect_error(s.request("POST", "/connectors", big), 413, "larger than 1048576");
  expect_error(s.request("POST", "/connectors", big, {"Expect:"}), 413, "larger than");
  expect_error(s.request("POST", "/connectors", big, {"Transfer-Encoding: chunked"}), 413, "larger than");

  // Malformed HTTP gets 400, and the worker keeps serving.
  const auto port = s.url().substr(s.url().rfind(':') + 1);
  auto [code, out] = run_program(
      {"timeout", "10", "bash", "-c",
       "exec 3<>/dev/tcp/127.0.0.1/" + port + "; printf 'GARBAGE\\r\\n\\r\\n' >&3; cat <&3"});
  EXPECT_NE(out.find("400"), std::string::npos) << out;
  EXPECT_EQ(s.get("/connectors").status, 200);
}

TEST_F(ServeApi, SecretsNeverAppearInResponsesOrLogs) {
  serve_process s;
  w.create_topic("t");
  auto body = w.sink_body("secretive", "t", {{"connection.password", "hunter2-secret"},
                                             {"consumer.override.sasl.password", "hunter2-secret"}});
  auto created = s.request("POST", "/connectors", body_of(body));
  ASSERT_EQ(created.status, 201) << created.body;
  std::vector<std::string> seen{created.body};
  for (auto path : {"/connectors/secretive", "/connectors/secretive/config", "/connectors/secretive/tasks",
                    "/connectors?expand=info&expand=status", "/connectors/secretive/status", "/metrics"})
    seen.push_back(s.get(path).body);
  seen.push_back(s.request("PUT", "/connector-plugins/JdbcSinkConnector/config/validate",
                           body_of(body.at("config").as_object()))
                     .body);
  for (const auto& b : seen) EXPECT_EQ(b.find("hunter2"), std::string::npos) << b;
  EXPECT_NE(seen[2].find("[secret]"), std::string::npos) << seen[2];

  // A config read back (with [secret]) and sent again keeps the stored secret, also the one
  // inside connection.url (shown as ...&password=[secret]).
  EXPECT_NE(seen[2].find("password=[secret]"), std::string::npos) << seen[2];
  auto round_trip = s.request("PUT", "/connectors/secretive/config", seen[2]);
  ASSERT_EQ(round_trip.status, 200) << round_trip.body;
  // A URL that still holds [secret] but was changed elsewhere cannot get its password back: 400,
  // not the literal "[secret]" stored as the password.
  auto edited = json::parse(seen[2]).as_object();
  edited["connection.url"] = std::string(edited.at("connection.url").as_string()) + "&ApplicationName=x";
  auto refused = s.request("PUT", "/connectors/secretive/config", body_of(edited));
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("connection.url"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("hunter2"), std::string::npos) << refused.body;
  s.stop();
  const auto state_file = s.state_dir() / "secretive.json";
  std::ifstream in(state_file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("hunter2-secret"), std::string::npos) << "the state keeps the real value";
  EXPECT_NE(text.str().find("&password=hunter2-secret"), std::string::npos) << "connection.url keeps it too";
  EXPECT_EQ(text.str().find("[secret]"), std::string::npos) << text.str();
  struct stat st {};
  ASSERT_EQ(stat(state_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(s.log().find("hunter2"), std::string::npos) << s.log();
}

TEST_F(ServeApi, RefusesMissingOrWrongCredentials) {
  serve_process s({"--auth-basic", "ops:s3cret"}, {{"SLUICE_AUTH_TOKEN", "tok-123"}});
  auto none = s.get("/connectors");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json().at("error_code"), 401);
  EXPECT_NE(none.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << none.headers;
  EXPECT_EQ(s.request("GET", "/connectors", std::nullopt, {"Authorization: Bearer tok-124"}).status, 401);
  EXPECT_EQ(s.request("GET", "/connectors", std::nullopt, {"Authorization: Bearer tok-12"}).status, 401);
  EXPECT_EQ(s.request("GET", "/connectors", std::nullopt, {"Authorization: Basic b3BzOndyb25n"}).status, 401);
  EXPECT_EQ(s.request("GET", "/metrics").status, 401);
  EXPECT_EQ(s.request("GET", "/connectors", std::nullopt, {"Authorization: Bearer tok-123"}).status, 200);
  // ops:s3cret
  EXPECT_EQ(s.request("GET", "/connectors", std::nullopt, {"Authorization: Basic b3BzOnMzY3JldA=="}).status, 200);
  EXPECT_EQ(s.get("/health").status, 200) << "probes need no credentials";
  EXPECT_EQ(s.log().find("tok-123"), std::string::npos);
}

TEST_F(ServeApi, ValidateAnswersInKafkaConnectsShapeWithActionableErrors) {
  serve_process s;
  auto cfg = w.sink_body("v", "t", {{"insert.mode", "upsrt"}, {"auto.creat", "true"}}).at("config").as_object();
  auto r = s.request("PUT", "/connector-plugins/JdbcSinkConnector/config/validate", body_of(cfg));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto v = r.json();
  EXPECT_EQ(v.at("name"), "io.confluent.connect.jdbc.JdbcSinkConnector");
  EXPECT_GE(v.at("error_count").as_int64(), 2);
  EXPECT_TRUE(v.at("groups").is_array());
  bool insert_mode = false, misspelt = false;
  for (const auto& c : v.at("configs").as_array()) {
    ASSERT_TRUE(c.as_object().contains("definition"));
    const auto& val = c.at("value");
    std::string errors = json::serialize(val.at("errors"));
    if (val.at("name") == "insert.mode") {
      insert_mode = true;
      EXPECT_NE(errors.find("upsert"), std::string::npos) << errors;
      EXPECT_EQ(val.at("value"), "upsrt");
      EXPECT_EQ(json::serialize(val.at("recommended_values")), R"(["insert","upsert","update"])");
    }
    if (val.at("name") == "auto.creat") {
      misspelt = true;
      EXPECT_NE(errors.find("auto.create"), std::string::npos) << errors;
    }
  }
  EXPECT_TRUE(insert_mode);
  EXPECT_TRUE(misspelt);

  auto good = w.sink_body("v", "t").at("config").as_object();
  good["name"] = "v";
  auto ok = s.request("PUT", "/connector-plugins/io.confluent.connect.jdbc.JdbcSinkConnector/config/validate",
                      body_of(good));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json().at("error_count"), 0) << ok.body;
  auto wrong = s.request("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", body_of(good));
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(s.request("PUT", "/connector-plugins/Nope/config/validate", "{}").status, 404);
}

TEST_F(ServeApi, ChangesLogLevelsAtRunTime) {
  serve_process s;
  auto all = s.get("/admin/loggers");
  ASSERT_EQ(all.status, 200);
  EXPECT_TRUE(all.json().as_object().contains("root"));
  auto set = s.request("PUT", "/admin/loggers/sink", R"({"level": "DEBUG"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.body, R"(["sink"])");
  EXPECT_EQ(s.get("/admin/loggers/sink").json().at("level"), "DEBUG");
  EXPECT_EQ(s.request("PUT", "/admin/loggers/sink", R"({"level": "LOUD"})").status, 400);
  EXPECT_EQ(s.request("PUT", "/admin/loggers/sink", R"({})").status, 400);
  EXPECT_EQ(s.get("/admin/loggers/no.such.logger").status, 404);
  auto root = s.request("PUT", "/admin/loggers/root", R"({"level": "warn"})");
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_EQ(s.get("/admin/loggers/service").json().at("level"), "WARN");
  EXPECT_EQ(s.request("PUT", "/admin/loggers/root?scope=cluster", R"({"level": "INFO"})").status, 204);
}

TEST_F(ServeApi, ConnectorsAndTheirTargetStatesSurviveAWorkerRestart) {
  serve_process s;
  w.create_topic("a");
  w.create_topic("b");
  auto paused = w.sink_body("paused-one", "a");
  paused["initial_state"] = "PAUSED";
  auto stopped = w.sink_body("stopped-one", "b");
  stopped["initial_state"] = "STOPPED";
  ASSERT_EQ(s.request("POST", "/connectors", body_of(w.sink_body("running-one", "a"))).status, 201);
  ASSERT_EQ(s.request("POST", "/connectors", body_of(paused)).status, 201);
  ASSERT_EQ(s.request("POST", "/connectors", body_of(stopped)).status, 201);
  const auto before = s.get("/connectors/running-one/config").body;
  ASSERT_TRUE(eventually([&] { return task_states(s.get("/connectors/paused-one/status").json()) == "PAUSED"; }, 10s));

  s.restart();
  EXPECT_EQ(s.exit_code(), 0) << s.log();
  EXPECT_EQ(s.get("/connectors").body, R"(["paused-one","running-one","stopped-one"])");
  EXPECT_EQ(s.get("/connectors/running-one/config").body, before);
  ASSERT_TRUE(eventually([&] { return connector_state(s.get("/connectors/running-one/status").json()) == "RUNNING"; }, 10s));
  EXPECT_EQ(connector_state(s.get("/connectors/paused-one/status").json()), "PAUSED");
  auto st = s.get("/connectors/stopped-one/status").json();
  EXPECT_EQ(connector_state(st), "STOPPED");
  EXPECT_TRUE(st.at("tasks").as_array().empty());
  EXPECT_TRUE(s.get("/connectors/stopped-one").json().at("tasks").as_array().empty());
}

}  // namespace
}  // namespace sluice::testing
