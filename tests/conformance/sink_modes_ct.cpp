// insert.mode × pk.mode × delete.enabled and bad records, written once and run on every backend.
// A connector costs a consumer-group join on the embedded broker (about 3 s), so each test starts
// its connectors together, one per mode, each on its own topic and table.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

std::shared_ptr<struct_schema> order_value() {
  return make_schema({field("id", tk::int64, false), field("item", tk::string), field("qty", tk::int32)},
                     "orders.Value");
}
std::string order(std::int64_t id, const std::string& item, std::int64_t qty) {
  return connect_json(*order_value(), {num(id), str(item), num(qty)});
}
std::string offset_of(const std::string& connector) {
  return fmt::format("SELECT SUM(next_offset) FROM sluice_offsets WHERE connector = '{}'", connector);
}

class SinkModes : public ::testing::TestWithParam<backend> {};

TEST_P(SinkModes, EveryInsertKeyAndDeleteModeWritesWhatConfluentsSinkWould) {
  world w(GetParam());
  for (auto t : {"plain", "bykey", "byvalue", "changes", "deletes"}) w.create_topic(t);
  w.create_topic("bykafka", 2);
  w.exec("CREATE TABLE updated (id BIGINT NOT NULL PRIMARY KEY, item VARCHAR(20), qty INT)");
  w.exec("INSERT INTO updated (id, item, qty) VALUES (1, 'apple', 1), (2, 'pear', 2)");

  // insert, no key: every record appended, repeats included.
  w.produce("plain", {record(std::nullopt, order(1, "apple", 3)), record(std::nullopt, order(1, "apple", 3)),
                      record(std::nullopt, order(2, "pear", 5))});
  // insert, kafka key: topic, partition and offset are the key.
  w.produce("bykafka", {record(std::nullopt, order(1, "apple", 3), 0), record(std::nullopt, order(2, "pear", 5), 1),
                        record(std::nullopt, order(3, "fig", 7), 1)});
  // upsert, struct record key: versions of one key in a batch, last wins; keys differing in case
  // are different rows.
  auto key = make_schema({field("region", tk::string, false), field("id", tk::int64, false)});
  auto val = make_schema({field("item", tk::string), field("qty", tk::int32)});
  auto k = [&](const std::string& region, std::int64_t id) { return connect_json(*key, {str(region), num(id)}); };
  auto v = [&](const std::string& item, std::int64_t qty) { return connect_json(*val, {str(item), num(qty)}); };
  w.produce("bykey", {record(k("eu", 1), v("apple", 1)), record(k("us", 1), v("pear", 2)),
                      record(k("eu", 1), v("apple", 2)), record(k("EU", 1), v("upper", 7)),
                      record(k("eu", 1), v("apple", 3))});
  // upsert, record value key.
  w.produce("byvalue", {record(std::nullopt, order(1, "apple", 1)), record(std::nullopt, order(2, "pear", 2)),
                        record(std::nullopt, order(1, "apple", 11))});
  // update: only rows that exist change.
  w.produce("changes", {record(std::nullopt, order(2, "pear", 20)), record(std::nullopt, order(3, "fig", 30))});

  // delete.enabled: a tombstone deletes; one after an upsert of its key in the same batch wins.
  w.produce("deletes", {record(int64_key(1), order(1, "apple", 1)), record(int64_key(2), order(2, "pear", 2)),
                        record(int64_key(3), order(3, "fig", 3))});

  auto c = w.start_together(
      {{"plain", {{"topics", "plain"}, {"auto.create", "true"}}},
       {"bykafka", {{"topics", "bykafka"}, {"auto.create", "true"}, {"pk.mode", "kafka"}}},
       {"bykey", {{"topics", "bykey"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                  {"pk.mode", "record_key"}, {"batch.linger.ms", "500"}}},
       {"byvalue", {{"topics", "byvalue"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                    {"pk.mode", "record_value"}, {"pk.fields", "id"}}},
       {"updater", {{"topics", "changes"}, {"table.name.format", "updated"}, {"insert.mode", "update"},
                    {"pk.mode", "record_value"}, {"pk.fields", "id"}}},
       {"deleter", {{"topics", "deletes"}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                    {"pk.mode", "record_key"}, {"pk.fields", "id"}, {"delete.enabled", "true"},
                    {"fields.whitelist", "item,qty"}, {"batch.linger.ms", "300"}}}});
  auto *c1 = c[0].get(), *c2 = c[1].get(), *c3 = c[2].get(), *c4 = c[3].get(), *c5 = c[4].get(),
       *c6 = c[5].get();

  ASSERT_TRUE(w.eventually(offset_of("plain"), "3", c1));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM plain ORDER BY id, item"), "1|apple|3\n1|apple|3\n2|pear|5");

  ASSERT_TRUE(w.eventually(offset_of("bykafka"), "3", c2));
  EXPECT_EQ(w.rows("SELECT __connect_topic, __connect_partition, __connect_offset, id FROM bykafka "
                   "ORDER BY __connect_partition, __connect_offset"),
            "bykafka|0|0|1\nbykafka|1|0|2\nbykafka|1|1|3");

  ASSERT_TRUE(w.eventually(offset_of("bykey"), "5", c3));
  EXPECT_EQ(w.rows("SELECT region, id, item, qty FROM bykey ORDER BY qty"), "us|1|pear|2\neu|1|apple|3\nEU|1|upper|7");
  w.produce("bykey", {record(k("eu", 1), v("apple", 10))});
  ASSERT_TRUE(w.eventually("SELECT qty FROM bykey WHERE region = 'eu' AND id = 1", "10", c3));
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM bykey"), "3");

  ASSERT_TRUE(w.eventually(offset_of("byvalue"), "3", c4));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM byvalue ORDER BY id"), "1|apple|11\n2|pear|2");

  ASSERT_TRUE(w.eventually(offset_of("updater"), "2", c5));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM updated ORDER BY id"), "1|apple|1\n2|pear|20");

  ASSERT_TRUE(w.eventually(offset_of("deleter"), "3", c6));
  w.produce("deletes", {record(int64_key(2), std::nullopt), record(int64_key(3), order(3, "fig", 30)),
                        record(int64_key(3), std::nullopt), record(int64_key(4), std::nullopt),
                        record(int64_key(5), order(5, "kiwi", 5))});
  ASSERT_TRUE(w.eventually(offset_of("deleter"), "8", c6));
  EXPECT_EQ(w.rows("SELECT id, item, qty FROM deletes ORDER BY id"), "1|apple|1\n5|kiwi|5");
}

TEST_P(SinkModes, BadRecordsGoToTheDeadLetterQueueOrStopTheTaskAfterWhatCameBefore) {
  world w(GetParam());
  for (auto t : {"tolerant", "strict", "dlq"}) w.create_topic(t);
  w.exec("CREATE TABLE tolerant (id BIGINT NOT NULL PRIMARY KEY, item VARCHAR(10), qty INT)");
  w.exec("INSERT INTO tolerant (id, item, qty) VALUES (100, 'before', 0)");
  w.exec("CREATE TABLE strict (id BIGINT NOT NULL PRIMARY KEY, item VARCHAR(10), qty INT NOT NULL)");
  // Record 30 repeats a key the table holds (insert mode); record 17 is too long for the column
  // (SQLite does not enforce VARCHAR lengths).
  std::vector<sluice::testing::test_record> recs;
  for (int i = 1; i <= 40; ++i)
    recs.push_back(record(std::nullopt, order(i == 30 ? 100 : i, i == 17 ? "far too long for ten" : "ok", i)));
  w.produce("tolerant", recs);
  // Record 6 is NULL for a NOT NULL column.
  std::vector<sluice::testing::test_record> strict;
  for (int i = 1; i <= 10; ++i)
    strict.push_back(record(std::nullopt, connect_json(*order_value(), {num(i), str("x"), i == 6 ? null() : num(i)})));
  w.produce("strict", strict);

  auto started = w.start_together(
      {{"tolerant", {{"topics", "tolerant"}, {"pk.mode", "record_value"}, {"pk.fields", "id"},
                     {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq"},
                     {"errors.deadletterqueue.topic.replication.factor", "1"}, {"batch.linger.ms", "300"}}},
       {"strict", {{"topics", "strict"}, {"pk.mode", "record_value"}, {"pk.fields", "id"},
                   {"errors.restart.enable", "false"}}}});
  auto *c = started[0].get(), *s = started[1].get();
  const bool sqlite = w.kind() == backend_kind::sqlite;
  ASSERT_TRUE(w.eventually(offset_of("tolerant"), "40", c));
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM tolerant"), sqlite ? "40" : "39");
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM tolerant WHERE id = 17"), sqlite ? "1" : "0");
  EXPECT_EQ(w.scalar("SELECT item FROM tolerant WHERE id = 100"), "before");
  auto dead = sluice::testing::read_topic(w.bootstrap(), "dlq", sqlite ? 1 : 2, 10s);
  EXPECT_EQ(dead.size(), sqlite ? 1u : 2u);

  ASSERT_TRUE(w.eventually(offset_of("strict"), "5", s));
  std::optional<error_info> failure;
  for (int i = 0; i < 300 && !(failure = s->failure()); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->where.find("strict[0]@5"), std::string::npos) << render(*failure);
  EXPECT_EQ(w.scalar("SELECT COUNT(*) FROM strict"), "5");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkModes, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
