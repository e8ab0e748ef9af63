// row_plan::last_per_key: which entries of a batch are written, compared with a plain map over
// the same keys, for keys that collide in the hash table, composite keys, nulls and truncates.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "sink/row_plan.hpp"

namespace sluice::sink {
namespace {

std::shared_ptr<const struct_schema> schema() {
  auto s = std::make_shared<struct_schema>();
  s->fields = {{.name = "id", .type = type_kind::int64, .optional = true},
               {.name = "name", .type = type_kind::string, .optional = true},
               {.name = "v", .type = type_kind::int64}};
  return s;
}

sink_settings settings() {
  sink_settings s;
  s.connector = "t";
  s.insert = insert_mode::upsert;
  s.pk = pk_mode::record_value;
  s.pk_fields = {"id", "name"};
  return s;
}

batch_entry entry(const std::shared_ptr<const struct_schema>& sc, value id, value name, std::int64_t v,
                  record_op op = record_op::upsert) {
  batch_entry e;
  e.rec.op = op;
  e.rec.value_schema = sc;
  e.rec.value = {std::move(id), std::move(name), value{v}};
  return e;
}

using ops = row_plan::group_ops;

ops run(const std::vector<batch_entry>& all, const sink_settings& s = settings()) {
  std::vector<const sink_record*> recs;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].rec.op != record_op::truncate) recs.push_back(&all[i].rec);
    idx.push_back(i);
  }
  auto plan = row_plan::build(s, recs, "t");
  return plan.last_per_key(all, idx);
}

TEST(RowPlanLastPerKey, LastOperationPerKeyWinsInBatchOrder) {
  auto sc = schema();
  std::vector<batch_entry> all;
  all.push_back(entry(sc, value{std::int64_t{1}}, value{std::string("a")}, 1));
  all.push_back(entry(sc, value{std::int64_t{1}}, value{std::string("b")}, 2));  // other key
  all.push_back(entry(sc, value{std::int64_t{1}}, value{std::string("a")}, 3));
  all.push_back(entry(sc, value{std::int64_t{2}}, value{std::string("a")}, 4, record_op::remove));
  all.push_back(entry(sc, value{null_value{}}, value{std::string("a")}, 5));
  all.push_back(entry(sc, value{null_value{}}, value{std::string("a")}, 6));  // null equals null
  all.push_back(entry(sc, value{std::int64_t{1}}, value{std::string("b")}, 7, record_op::remove));
  auto out = run(all);
  EXPECT_EQ(out.ups, (std::vector<std::size_t>{2, 5}));
  EXPECT_EQ(out.dels, (std::vector<std::size_t>{3, 6}));
  EXPECT_FALSE(out.truncate);
}

TEST(RowPlanLastPerKey, TruncateForgetsEverythingBeforeIt) {
  auto sc = schema();
  std::vector<batch_entry> all;
  all.push_back(entry(sc, value{std::int64_t{1}}, value{std::string("a")}, 1));
  all.push_back(entry(sc, value{std::int64_t{2}}, value{std::string("a")}, 2));
  batch_entry t;
  t.rec.op = record_op::truncate;
  all.push_back(std::move(t));
  all.push_back(entry(sc, value{std::int64_t{2}}, value{std::string("a")}, 3));
  all.push_back(entry(sc, value{std::int64_t{2}}, value{std::string("a")}, 4));
  auto out = run(all);
  EXPECT_TRUE(out.truncate);
  EXPECT_EQ(out.ups, (std::vector<std::size_t>{4}));
  EXPECT_TRUE(out.dels.empty());
}

// Many keys, many repeats, text keys that differ only in length or in a late byte: the same
// answer as a std::map keyed by the values.
TEST(RowPlanLastPerKey, AgreesWithAMapOnALargeRandomBatch) {
  auto sc = schema();
  std::mt19937 rng(7);
  std::vector<batch_entry> all;
  std::map<std::pair<std::int64_t, std::string>, std::size_t> last;
  for (std::size_t i = 0; i < 20000; ++i) {
    const std::int64_t id = static_cast<std::int64_t>(rng() % 3000);
    std::string name(rng() % 4, 'x');
    if (rng() % 2) name += static_cast<char>('a' + rng() % 3);
    const auto op = rng() % 5 == 0 ? record_op::remove : record_op::upsert;
    all.push_back(entry(sc, value{id}, value{name}, static_cast<std::int64_t>(i), op));
    last[{id, name}] = i;
  }
  std::vector<std::size_t> ups, dels;
  std::vector<bool> keep(all.size());
  for (const auto& [k, i] : last) keep[i] = true;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (keep[i]) (all[i].rec.op == record_op::remove ? dels : ups).push_back(i);
  std::vector<const sink_record*> recs;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < all.size(); ++i) {
    recs.push_back(&all[i].rec);
    idx.push_back(i);
  }
  auto plan = row_plan::build(settings(), recs, "t");
  auto out = plan.last_per_key(all, idx);
  EXPECT_EQ(out.ups, ups);
  EXPECT_EQ(out.dels, dels);
  // A second call on the same plan starts from nothing.
  std::vector<std::size_t> half(idx.begin() + 10000, idx.end());
  std::map<std::pair<std::int64_t, std::string>, std::size_t> last2;
  for (auto i : half)
    last2[{std::get<std::int64_t>(all[i].rec.value[0]), std::get<std::string>(all[i].rec.value[1])}] = i;
  auto again = plan.last_per_key(all, half);
  EXPECT_EQ(again.ups.size() + again.dels.size(), last2.size());
}

}  // namespace
}  // namespace sluice::sink
