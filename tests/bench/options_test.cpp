// The command line of `sluice bench` and the pieces that need no server: sweep grids, row shapes,
// the key distribution.
#include <set>

#include <gtest/gtest.h>

#include "benchkit/generator.hpp"
#include "benchkit/options.hpp"
#include "benchkit/shape.hpp"
#include "benchkit/workload.hpp"
#include "core/error.hpp"

namespace {

using namespace sluice::benchkit;

TEST(BenchOptions, SweepGridIsEveryCombinationWithTheLastKeyFastest) {
  auto o = parse_options({"sink", "--url", "postgresql://x/y", "--table", "t", "--sweep", "batch.size=500,5000",
                          "--sweep", "tasks.max=1,2,4"});
  auto grid = sweep_grid(o);
  ASSERT_EQ(grid.size(), 6u);
  EXPECT_EQ(grid[0], (std::vector<std::pair<std::string, std::string>>{{"batch.size", "500"}, {"tasks.max", "1"}}));
  EXPECT_EQ(grid[2], (std::vector<std::pair<std::string, std::string>>{{"batch.size", "500"}, {"tasks.max", "4"}}));
  EXPECT_EQ(grid[3], (std::vector<std::pair<std::string, std::string>>{{"batch.size", "5000"}, {"tasks.max", "1"}}));
}

TEST(BenchOptions, SourceSweepsBatchRowsAndTasks) {
  auto o = parse_options({"source", "--url", "jdbc:sqlite:/tmp/x.db", "--table", "t", "--sweep",
                          "batch.max.rows=1000,10000", "--sweep", "tasks.max=1,2"});
  auto grid = sweep_grid(o);
  ASSERT_EQ(grid.size(), 4u);
  EXPECT_EQ(grid[1], (std::vector<std::pair<std::string, std::string>>{{"batch.max.rows", "1000"}, {"tasks.max", "2"}}));
}

TEST(BenchOptions, NoSweepIsOnePointAsConfigured) {
  auto o = parse_options({"sink", "--config", "c.json"});
  EXPECT_EQ(sweep_grid(o), (std::vector<std::vector<std::pair<std::string, std::string>>>{{}}));
}

TEST(BenchOptions, MistakesNameTheFlag) {
  auto message = [](std::vector<std::string> a) {
    try {
      parse_options(a);
    } catch (const sluice::error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({"sink", "--url", "u"}).find("--table"), std::string::npos);
  EXPECT_NE(message({"sink", "--config", "c", "--sweep", "batch.size"}).find("--sweep"), std::string::npos);
  EXPECT_NE(message({"sink", "--config", "c", "--updates", "2"}).find("--updates"), std::string::npos);
  EXPECT_NE(message({"sink", "--config", "c", "--mode", "merge"}).find("--mode"), std::string::npos);
  EXPECT_NE(message({"source", "--config", "c", "--updates", "0.1"}).find("sink options"), std::string::npos);
  EXPECT_NE(message({"source", "--config", "c", "--mode", "upsert"}).find("sink options"), std::string::npos);
  EXPECT_NE(message({"source", "--config", "c", "--sweep", "x"}).find("batch.max.rows"), std::string::npos);
  EXPECT_NE(message({"sink", "--config", "c", "--frobnicate"}).find("unknown flag"), std::string::npos);
  EXPECT_NE(message({"pipeline"}).find("sink or source"), std::string::npos);
}

TEST(BenchShape, DefaultShapeRecordsAreTheWorkloadsBytes) {
  auto s = default_shape();
  for (std::int64_t id : {1, 42, 999999})
    for (std::int64_t v : {0, 3}) {
      EXPECT_EQ(value_json(s, id, v), value_json(make_row(id, v))) << id;
      EXPECT_EQ(csv_line(s, id, v), csv_line(make_row(id, v))) << id;
      EXPECT_EQ(key_json(s, id), key_json(id));
    }
}

TEST(BenchShape, ColumnSpecsGiveTypesAndTheFirstIntegerColumnAsKey) {
  auto s = parse_columns("label:text,code:bigint,price:numeric(10,3),at:timestamptz,ok:bool,n:int,x:double");
  EXPECT_EQ(s.key, 1u);
  EXPECT_EQ(s.describe(), "label:text,code:bigint,price:numeric(10,3),at:timestamptz,ok:boolean,n:integer,x:double precision");
  auto v = text_values(s, 7, 0);
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v[1], "7");
  EXPECT_EQ(v[2].size() - v[2].find('.') - 1, 3u) << v[2] << ": three decimals for scale 3";
  EXPECT_EQ(parse_columns("12").columns.size(), 12u);
  EXPECT_THROW(parse_columns("a:text,b:text"), sluice::error);
  EXPECT_THROW(parse_columns("a:blob"), sluice::error);
}

TEST(BenchGenerator, LiveRowsFollowInsertsUpdatesAndDeletes) {
  generator g({.updates = 0.3, .deletes = 0.1, .zipf = true}, 100);
  std::set<std::int64_t> live;
  for (int i = 0; i < 20000; ++i) {
    auto op = g.next();
    if (op.del) {
      EXPECT_EQ(live.erase(op.id), 1u) << "deletes only rows that are there";
    } else if (op.version == 0) {
      EXPECT_TRUE(live.insert(op.id).second) << "new rows have new ids";
      EXPECT_GE(op.id, 100);
    } else {
      EXPECT_TRUE(live.count(op.id)) << "updates only rows that are there";
    }
  }
  EXPECT_EQ(g.live_rows(), live.size());
  EXPECT_LT(live.size(), 20000u * 0.7);
}

TEST(BenchGenerator, SameSeedSameOperations) {
  generator a({.updates = 0.2, .deletes = 0.05}, 1), b({.updates = 0.2, .deletes = 0.05}, 1);
  for (int i = 0; i < 1000; ++i) {
    auto x = a.next(), y = b.next();
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.del, y.del);
  }
}

}  // namespace
