// The jdbc-source on every backend: each polling mode publishes every row once, new rows follow,
// and a restarted connector resumes from its stored offsets. PostgreSQL (libpq) polls with
// commit-aware bounds; the ODBC dialects with timestamp.delay.interval.ms (here 0: the tests'
// writes are committed before they are polled).
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/convert/converter.hpp"
#include "source/offsets.hpp"
#include "source/source_connector.hpp"
#include "tests/conformance/world.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::conformance {
namespace {

class SourceModes : public ::testing::TestWithParam<backend> {
 protected:
  std::unique_ptr<source::source_connector> start_source(const world& w, const config_values& extra,
                                                         const std::string& name) {
    config_values v{{"name", name},
                    {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
                    {"connection.url", w.url()},
                    {"bootstrap.servers", w.bootstrap()},
                    {"poll.interval.ms", "100"},
                    {"table.poll.interval.ms", "300"},
                    {"batch.max.rows", "3"},
                    {"timestamp.delay.interval.ms", "0"},
                    {"offset.storage.file.filename", (dir_.path() / (name + ".offsets")).string()}};
    for (const auto& [k, x] : extra) v[k] = x;
    config::raw_connector raw;
    raw.values = v;
    raw.name = name;
    raw.origin = "test";
    auto r = config::validate(raw);
    if (!r.config) throw std::runtime_error(r.problems.front().render());
    auto c = std::make_unique<source::source_connector>(*r.config);
    c->start();
    return c;
  }
  // Ids and v of the records in `topic`, reading until `count` arrived (or the timeout).
  std::multiset<std::string> published(const world& w, const std::string& topic, std::size_t count,
                                       std::chrono::milliseconds timeout = 20s) {
    convert::record_converter conv({.key_format = convert::format::json, .key_schemas_enable = true,
                                    .value_format = convert::format::json, .value_schemas_enable = true});
    std::multiset<std::string> out;
    for (const auto& m : sluice::testing::read_topic(w.bootstrap(), topic, count, timeout)) {
      auto r = conv.convert({topic, m.partition, m.offset, 0}, m.key, m.value);
      const int id = r.value_schema->index_of("id"), v = r.value_schema->index_of("v");
      out.insert(fmt::format("{}:{}", to_display(r.value[static_cast<std::size_t>(id)]),
                             to_display(r.value[static_cast<std::size_t>(v)])));
    }
    return out;
  }
  std::multiset<std::string> rows(int from, int to) {
    std::multiset<std::string> out;
    for (int i = from; i <= to; ++i) out.insert(fmt::format("{}:v{}", i, i));
    return out;
  }
  sluice::testing::temp_dir dir_{"sluice-conformance-source"};
};

TEST_P(SourceModes, EveryModePublishesEachRowOnceAndARestartResumesFromTheStoredOffset) {
  world w(GetParam());
  const std::string ts = w.kind() == backend_kind::mariadb ? "DATETIME(6)" : w.is_postgres() ? "TIMESTAMPTZ" : "DATETIME";
  w.exec("CREATE TABLE inc_t (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))");
  w.exec("CREATE TABLE ts_t (id BIGINT NOT NULL PRIMARY KEY, at " + ts + " NOT NULL, v VARCHAR(20))");
  w.exec("CREATE TABLE bulk_t (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))");
  auto insert = [&](int from, int to) {
    for (int i = from; i <= to; ++i) {
      w.exec(fmt::format("INSERT INTO inc_t (id, v) VALUES ({0}, 'v{0}')", i));
      // Timestamps out of id order, two rows per second, all in the past.
      w.exec(fmt::format("INSERT INTO ts_t (id, at, v) VALUES ({0}, '2024-01-01 00:{1:02}:{2:02}', 'v{0}')", i,
                         (100 - i) / 2 / 60, (100 - i) / 2 % 60));
    }
  };
  insert(1, 5);
  for (int i = 1; i <= 4; ++i) w.exec(fmt::format("INSERT INTO bulk_t (id, v) VALUES ({0}, 'v{0}')", i));

  auto inc = start_source(w, {{"mode", "incrementing"}, {"incrementing.column.name", "id"},
                              {"table.whitelist", "inc_t"}, {"topic.prefix", "i_"}}, "inc");
  auto tsi = start_source(w, {{"mode", "timestamp+incrementing"}, {"incrementing.column.name", "id"},
                              {"timestamp.column.name", "at"}, {"table.whitelist", "ts_t"}, {"topic.prefix", "t_"}},
                          "tsi");
  auto tso = start_source(w, {{"mode", "timestamp"}, {"timestamp.column.name", "at"},
                              {"table.whitelist", "ts_t"}, {"topic.prefix", "o_"}}, "tso");
  auto bulk = start_source(w, {{"mode", "bulk"}, {"table.whitelist", "bulk_t"}, {"topic.prefix", "b_"},
                               {"poll.interval.ms", "600000"}}, "bulk");
  auto query = start_source(w, {{"mode", "incrementing"}, {"incrementing.column.name", "id"},
                                {"query", "SELECT id, v FROM inc_t WHERE id > 2"}, {"topic.prefix", "q_inc"}},
                            "query");
  EXPECT_EQ(published(w, "i_inc_t", 5), rows(1, 5)) << render_failure(inc->failure());
  EXPECT_EQ(published(w, "t_ts_t", 5), rows(1, 5)) << render_failure(tsi->failure());
  EXPECT_EQ(published(w, "o_ts_t", 5), rows(1, 5)) << render_failure(tso->failure());
  EXPECT_EQ(published(w, "b_bulk_t", 4), rows(1, 4)) << render_failure(bulk->failure());
  EXPECT_EQ(published(w, "q_inc", 3), rows(3, 5)) << render_failure(query->failure());

  insert(6, 8);  // newer ids, older timestamps than every row so far — except timestamp mode's
  EXPECT_EQ(published(w, "i_inc_t", 8), rows(1, 8));
  EXPECT_EQ(published(w, "q_inc", 6), rows(3, 8));

  // Stopped, written to, started again: it resumes where its stored offset says.
  inc->stop();
  inc.reset();
  w.exec("INSERT INTO inc_t (id, v) VALUES (9, 'v9'), (10, 'v10')");
  inc = start_source(w, {{"mode", "incrementing"}, {"incrementing.column.name", "id"},
                         {"table.whitelist", "inc_t"}, {"topic.prefix", "i_"}}, "inc");
  EXPECT_EQ(published(w, "i_inc_t", 10), rows(1, 10)) << render_failure(inc->failure());
  // Nothing more arrives: each row once.
  EXPECT_EQ(published(w, "i_inc_t", 11, 1500ms).size(), 10u);
  for (auto* c : {inc.get(), tsi.get(), tso.get(), bulk.get(), query.get()})
    EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

// Offsets and table lists written for Confluent's JdbcSourceConnector work as they are: its
// partition names the table as the JDBC driver's TableId (MySQL/MariaDB: database.table;
// PostgreSQL: schema.table; SQLite: table), a whitelist entry may be that name or the bare table,
// and an offset of its protocol 0 (the bare table name) is resumed from when that is all there is.
TEST_P(SourceModes, ConfluentsPartitionNamesWhitelistFormsAndOlderOffsetsAreUsed) {
  world w(GetParam());
  const std::string qualifier = w.kind() == backend_kind::mariadb ? w.scalar("SELECT DATABASE()") + "."
                                : w.is_postgres()                   ? std::string("public.")
                                                                    : std::string();
  for (const char* t : {"mig_a", "mig_b"}) {
    w.exec(fmt::format("CREATE TABLE {} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))", t));
    for (int i = 1; i <= 4; ++i) w.exec(fmt::format("INSERT INTO {0} (id, v) VALUES ({1}, 'v{1}')", t, i));
  }
  const std::string offsets = (dir_.path() / "mig.offsets").string();
  {
    std::ofstream out(offsets);
    out << fmt::format(R"([{{"key":["mig",{{"protocol":"1","table":"{}mig_a"}}],"value":{{"incrementing":2}}}},)"
                       R"({{"key":["mig",{{"table":"mig_b"}}],"value":{{"incrementing":1}}}}])",
                       qualifier);
  }
  auto c = start_source(w, {{"mode", "incrementing"}, {"incrementing.column.name", "id"},
                            {"table.whitelist", qualifier + "mig_a, mig_b"}, {"topic.prefix", "m_"},
                            {"offset.storage.file.filename", offsets}},
                        "mig");
  EXPECT_EQ(published(w, "m_mig_a", 2), rows(3, 4)) << render_failure(c->failure());
  EXPECT_EQ(published(w, "m_mig_b", 3), rows(2, 4)) << render_failure(c->failure());
  EXPECT_EQ(published(w, "m_mig_a", 3, 1500ms).size(), 2u);
  c->stop();
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
  // Both are now stored under Confluent's partition name.
  source::file_offset_store stored(offsets, "mig");
  for (const char* t : {"mig_a", "mig_b"}) {
    auto o = stored.load({qualifier + t});
    ASSERT_TRUE(o) << qualifier + t;
    EXPECT_EQ(o->incrementing, 4) << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SourceModes, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
