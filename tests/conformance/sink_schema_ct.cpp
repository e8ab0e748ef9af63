// auto.create and auto.evolve, and the schema problems that stop a task with the option that
// fixes them, on every backend.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

class SinkSchema : public ::testing::TestWithParam<backend> {};

std::optional<error_info> wait_failure(const sink::sink_connector& c) {
  std::optional<error_info> f;
  for (int i = 0; i < 400 && !(f = c.failure()); ++i) std::this_thread::sleep_for(50ms);
  return f;
}

TEST_P(SinkSchema, AutoCreateAndEvolveWorkAndSchemaProblemsNameTheirFix) {
  world w(GetParam());
  for (auto t : {"nocreate", "noevolve", "mistyped", "required"}) w.create_topic(t);
  auto base = make_schema({field("id", tk::int64, false), field("v", tk::string)});
  auto more = make_schema({field("id", tk::int64, false), field("v", tk::string), field("extra", tk::int32)});
  auto flag = make_schema({field("id", tk::int64, false), field("v", tk::boolean)});
  auto req = make_schema({field("id", tk::int64, false), field("v", tk::string), field("must", tk::string, false)});
  w.exec("CREATE TABLE noevolve (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))");
  w.exec("CREATE TABLE mistyped (id BIGINT NOT NULL PRIMARY KEY, v DATE)");
  w.exec("CREATE TABLE required (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))");
  w.produce("nocreate", {record(std::nullopt, connect_json(*base, {num(1), str("a")}))});
  w.produce("noevolve", {record(std::nullopt, connect_json(*more, {num(1), str("a"), num(1)}))});
  w.produce("mistyped", {record(std::nullopt, connect_json(*flag, {num(1), value{true}}))});
  w.produce("required", {record(std::nullopt, connect_json(*req, {num(1), str("a"), str("m")}))});
  const config_values common = {{"errors.restart.enable", "false"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}};
  auto with = [&](const char* topic, config_values extra) {
    auto v = common;
    v["topics"] = topic;
    for (auto& [k, x] : extra) v[k] = x;
    return v;
  };
  // auto.create, then auto.evolve adding nullable columns for new fields.
  w.create_topic("people");
  auto v1 = make_schema({field("id", tk::int64, false), field("name", tk::string, false)}, "people.v1");
  auto v2 = make_schema({field("id", tk::int64, false), field("name", tk::string, false),
                         field("Age", tk::int32), field("email", tk::string)},
                        "people.v2");
  w.produce("people", {record(int64_key(1), connect_json(*v1, {num(1), str("ann")}))});

  auto started = w.start_together(
      {{"people", {{"topics", "people"}, {"auto.create", "true"}, {"auto.evolve", "true"},
                   {"insert.mode", "upsert"}, {"pk.mode", "record_key"}, {"pk.fields", "id"}}},
       {"nocreate", with("nocreate", {})},
       {"noevolve", with("noevolve", {})},
       {"mistyped", with("mistyped", {})},
       {"required", with("required", {{"auto.evolve", "true"}})}});
  auto* p = started[0].get();
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM people", "1", p));
  w.produce("people", {record(int64_key(2), connect_json(*v2, {num(2), str("bob"), num(42), str("b@x")}))});
  ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM people", "2", p));
  EXPECT_EQ(w.rows("SELECT id, name, " + w.q("Age") + ", email FROM people ORDER BY id"), "1|ann|NULL|NULL\n2|bob|42|b@x");

  auto fa = wait_failure(*started[1]), fb = wait_failure(*started[2]), fm = wait_failure(*started[3]),
       fr = wait_failure(*started[4]);
  ASSERT_TRUE(fa && fb && fm && fr);
  EXPECT_NE(fa->fix.find("auto.create=true"), std::string::npos) << render(*fa);
  EXPECT_NE(fb->fix.find("auto.evolve=true"), std::string::npos) << render(*fb);
  EXPECT_NE(fb->why.find("extra"), std::string::npos) << render(*fb);
  EXPECT_EQ(fm->code, "42804") << render(*fm);
  EXPECT_NE(fm->why.find("boolean"), std::string::npos) << render(*fm);
  EXPECT_NE(fr->why.find("must"), std::string::npos) << render(*fr);
  for (auto t : {"noevolve", "mistyped", "required"}) EXPECT_EQ(w.scalar(fmt::format("SELECT COUNT(*) FROM {}", t)), "0");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkSchema, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
