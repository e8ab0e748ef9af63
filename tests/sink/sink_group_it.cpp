// The connector's consumer group on the broker: after each batch the sink also commits the
// offsets it stored in the database to its group, connect-<name> as Kafka Connect names it, so
// lag tools (kafka-consumer-groups, Burrow) see how far it got.
#include <map>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kafka/consumer.hpp"
#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

using tk = type_kind;

std::string val(std::int64_t id) {
  return connect_json(*make_schema({field("id", tk::int64, false)}), {num(id)});
}

// "partition=next offset" per partition, in partition order.
std::string render_offsets(const std::map<std::int32_t, std::int64_t>& m) {
  std::vector<std::string> parts;
  for (const auto& [p, off] : m) parts.push_back(fmt::format("{}={}", p, off));
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string stored_offsets(const sink_env& env, const std::string& topic) {
  std::map<std::int32_t, std::int64_t> m;
  for (const auto& row : env.query("SELECT \"partition\", next_offset FROM sluice_offsets WHERE "
                                   "connector = 'sink' AND topic = '" + topic + "'"))
    m[std::stoi(*row[0])] = row[1] ? std::stoll(*row[1]) : -1;
  return render_offsets(m);
}

// Reads a group's committed offsets without joining it: this consumer never subscribes, so the
// connector's member is not rebalanced away while the test looks.
class group_reader {
 public:
  group_reader(const std::string& bootstrap, const std::string& group)
      : consumer_({{"bootstrap.servers", bootstrap}, {"group.id", group}}, "test group reader",
                  nullptr) {}

  // The group's committed offsets of partitions 0 .. partitions-1 (-1001 when none); an error
  // (the coordinator not ready yet) comes back as its text.
  std::string committed(const std::string& topic, int partitions) {
    std::vector<kafka::topic_partition> ask;
    for (int p = 0; p < partitions; ++p) ask.push_back({topic, p});
    try {
      std::map<std::int32_t, std::int64_t> m;
      for (const auto& tp : consumer_.committed(ask, 5s)) m[tp.partition] = tp.offset;
      return render_offsets(m);
    } catch (const std::exception& e) {
      return std::string("<error: ") + e.what() + ">";
    }
  }

 private:
  kafka::consumer consumer_;
};

// The group commit is asynchronous and follows the database's: poll until the two agree.
::testing::AssertionResult group_matches(group_reader& reader, const sink_env& env,
                                         const std::string& topic, int partitions,
                                         const std::string& expected) {
  const auto stored = stored_offsets(env, topic);
  if (stored != expected)
    return ::testing::AssertionFailure() << "the database holds " << stored << ", expected "
                                         << expected;
  std::string last;
  sink_env::wait_until([&] { return (last = reader.committed(topic, partitions)) == stored; }, 30s);
  if (last == stored) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "group connect-sink has committed " << last
                                       << " after 30 s; the database holds " << stored;
}

TEST(SinkGroup, CommitsTheStoredOffsetsToTheConnectGroupAsItWrites) {
  sink_env env;
  env.create_topic("orders", 3);
  // A different count per partition, so a commit to the wrong partition cannot match.
  auto produce = [&](int base, const std::vector<int>& per_partition) {
    std::vector<test_record> recs;
    for (int p = 0; p < static_cast<int>(per_partition.size()); ++p)
      for (int i = 0; i < per_partition[static_cast<std::size_t>(p)]; ++i)
        recs.push_back(record(std::nullopt, val(base + p * 1000 + i), p));
    env.produce("orders", recs);
  };
  produce(0, {40, 70, 100});
  auto c = env.start({{"topics", "orders"}, {"auto.create", "true"}, {"batch.size", "50"}});
  ASSERT_EQ(c->settings().group_id, "connect-sink");
  ASSERT_TRUE(env.eventually("SELECT sum(next_offset) FROM sluice_offsets", "210", c.get()));
  group_reader reader(env.bootstrap(), "connect-sink");
  EXPECT_TRUE(group_matches(reader, env, "orders", 3, "0=40,1=70,2=100"));

  // And it keeps following while the connector runs, not only at its first batch or at stop.
  produce(10000, {5, 0, 30});
  ASSERT_TRUE(env.eventually("SELECT sum(next_offset) FROM sluice_offsets", "245", c.get()));
  EXPECT_TRUE(group_matches(reader, env, "orders", 3, "0=45,1=70,2=130"));
  EXPECT_EQ(env.scalar("SELECT count(*) FROM orders"), "245");
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

}  // namespace
}  // namespace sluice::testing
