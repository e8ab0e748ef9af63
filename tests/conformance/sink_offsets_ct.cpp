// Exactly-once into the table on every backend: the offsets stored with the rows decide where a
// restarted task resumes (not the Kafka group), and the compare-and-set on them keeps an owner
// that lost its partitions from committing over the new owner.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

class SinkOffsets : public ::testing::TestWithParam<backend> {};

std::vector<sluice::testing::test_record> events(int from, int to) {
  auto s = make_schema({field("id", tk::int64, false), field("v", tk::string)});
  std::vector<sluice::testing::test_record> out;
  for (int i = from; i < to; ++i)
    out.push_back(record(std::nullopt, connect_json(*s, {num(i), str(fmt::format("v{}", i))}), i % 3));
  return out;
}

TEST_P(SinkOffsets, ARestartResumesWhereTheCommittedRowsEndAndALosingOwnerCannotCommit) {
  world w(GetParam());
  w.create_topic("events", 3);
  const std::string total = "SELECT SUM(next_offset) FROM sluice_offsets WHERE connector = 'sink'";
  // Insert mode without a key: a record written twice would be two rows.
  w.produce("events", events(0, 300));
  auto c = w.start({{"topics", "events"}, {"auto.create", "true"}, {"batch.size", "40"}});
  ASSERT_TRUE(w.eventually(total, "300", c.get()));
  c->stop();

  // Same connector, a consumer group Kafka knows nothing of: only the stored offsets can say
  // where to resume (auto.offset.reset=earliest would otherwise read everything again).
  w.produce("events", events(300, 500));
  // A task that fails leaves its group member to expire (session timeout) before it rejoins:
  // a short session keeps the conflict below from costing 45 s.
  c = w.start({{"topics", "events"}, {"auto.create", "true"}, {"group.id", "brand-new-group"},
               {"consumer.override.session.timeout.ms", "6000"},
               {"consumer.override.heartbeat.interval.ms", "1000"}});
  ASSERT_TRUE(w.eventually(total, "500", c.get()));
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM events"), "500");
  EXPECT_EQ(w.scalar("SELECT COUNT(DISTINCT id) FROM events"), "500");

  // Another owner moves partition 0 on by 5 while this task believes it holds the offsets: the
  // task's next batch fails its compare-and-set, rolls back, and the task resumes from the
  // stored offset, so those 5 records are left to the other owner and nothing is written twice.
  const std::string p0 = w.stored_offset("events", 0);
  w.exec(fmt::format("UPDATE sluice_offsets SET next_offset = next_offset + 5 WHERE connector = 'sink' AND "
                     "topic = 'events' AND {} = 0",
                     w.q("partition")));
  std::vector<sluice::testing::test_record> more;
  for (auto& r : events(500, 530))
    if (r.partition == 0) more.push_back(r);  // 10 records, all in partition 0
  w.produce("events", more);
  ASSERT_TRUE(w.eventually(fmt::format("SELECT next_offset FROM sluice_offsets WHERE connector = 'sink' AND "
                                       "topic = 'events' AND {} = 0",
                                       w.q("partition")),
                           std::to_string(std::stoll(p0) + 10), nullptr, 60s));
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM events"), "505");
  EXPECT_EQ(w.scalar("SELECT COUNT(DISTINCT id) FROM events"), "505");
  std::uint64_t conflicts = 0;
  for (const auto& m : c->metrics()) conflicts += m->conflicts;
  EXPECT_GE(conflicts, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkOffsets, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
