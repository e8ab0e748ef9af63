// Which tables a source publishes: exact, case-sensitive lists, regular expressions, tables
// created and dropped while it runs, and names that need quoting (mixed case, reserved, UTF-8).
#include <gtest/gtest.h>

#include "tests/source/source_test_util.hpp"

namespace sluice::source::testing {
namespace {

class SourceTables : public source_test {
 protected:
  void make_table(const std::string& name, int rows) {
    sql(fmt::format("CREATE TABLE \"{0}\" (id bigserial PRIMARY KEY, v text);"
                    "INSERT INTO \"{0}\" (v) SELECT 'r' FROM generate_series(1, {1})",
                    name, rows));
  }
  std::size_t count_in(const std::string& topic_suffix, std::size_t expect,
                       std::chrono::milliseconds wait = 10s) {
    topic_reader r(broker().bootstrap_servers(), prefix_ + topic_suffix);
    r.wait_for(expect, wait);
    return r.drain().size();
  }
};

TEST_F(SourceTables, WhitelistIsExactAndCaseSensitive) {
  make_table("Orders", 3);
  make_table("orders", 5);
  make_table("other", 2);
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "Orders";
  start(cfg);
  EXPECT_EQ(count_in("Orders", 3), 3u);
  EXPECT_EQ(count_in("orders", 1, 1s), 0u);
  EXPECT_EQ(count_in("other", 1, 500ms), 0u);
}

TEST_F(SourceTables, BlacklistSkipsNamedTables) {
  make_table("keep", 2);
  make_table("skip", 2);
  auto cfg = base("incrementing");
  cfg["table.blacklist"] = "public.skip";
  start(cfg);
  EXPECT_EQ(count_in("keep", 2), 2u);
  EXPECT_EQ(count_in("skip", 1, 1s), 0u);
}

TEST_F(SourceTables, IncludeAndExcludeListsAreRegexesOverSchemaDotTable) {
  make_table("sales_eu", 1);
  make_table("sales_us", 1);
  make_table("hr", 1);
  auto cfg = base("incrementing");
  cfg["table.include.list"] = "public\\.sales_.*";
  start(cfg);
  EXPECT_EQ(count_in("sales_eu", 1), 1u);
  EXPECT_EQ(count_in("sales_us", 1), 1u);
  EXPECT_EQ(count_in("hr", 1, 1s), 0u);
  stop_all();

  auto ex = base("incrementing");
  ex["name"] = prefix_ + "src2";
  ex["topic.prefix"] = prefix_ + "x-";
  ex["table.exclude.list"] = ".*\\.sales_.*";
  start(ex);
  EXPECT_EQ(count_in("x-hr", 1), 1u);
  EXPECT_EQ(count_in("x-sales_eu", 1, 1s), 0u);
}

TEST_F(SourceTables, NewTablesAreFoundAndDroppedTablesForgotten) {
  make_table("first", 2);
  auto cfg = base("incrementing");
  cfg["tasks.max"] = "2";
  auto& c = start(cfg);
  EXPECT_EQ(count_in("first", 2), 2u);
  make_table("second", 3);
  EXPECT_EQ(count_in("second", 3), 3u) << "found within table.poll.interval.ms";
  sql("DROP TABLE first");
  std::this_thread::sleep_for(1s);
  sql("INSERT INTO second (v) VALUES ('more')");
  EXPECT_EQ(count_in("second", 4), 4u);
  EXPECT_FALSE(c.failure()) << render(*c.failure());
  std::uint64_t tables = 0;
  for (const auto& m : c.metrics()) tables += m->tables.load();
  EXPECT_EQ(tables, 1u);
}

TEST_F(SourceTables, MixedCaseReservedAndUnicodeNamesKeepTheirExactSpelling) {
  sql("CREATE TABLE \"OrderLines\" (\"Id\" bigserial PRIMARY KEY, \"Select\" text, \"naïve\" text);"
      "CREATE TABLE orderlines (\"Id\" bigserial PRIMARY KEY, x text);"
      "CREATE TABLE \"order\" (\"Id\" bigserial PRIMARY KEY, \"from\" int);"
      "CREATE TABLE \"prix_€\" (\"Id\" bigserial PRIMARY KEY, \"名前\" text);"
      "INSERT INTO \"OrderLines\" (\"Select\", \"naïve\") VALUES ('s', 'café');"
      "INSERT INTO orderlines (x) VALUES ('lower');"
      "INSERT INTO \"order\" (\"from\") VALUES (7);"
      "INSERT INTO \"prix_€\" (\"名前\") VALUES ('値段')");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "OrderLines,order,prix_€";
  cfg["incrementing.column.name"] = "Id";
  start(cfg);

  auto lines = published("OrderLines", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(field(lines[0], "Select"), value(std::string("s")));
  EXPECT_EQ(field(lines[0], "naïve"), value(std::string("café")));
  EXPECT_EQ(lines[0].key_schema->fields[0].name, "Id");
  EXPECT_EQ(count_in("orderlines", 1, 1s), 0u);

  auto order = published("order", 1);
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(int_field(order[0], "from"), 7);

  auto prix = published("prix____", 1);  // '€' is three bytes, each '_' in the topic name
  ASSERT_EQ(prix.size(), 1u);
  EXPECT_EQ(field(prix[0], "名前"), value(std::string("値段")));
  EXPECT_EQ(prix[0].value_schema->name, "prix_€");
}

}  // namespace
}  // namespace sluice::source::testing
