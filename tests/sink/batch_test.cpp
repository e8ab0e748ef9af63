// sink::batch: offset ranges per partition, recycling records between batches, and batches moved
// between the task and writer threads.
#include <gtest/gtest.h>

#include <string>

#include "sink/batch.hpp"

namespace sluice::sink {
namespace {

sink_record record_at(const std::string& topic, std::int32_t partition, std::int64_t offset,
                      std::string text = "a text longer than the small-string buffer") {
  sink_record r;
  r.pos = {topic, partition, offset, 1000 + offset};
  r.value.emplace_back(std::move(text));
  r.size_bytes = 100;
  return r;
}

TEST(Batch, RangesFollowEveryPartitionWhateverOrderRecordsComeIn) {
  batch b;
  for (auto [p, o] : {std::pair{0, 10}, {0, 11}, {1, 5}, {0, 12}, {1, 6}, {2, 0}, {1, 7}})
    b.add(record_at("t", p, o), std::nullopt, "v");
  b.add(record_at("u", 0, 3), std::nullopt, "v");  // same partition number, other topic
  const auto& r = b.ranges();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r.at({"t", 0}).first, 10);
  EXPECT_EQ(r.at({"t", 0}).next, 13);
  EXPECT_EQ(r.at({"t", 1}).first, 5);
  EXPECT_EQ(r.at({"t", 1}).next, 8);
  EXPECT_EQ(r.at({"t", 2}).next, 1);
  EXPECT_EQ(r.at({"u", 0}).first, 3);
  EXPECT_EQ(r.at({"u", 0}).next, 4);
}

TEST(Batch, AMovedBatchKeepsCountingItsOwnRangesAndTheOldOneStartsAfresh) {
  batch a;
  a.add(record_at("t", 0, 1), std::nullopt, "v");
  batch b = std::move(a);
  b.add(record_at("t", 0, 2), std::nullopt, "v");  // the range add() last touched, now in b
  EXPECT_EQ(b.ranges().at({"t", 0}).next, 3);
  a = batch();
  a.add(record_at("t", 0, 7), std::nullopt, "v");
  EXPECT_EQ(a.ranges().at({"t", 0}).first, 7);
  EXPECT_EQ(b.ranges().at({"t", 0}).first, 1) << "adding to the new batch left the moved one alone";
  EXPECT_EQ(b.ranges().at({"t", 0}).next, 3);
  batch c;
  c.add(record_at("t", 0, 1), std::nullopt, "v");
  b = std::move(c);  // move-assigned over a batch that had a cached range
  b.add(record_at("t", 0, 2), std::nullopt, "v");
  EXPECT_EQ(b.ranges().size(), 1u);
  EXPECT_EQ(b.ranges().at({"t", 0}).next, 3);
}

TEST(Batch, DroppingOrTruncatingAPartitionForgetsItsRange) {
  batch b;
  b.add(record_at("t", 0, 1), std::nullopt, "v");
  b.add(record_at("t", 1, 1), std::nullopt, "v");
  b.drop_partitions({{"t", 1}});
  b.add(record_at("t", 1, 9), std::nullopt, "v");  // a new range, not the dropped one's
  EXPECT_EQ(b.ranges().at({"t", 1}).first, 9);
  b.truncate_partition({"t", 1}, 9);
  EXPECT_EQ(b.ranges().count({"t", 1}), 0u);
  b.add(record_at("t", 1, 12), std::nullopt, "v");
  EXPECT_EQ(b.ranges().at({"t", 1}).first, 12);
  EXPECT_EQ(b.size(), 2u);
}

TEST(Batch, RecycledRecordsComeBackWithTheirBuffersButNotTheLargeOnes) {
  batch b;
  b.add(record_at("t", 0, 1), std::nullopt, "v");
  const auto* buffer = std::get<std::string>(b.entries()[0].rec.value[0]).data();
  auto big = record_at("t", 0, 2);
  big.size_bytes = 1 << 20;
  b.add(std::move(big), std::nullopt, "v");
  b.recycle();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.ranges().empty());
  sink_record r = b.take_record();
  ASSERT_EQ(r.value.size(), 1u) << "the small record, with its stale contents";
  EXPECT_EQ(std::get<std::string>(r.value[0]).data(), buffer);
  EXPECT_TRUE(b.take_record().value.empty()) << "the 1 MiB record was not kept: a new one";
}

}  // namespace
}  // namespace sluice::sink
