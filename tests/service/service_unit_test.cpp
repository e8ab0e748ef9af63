// The service's parts without a worker: Prometheus text, listeners, the state folder, the
// cluster's record format and topic names.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "service/cluster.hpp"
#include "service/exposition.hpp"
#include "service/http_server.hpp"
#include "service/state_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::service {
namespace {

TEST(Exposition, GroupsSamplesByFamilyWithHelpAndTypeOnce) {
  exposition e;
  e.counter("x_total", "Xs.", {{"connector", "a"}}, 1);
  e.gauge("y", "Ys.", {}, 2.5);
  e.counter("x_total", "Xs.", {{"connector", "b"}}, 3);
  EXPECT_EQ(e.render(),
            "# HELP x_total Xs.\n# TYPE x_total counter\nx_total{connector=\"a\"} 1\n"
            "x_total{connector=\"b\"} 3\n# HELP y Ys.\n# TYPE y gauge\ny 2.5\n");
}

TEST(Exposition, EscapesLabelValues) {
  EXPECT_EQ(render_labels({{"topic", "a\"b\\c\nd"}}), R"({topic="a\"b\\c\nd"})");
  EXPECT_EQ(render_value(12345678901234.0), "12345678901234");
  EXPECT_EQ(render_value(0.25), "0.25");
}

TEST(Exposition, RendersHistogramsCumulativeWithInfEqualToCount) {
  histogram h;
  h.observe(0.002);
  h.observe(0.3);
  h.observe(100);
  exposition e;
  e.histogram("lat_seconds", "Latency.", {{"task", "0"}}, h);
  const auto text = e.render();
  EXPECT_NE(text.find("lat_seconds_bucket{task=\"0\",le=\"0.0025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{task=\"0\",le=\"0.5\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{task=\"0\",le=\"60\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{task=\"0\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count{task=\"0\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum{task=\"0\"} 100.302\n"), std::string::npos) << text;
}

TEST(Exposition, ScalesAHistogramKeptInThousands) {
  histogram h;
  h.observe(3000 / 1000.0);  // a batch of 3000 rows
  exposition e;
  e.histogram("rows", "Rows.", {}, h, 1000.0);
  const auto text = e.render();
  EXPECT_NE(text.find("rows_bucket{le=\"2500\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rows_bucket{le=\"5000\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rows_sum 3000\n"), std::string::npos) << text;
}

TEST(Listeners, ParsesKafkaConnectListenerLists) {
  auto l = parse_listeners("http://127.0.0.1:8083, http://[::1]:9000,http://:8084/");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].host, "127.0.0.1");
  EXPECT_EQ(l[0].port, 8083);
  EXPECT_EQ(l[1].host, "::1");
  EXPECT_EQ(l[1].port, 9000);
  EXPECT_EQ(l[2].host, "");
  EXPECT_EQ(l[2].port, 8084);
}

TEST(Listeners, RejectsWhatItCannotServeNamingTheEntry) {
  for (auto bad : {"https://0.0.0.0:8443", "127.0.0.1:8083", "http://host", "http://h:99999", ""}) {
    try {
      parse_listeners(bad);
      ADD_FAILURE() << bad;
    } catch (const error& e) {
      EXPECT_FALSE(e.info().fix.empty()) << bad;
    }
  }
}

TEST(PercentDecode, DecodesPathsAndQueries) {
  EXPECT_EQ(percent_decode("a%2Fb%20c+d", false), "a/b c+d");
  EXPECT_EQ(percent_decode("a+b%3D", true), "a b=");
  EXPECT_EQ(percent_decode("100%", false), "100%");
}

TEST(StateStore, SavesAtomicallyAndLoadsEveryConnectorBack) {
  testing::temp_dir d;
  state_store s(d / "state");
  s.save({"orders", {{"name", "orders"}, {"connection.password", "pw"}}, target_state::paused});
  s.save({"a/b c", {{"name", "a/b c"}}, target_state::stopped});
  s.save({"orders", {{"name", "orders"}, {"topics", "t"}}, target_state::running});
  std::ofstream(d / "state" / "junk.json") << "{not json";
  std::vector<std::string> problems;
  auto all = s.load_all(problems);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a/b c");
  EXPECT_EQ(all[0].target, target_state::stopped);
  EXPECT_EQ(all[1].name, "orders");
  EXPECT_EQ(all[1].config.at("topics"), "t");
  EXPECT_FALSE(all[1].config.contains("connection.password"));
  EXPECT_EQ(all[1].target, target_state::running);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("junk.json"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(d / "state" / "orders.json.tmp"));
  struct stat st {};
  ASSERT_EQ(stat((d / "state" / "orders.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  s.remove("orders");
  problems.clear();
  EXPECT_EQ(s.load_all(problems).size(), 1u);
}

TEST(StateStore, FileNamesCannotEscapeTheFolder) {
  EXPECT_EQ(state_store::file_name("orders-sink_1.x"), "orders-sink_1.x.json");
  EXPECT_EQ(state_store::file_name("../etc/passwd"), "%2E.%2Fetc%2Fpasswd.json");
  EXPECT_EQ(state_store::file_name(".."), "%2E..json");
}

TEST(StoredConnector, JsonRoundTripKeepsTheConfigAndTheTargetState) {
  stored_connector c{"orders \"eu\"", {{"connector.class", "JdbcSinkConnector"}, {"topics", "a,b"}},
                     target_state::paused};
  const auto back = stored_from_json(to_json(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, c.name);
  EXPECT_EQ(back->config, c.config);
  EXPECT_EQ(back->target, target_state::paused);
}

TEST(StoredConnector, TextThatIsNotAConnectorIsRefused) {
  EXPECT_FALSE(stored_from_json("not json"));
  EXPECT_FALSE(stored_from_json(R"({"name": "x"})"));
  EXPECT_FALSE(stored_from_json(R"({"name": 1, "config": {}})"));
  EXPECT_TRUE(stored_from_json(R"({"name": "x", "config": {}})"));
}

TEST(ClusterOptions, TopicNamesDefaultFromTheGroupIdUnlessGiven) {
  cluster_options o;
  EXPECT_FALSE(o.enabled());
  o.group_id = "etl";
  o.status_topic = "my-status";
  o.complete();
  EXPECT_TRUE(o.enabled());
  EXPECT_EQ(o.config_topic, "etl-configs");
  EXPECT_EQ(o.offset_topic, "etl-offsets");
  EXPECT_EQ(o.status_topic, "my-status");
}

}  // namespace
}  // namespace sluice::service
