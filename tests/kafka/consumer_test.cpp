#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "kafka/consumer.hpp"
#include "tests/kafka/test_cluster.hpp"
#include "tests/support/kafka_helpers.hpp"

namespace sluice::kafka {
namespace {

using namespace std::chrono_literals;
using testing::test_cluster;

// Records what the consumer told it and sets start offsets from `start_at`.
class recording_listener : public rebalance_listener {
 public:
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> start_at;
  std::set<std::int32_t> owned;
  int assigned_calls = 0, revoked_calls = 0;
  std::size_t revoked_partitions = 0;
  bool every_revoke_took_all = true;  // eager: each revocation takes everything owned
  bool throw_on_assign = false;

  void on_assigned(std::vector<topic_partition>& tps) override {
    ++assigned_calls;
    for (auto& tp : tps) {
      owned.insert(tp.partition);
      if (auto it = start_at.find({tp.topic, tp.partition}); it != start_at.end())
        tp.offset = it->second;
    }
    if (throw_on_assign) throw std::runtime_error("listener failed");
  }
  void on_revoked(const std::vector<topic_partition>& tps) override {
    ++revoked_calls;
    revoked_partitions += tps.size();
    if (tps.size() != owned.size()) every_revoke_took_all = false;
    for (const auto& tp : tps) owned.erase(tp.partition);
  }
};

settings group_settings(const test_cluster& c, const std::string& group) {
  return {{"bootstrap.servers", c.bootstrap()},
          {"group.id", group},
          {"auto.offset.reset", "earliest"},
          {"session.timeout.ms", "6000"},
          {"heartbeat.interval.ms", "300"},
          {"topic.metadata.refresh.interval.ms", "1000"}};
}

std::vector<testing::test_record> numbered(int n, std::int32_t partition = -1) {
  std::vector<testing::test_record> out;
  for (int i = 0; i < n; ++i)
    out.push_back({.key = "k" + std::to_string(i), .value = std::to_string(i),
                   .partition = partition});
  return out;
}

// Polls until `n` records arrived (returned) or the timeout.
std::vector<message> poll_n(consumer& c, std::size_t n, std::chrono::milliseconds timeout) {
  std::vector<message> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline)
    if (auto m = c.poll(100ms); m && !m->error()) out.push_back(std::move(*m));
  return out;
}

TEST(Consumer, ReadsASubscribedTopicAndCommitsWhatItIsTold) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  testing::produce_all(cluster.bootstrap(), topic, numbered(10));
  recording_listener l;
  consumer c(group_settings(cluster, "g-commit"), "sink 'x' consumer", &l);
  c.subscribe({topic});
  auto got = poll_n(c, 10, 20s);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[3].value(), "3");
  EXPECT_EQ(got[3].key(), "k3");
  EXPECT_GT(got[3].timestamp_ms(), 0);
  c.commit({{topic, 0, 4}}, false);
  auto committed = c.committed({{topic, 0}}, 5s);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].offset, 4);
  EXPECT_EQ(c.high_watermark(topic, 0), 10);
}

TEST(Consumer, AutoCommitIsForcedOff) {
  settings s = {{"bootstrap.servers", "127.0.0.1:1"}, {"group.id", "g"},
                {"enable.auto.commit", "true"}};
  consumer c(s, "test", nullptr);
  char buf[16];
  std::size_t n = sizeof buf;
  rd_kafka_conf_get(rd_kafka_conf(c.raw()), "enable.auto.commit", buf, &n);
  EXPECT_STREQ(buf, "false");
  n = sizeof buf;
  rd_kafka_conf_get(rd_kafka_conf(c.raw()), "enable.auto.offset.store", buf, &n);
  EXPECT_STREQ(buf, "false");
}

TEST(Consumer, StartsWhereTheListenerSays) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  testing::produce_all(cluster.bootstrap(), topic, numbered(10));
  recording_listener l;
  l.start_at[{topic, 0}] = 7;
  consumer c(group_settings(cluster, "g-listener"), "test", &l);
  c.subscribe({topic});
  auto got = poll_n(c, 3, 20s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset(), 7);
  EXPECT_EQ(got[2].offset(), 9);
}

TEST(Consumer, StartsAtTheGroupsCommittedOffsetWhenTheListenerLeavesItInvalid) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  testing::produce_all(cluster.bootstrap(), topic, numbered(10));
  // The embedded (mock) coordinator holds the second member's join for session.timeout.ms - 1 s
  // per rebalance round, and after the first member left it took one to three rounds: the
  // second member was assigned after 5, 10 or 15 s in 15 runs with the 6 s session (5 s in 9,
  // 10 s in 5, 15 s in 1), and not within the 20 s below in one CI run (2026-11-24). A 3 s
  // session makes a round 2 s, so the wait below covers the same rounds with room to spare.
  settings s = group_settings(cluster, "g-resume");
  s["session.timeout.ms"] = "3000";
  {
    consumer first(s, "test", nullptr);
    first.subscribe({topic});
    ASSERT_EQ(poll_n(first, 10, 20s).size(), 10u);
    first.commit({{topic, 0, 6}}, false);
    first.close();
  }
  recording_listener l;
  consumer second(s, "test", &l);
  second.subscribe({topic});
  auto got = poll_n(second, 1, 20s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset(), 6);
}

// Polls both consumers until their listeners own `a` and `b` partitions.
bool balance(consumer& c1, recording_listener& l1, std::size_t a, consumer& c2,
             recording_listener& l2, std::size_t b, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    c1.poll(50ms);
    c2.poll(50ms);
    if (l1.owned.size() == a && l2.owned.size() == b) return true;
  }
  return false;
}

void check_group_rebalance(const std::string& strategy, bool cooperative) {
  test_cluster cluster;
  std::string topic = cluster.topic(4);
  settings s = group_settings(cluster, "g-" + strategy);
  s["partition.assignment.strategy"] = strategy;
  recording_listener l1, l2;
  consumer c1(s, "member 1", &l1);
  c1.subscribe({topic});
  consumer c2(s, "member 2", &l2);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (l1.owned.size() != 4 && std::chrono::steady_clock::now() < deadline) c1.poll(50ms);
  ASSERT_EQ(l1.owned.size(), 4u) << "the only member should get every partition";

  c2.subscribe({topic});
  ASSERT_TRUE(balance(c1, l1, 2, c2, l2, 2, 30s))
      << "member 1 owns " << l1.owned.size() << ", member 2 owns " << l2.owned.size();
  std::set<std::int32_t> all = l1.owned;
  all.insert(l2.owned.begin(), l2.owned.end());
  EXPECT_EQ(all.size(), 4u) << "no partition owned twice";
  if (cooperative)
    EXPECT_EQ(l1.revoked_partitions, 2u) << "cooperative: only the moved partitions are revoked";
  else {
    // Under load the group may rebalance more than once while member 2 joins; what makes the
    // protocol eager is that every revocation takes all that member 1 owned.
    EXPECT_TRUE(l1.every_revoke_took_all) << "eager: everything is revoked, then reassigned";
    EXPECT_GE(l1.revoked_partitions, 4u);
  }
  EXPECT_EQ(c1.assignment().size(), 2u);

  // Start offsets from the listener hold after a rebalance too.
  for (std::int32_t p : l2.owned) l2.start_at[{topic, p}] = 3;
  c2.close();
  ASSERT_TRUE(balance(c1, l1, 4, c1, l1, 4, 30s)) << "the leaving member's partitions come back";
}

TEST(ConsumerGroup, TwoMembersSplitPartitionsWithTheEagerProtocol) {
  check_group_rebalance("range", false);
}

TEST(ConsumerGroup, TwoMembersSplitPartitionsWithTheCooperativeProtocol) {
  check_group_rebalance("cooperative-sticky", true);
}

TEST(ConsumerGroup, ListenerOffsetsAreHonouredForEachMember) {
  // The listeners play a sink's offset store, shared by both members: each assignment starts where
  // the store says, and every record read moves the store past it, as a sink's commit would. The
  // group's own committed offsets stay empty, so without the listener reading would start at 0;
  // and a rebalance in the middle (the second member joining) must neither skip nor repeat a
  // record, whichever member a partition lands on.
  test_cluster cluster;
  std::string topic = cluster.topic(2);
  for (std::int32_t p = 0; p < 2; ++p)
    testing::produce_all(cluster.bootstrap(), topic, numbered(10, p));
  recording_listener l1, l2;
  for (auto* l : {&l1, &l2}) l->start_at = {{{topic, 0}, 4}, {{topic, 1}, 8}};
  settings s = group_settings(cluster, "g-offsets");
  consumer c1(s, "member 1", &l1);
  consumer c2(s, "member 2", &l2);
  c1.subscribe({topic});
  c2.subscribe({topic});
  std::map<std::int32_t, std::vector<std::int64_t>> seen;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  auto total = [&] { return seen[0].size() + seen[1].size(); };
  auto split = [&] { return l1.owned.size() == 1 && l2.owned.size() == 1; };
  while ((total() < 8 || !split()) && std::chrono::steady_clock::now() < deadline) {
    for (consumer* c : {&c1, &c2}) {
      auto m = c->poll(50ms);
      if (!m || m->error()) continue;
      seen[m->partition()].push_back(m->offset());
      for (auto* l : {&l1, &l2}) l->start_at[{topic, m->partition()}] = m->offset() + 1;
    }
  }
  ASSERT_TRUE(split()) << "member 1 owns " << l1.owned.size() << ", member 2 owns "
                       << l2.owned.size();
  // Each member now reads its own partition from where the store put it: one more record each.
  for (std::int32_t p = 0; p < 2; ++p)
    testing::produce_all(cluster.bootstrap(), topic, numbered(1, p));
  std::map<const consumer*, int> read_after_split;
  deadline = std::chrono::steady_clock::now() + 20s;
  while (total() < 10 && std::chrono::steady_clock::now() < deadline) {
    for (consumer* c : {&c1, &c2}) {
      auto m = c->poll(50ms);
      if (!m || m->error()) continue;
      seen[m->partition()].push_back(m->offset());
      ++read_after_split[c];
    }
  }
  EXPECT_EQ(seen[0], (std::vector<std::int64_t>{4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(seen[1], (std::vector<std::int64_t>{8, 9, 10}));
  EXPECT_EQ(read_after_split[&c1], 1);
  EXPECT_EQ(read_after_split[&c2], 1);
}

TEST(Consumer, RegexSubscriptionFindsMatchingTopics) {
  test_cluster cluster;
  std::string topic = cluster.topic(1, "rx");
  testing::produce_all(cluster.bootstrap(), topic, numbered(2));
  consumer c(group_settings(cluster, "g-regex"), "test", nullptr);
  c.subscribe({"^rx-.*"});
  auto got = poll_n(c, 2, 20s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic(), topic);
}

TEST(Consumer, PausedPartitionsDeliverNothingUntilResumed) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  testing::produce_all(cluster.bootstrap(), topic, numbered(5));
  consumer c(group_settings(cluster, "g-pause"), "test", nullptr);
  c.subscribe({topic});
  ASSERT_EQ(poll_n(c, 5, 20s).size(), 5u);
  c.pause({{topic, 0}});
  testing::produce_all(cluster.bootstrap(), topic, numbered(3));
  EXPECT_TRUE(poll_n(c, 1, 1500ms).empty());
  c.resume({{topic, 0}});
  EXPECT_EQ(poll_n(c, 3, 10s).size(), 3u);
}

TEST(Consumer, ListenerExceptionIsRethrownFromPollAndItsPartitionsArePaused) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  testing::produce_all(cluster.bootstrap(), topic, numbered(3));
  recording_listener l;
  l.throw_on_assign = true;
  consumer c(group_settings(cluster, "g-throw"), "test", &l);
  c.subscribe({topic});
  bool thrown = false;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!thrown && std::chrono::steady_clock::now() < deadline) {
    try {
      c.poll(100ms);
    } catch (const std::runtime_error& e) {
      thrown = std::string(e.what()) == "listener failed";
    }
  }
  ASSERT_TRUE(thrown);
  EXPECT_TRUE(poll_n(c, 1, 1500ms).empty()) << "nothing read from an unknown position";
}

TEST(Consumer, CloseIsIdempotent) {
  test_cluster cluster;
  std::string topic = cluster.topic(1);
  consumer c(group_settings(cluster, "g-close"), "test", nullptr);
  c.subscribe({topic});
  c.poll(100ms);
  c.close();
  EXPECT_NO_THROW(c.close());
}

TEST(Consumer, HighWatermarkIsUnknownBeforeAnyFetch) {
  consumer c({{"bootstrap.servers", "127.0.0.1:1"}, {"group.id", "g"}}, "test", nullptr);
  EXPECT_EQ(c.high_watermark("nothing", 0), std::nullopt);
}

}  // namespace
}  // namespace sluice::kafka
