#include <fstream>
#include <gtest/gtest.h>
#include "config/raw_connector.hpp"
#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::config {
namespace {

std::string where_of(auto&& f) {
  try {
    f();
  } catch (const sluice::error& e) {
    return e.info().where;
  }
  return "(no error)";
}

void write(const std::filesystem::path& p, std::string_view text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(JsonLoader, RestBodyGivesNameAndConfigValues) {
  auto list = parse_json_text(R"({"name": "orders-sink", "config": {"topics": "orders", "tasks.max": "2"},
                                  "tasks": [], "type": "sink"})", "c.json");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "orders-sink");
  EXPECT_EQ(list[0].origin, "c.json");
  EXPECT_EQ(list[0].values.at("topics"), "orders");
  EXPECT_EQ(list[0].values.at("tasks.max"), "2");
  EXPECT_EQ(list[0].values.at("name"), "orders-sink");
  EXPECT_FALSE(list[0].values.contains("tasks"));
}

TEST(JsonLoader, FlatObjectTakesNameFromNameKey) {
  auto list = parse_json_text(R"({"name": "flat", "topics": "a"})", "f.json");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "flat");
  EXPECT_EQ(list[0].values.at("topics"), "a");
}

TEST(JsonLoader, ListMixesFormsAndNumbersTheOrigins) {
  auto list = parse_json_text(R"([{"name": "a", "config": {"topics": "x"}}, {"name": "b", "topics": "y"}])",
                              "l.json");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "a");
  EXPECT_EQ(list[0].origin, "l.json[0]");
  EXPECT_EQ(list[1].name, "b");
  EXPECT_EQ(list[1].origin, "l.json[1]");
  EXPECT_EQ(list[1].values.at("topics"), "y");
}

TEST(JsonLoader, NumbersAndBooleansBecomeTextAndNullMeansUnset) {
  auto c = parse_json_text(R"({"name": "n", "tasks.max": 4, "auto.create": true, "ratio": 0.5,
                               "big": 18446744073709551615, "neg": -3, "pk.fields": null})", "n")[0];
  EXPECT_EQ(c.values.at("tasks.max"), "4");
  EXPECT_EQ(c.values.at("auto.create"), "true");
  EXPECT_EQ(c.values.at("ratio"), "0.5");
  EXPECT_EQ(c.values.at("big"), "18446744073709551615");
  EXPECT_EQ(c.values.at("neg"), "-3");
  EXPECT_FALSE(c.values.contains("pk.fields"));
}

TEST(JsonLoader, ListOfScalarsBecomesCommaList) {
  auto c = parse_json_text(R"({"name": "n", "topics": ["a", "b", 3]})", "n")[0];
  EXPECT_EQ(c.values.at("topics"), "a,b,3");
}

TEST(JsonLoader, ObjectValueIsRejectedNamingTheKey) {
  try {
    parse_json_text(R"({"name": "n", "topics": {"a": 1}})", "o.json");
    FAIL();
  } catch (const sluice::error& e) {
    EXPECT_NE(std::string(e.what()).find("\"topics\""), std::string::npos) << e.what();
    EXPECT_EQ(e.info().where, "o.json");
  }
}

TEST(JsonLoader, RestBodyWithDifferentConfigNameIsRejected) {
  EXPECT_THROW(parse_json_text(R"({"name": "a", "config": {"name": "b"}})", "x"), sluice::error);
}

TEST(JsonLoader, ParseErrorNamesFileLineAndColumn) {
  // Missing comma after "orders": the error is where "tasks.max" starts, line 3 column 3.
  const std::string text = "{\n  \"topics\": \"orders\"\n  \"tasks.max\": 1\n}\n";
  EXPECT_EQ(where_of([&] { parse_json_text(text, "bad.json"); }), "bad.json:3:3");
}

TEST(JsonLoader, ParseErrorAtEndOfTruncatedText) {
  const std::string text = "{\n  \"topics\": \"orders\",\n";
  EXPECT_EQ(where_of([&] { parse_json_text(text, "cut.json"); }), "cut.json:3:1");
}

TEST(JsonLoader, ParseErrorOnFirstLine) {
  // The position is where the bad token starts.
  EXPECT_EQ(where_of([] { parse_json_text(R"({"a": tru})", "t.json"); }), "t.json:1:7");
}

TEST(JsonLoader, TopLevelScalarIsRejected) {
  EXPECT_THROW(parse_json_text("42", "s.json"), sluice::error);
}

TEST(LoadFile, ChoosesTheFormByExtensionOrContent) {
  testing::temp_dir dir;
  write(dir / "a.json", R"({"name": "a", "config": {"topics": "t"}})");
  write(dir / "b.properties", "name=b\ntopics=t\n");
  write(dir / "c.conf", "  [ {\"name\": \"c\"} ]");
  write(dir / "d.conf", "name=d\n");
  EXPECT_EQ(load_file(dir / "a.json").at(0).name, "a");
  EXPECT_EQ(load_file(dir / "b.properties").at(0).name, "b");
  EXPECT_EQ(load_file(dir / "b.properties").at(0).origin, (dir / "b.properties").string());
  EXPECT_EQ(load_file(dir / "c.conf").at(0).name, "c");
  EXPECT_EQ(load_file(dir / "d.conf").at(0).name, "d");
}

TEST(LoadFile, ParseErrorInAFileNamesThePath) {
  testing::temp_dir dir;
  write(dir / "bad.json", "{\n\"a\": }");
  EXPECT_EQ(where_of([&] { load_file(dir / "bad.json"); }), (dir / "bad.json").string() + ":2:6");
}

TEST(LoadFile, MissingFileNamesThePath) {
  try {
    load_file("/nonexistent/x.json");
    FAIL();
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().where, "/nonexistent/x.json");
    EXPECT_FALSE(e.info().fix.empty());
  }
}

}  // namespace
}  // namespace sluice::config
