// Every mode against a real PostgreSQL and the embedded broker: what is published, in which
// order, with which key, and where a restart resumes.
#include <gtest/gtest.h>

#include "tests/source/source_test_util.hpp"

namespace sluice::source::testing {
namespace {

class SourceModes : public source_test {
 protected:
  // Waits until another session of this test's database runs a statement starting with `prefix`.
  void await_statement(const std::string& prefix) const {
    for (int i = 0; i < 100; ++i) {
      auto r = query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '" + prefix + "%'");
      if (!r.empty() && r[0][0].value_or("0") != "0") return;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no session started " << prefix;
  }
};

TEST_F(SourceModes, IncrementingPublishesEveryRowOnceInIdOrderWithThePrimaryKey) {
  sql("CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL);"
      "INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 20) g");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "items";
  start(cfg);
  auto first = published("items", 20);
  ASSERT_EQ(first.size(), 20u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(int_field(first[i], "id"), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(field(first[i], "name"), value(fmt::format("item {}", i + 1)));
    ASSERT_TRUE(first[i].key_schema);
    EXPECT_EQ(first[i].key, std::vector<value>{value(static_cast<std::int64_t>(i + 1))});
  }
  EXPECT_EQ(first[0].value_schema->name, "items");
  sql("INSERT INTO items (name) SELECT 'late ' || g FROM generate_series(1, 5) g");
  auto all = published("items", 25);
  EXPECT_EQ(ids_of(all).size(), 25u);
  EXPECT_EQ(all.size(), 25u) << "no row may be published twice";
}

TEST_F(SourceModes, IncrementingFindsTheIdentityColumnAndResumesFromTheOffsetsFile) {
  sql("CREATE TABLE t (n integer GENERATED ALWAYS AS IDENTITY, v text);"
      "INSERT INTO t (v) SELECT 'a' FROM generate_series(1, 10)");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "t";
  start(cfg);
  EXPECT_EQ(published("t", 10).size(), 10u);
  stop_all();
  const auto stored = query("SELECT 1");  // (keeps the database busy-free while stopped)
  (void)stored;
  sql("INSERT INTO t (v) SELECT 'b' FROM generate_series(1, 4)");
  start(cfg);
  auto all = published("t", 14);
  EXPECT_EQ(all.size(), 14u) << "a restart resumes after the stored offset";
  EXPECT_EQ(ids_of(all, "n"), (std::multiset<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  EXPECT_FALSE(all.back().key_schema) << "no primary key, no key";
}

TEST_F(SourceModes, IncrementingWaitsForATransactionThatCommitsAnEarlierIdLate) {
  sql("CREATE TABLE late (id bigserial PRIMARY KEY, who text)");
  auto slow = connect();
  slow->exec("BEGIN");
  slow->exec("INSERT INTO late (who) VALUES ('slow')");  // id 1, not committed yet
  sql("INSERT INTO late (who) VALUES ('fast')");          // id 2, committed
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "late";
  start(cfg);
  std::this_thread::sleep_for(1s);
  auto early = reader("late");
  early->wait_for(1, 500ms);
  EXPECT_EQ(early->messages().size(), 0u) << "id 2 must wait until id 1 can no longer appear";
  slow->exec("COMMIT");
  auto all = published("late", 2);
  EXPECT_EQ(ids_of(all), (std::multiset<std::int64_t>{1, 2}));
}

TEST_F(SourceModes, IncrementingWaitsForSessionsItCannotSee) {
  // The source's user lacks pg_read_all_stats: other users' sessions hide their state, so it
  // must treat them as possibly writing (pg_locks still shows that they are running).
  sql("CREATE TABLE hidden (id bigserial PRIMARY KEY, who text);"
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'src_reader') THEN "
      "  CREATE ROLE src_reader LOGIN; END IF; "
      "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_writer') THEN "
      "  CREATE ROLE app_writer LOGIN; END IF; END $$;"
      "GRANT SELECT ON hidden TO src_reader;"
      "GRANT INSERT ON hidden TO app_writer; GRANT USAGE ON SEQUENCE hidden_id_seq TO app_writer");
  auto slow = pg::connection::open(server().conninfo(db_) + " user=app_writer", "hidden writer");
  slow->exec("BEGIN");
  slow->exec("INSERT INTO hidden (who) VALUES ('slow')");
  sql("INSERT INTO hidden (who) VALUES ('fast')");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "hidden";
  cfg["connection.user"] = "src_reader";
  start(cfg);
  std::this_thread::sleep_for(1s);
  auto early = reader("hidden");
  early->wait_for(1, 500ms);
  EXPECT_EQ(early->messages().size(), 0u);
  slow->exec("COMMIT");
  EXPECT_EQ(ids_of(published("hidden", 2)), (std::multiset<std::int64_t>{1, 2}));
}

TEST_F(SourceModes, IncrementingIsNotHeldBackBySessionsThatOnlyRead) {
  // A reader in an open transaction, idle and then running a long statement: it holds no xid
  // and no RowExclusiveLock, so it cannot commit an id, and the source must not wait for it.
  sql("CREATE TABLE reads (id bigserial PRIMARY KEY, who text)");
  auto reading = connect();
  reading->exec("BEGIN");
  reading->exec("SELECT count(*) FROM reads");
  std::atomic<bool> slept{false};
  std::thread sleeper([&] {
    try {
      reading->exec("SELECT pg_sleep(20)");
    } catch (const std::exception&) {  // cancelled below
    }
    slept = true;
  });
  await_statement("SELECT pg_sleep(20)");
  sql("INSERT INTO reads (who) SELECT 'r' FROM generate_series(1, 3)");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "reads";
  start(cfg);
  EXPECT_EQ(ids_of(published("reads", 3, 8s)), (std::multiset<std::int64_t>{1, 2, 3}))
      << "rows must not wait for a session that only reads";
  EXPECT_FALSE(slept) << "the reader's statement ended before the rows were published: the test proves nothing";
  sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(20)%'");
  sleeper.join();
}

TEST_F(SourceModes, IncrementingWaitsForAnIdDrawnBeforeItsRowIsWritten) {
  // The slow INSERT draws id 2 (DEFAULT nextval, no xid: the sequence was WAL-logged by the first
  // insert) and then spends a while in a BEFORE trigger before its row, and its xid, exist. Id 3
  // commits meanwhile and must wait: the drawing session holds RowExclusiveLock on the sequence.
  sql("CREATE TABLE drawn (id bigserial PRIMARY KEY, who text);"
      "INSERT INTO drawn (who) VALUES ('first');"
      "CREATE FUNCTION drawn_slowly() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN IF NEW.who = 'slow' THEN PERFORM pg_sleep(3); END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER drawn_slowly BEFORE INSERT ON drawn FOR EACH ROW EXECUTE FUNCTION drawn_slowly()");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "drawn";
  start(cfg);
  ASSERT_EQ(published("drawn", 1).size(), 1u);
  auto slow = connect();
  std::jthread writer([&] { slow->exec("INSERT INTO drawn (who) VALUES ('slow')"); });
  await_statement("INSERT INTO drawn (who) VALUES");
  sql("INSERT INTO drawn (who) VALUES ('fast')");
  EXPECT_EQ(query("SELECT max(id) FROM drawn")[0][0].value_or(""), "3");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(published("drawn", 2, 300ms).size(), 1u) << "id 3 must wait while id 2 may still be written";
  writer.join();
  auto all = published("drawn", 3);
  EXPECT_EQ(ids_of(all), (std::multiset<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(all.size(), 3u);
}

TEST_F(SourceModes, TimestampPublishesInsertsAndUpdatesAfterTheirTransactionsEnd) {
  sql("CREATE TABLE docs (id int PRIMARY KEY, body text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp());"
      "INSERT INTO docs (id, body) VALUES (1, 'one'), (2, 'two')");
  auto cfg = base("timestamp");
  cfg["table.whitelist"] = "docs";
  cfg["timestamp.column.name"] = "updated_at";
  start(cfg);
  EXPECT_EQ(published("docs", 2).size(), 2u);

  auto slow = connect();
  slow->exec("BEGIN");
  slow->exec("UPDATE docs SET body = 'one v2', updated_at = now() WHERE id = 1");
  sql("UPDATE docs SET body = 'two v2', updated_at = clock_timestamp() WHERE id = 2");
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(published("docs", 2, 300ms).size(), 2u)
      << "a later timestamp waits while an older transaction may still commit";
  slow->exec("COMMIT");
  auto all = published("docs", 4);
  ASSERT_EQ(all.size(), 4u);
  std::set<std::string> bodies;
  for (const auto& r : all) bodies.insert(std::get<std::string>(field(r, "body")));
  EXPECT_EQ(bodies, (std::set<std::string>{"one", "two", "one v2", "two v2"}));
}

TEST_F(SourceModes, TimestampWaitsForATransactionThatReadsBeforeItWritesNow) {
  // Unlike ids, a timestamp written with now() is the transaction's start, however long it read
  // before writing: a transaction holding no xid yet still holds the timestamp bound back.
  sql("CREATE TABLE notes (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());"
      "INSERT INTO notes (id) VALUES (1)");
  auto cfg = base("timestamp");
  cfg["table.whitelist"] = "notes";
  cfg["timestamp.column.name"] = "at";
  start(cfg);
  ASSERT_EQ(published("notes", 1).size(), 1u);
  auto slow = connect();
  slow->exec("BEGIN");
  slow->exec("SELECT pg_sleep(0.3)");  // read only, so far
  sql("INSERT INTO notes (id) VALUES (2)");
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(published("notes", 2, 300ms).size(), 1u) << "row 2 waits: the open transaction may still write now()";
  slow->exec("INSERT INTO notes (id) VALUES (3)");  // at = its start, before row 2's
  slow->exec("COMMIT");
  auto all = published("notes", 3);
  EXPECT_EQ(ids_of(all), (std::multiset<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(all.size(), 3u);
}

TEST_F(SourceModes, TimestampIncrementingBreaksTiesOnTheIdAcrossChunks) {
  // 20 rows share one timestamp; chunks of 7 rows must still publish each exactly once.
  sql("CREATE TABLE ev (id bigserial PRIMARY KEY, at timestamp NOT NULL);"
      "INSERT INTO ev (at) SELECT timestamp '2024-01-01 10:00:00.000001' FROM generate_series(1, 20);"
      "INSERT INTO ev (at) SELECT timestamp '2024-01-01 10:00:00.000002' FROM generate_series(1, 3)");
  auto cfg = base("timestamp+incrementing");
  cfg["table.whitelist"] = "ev";
  cfg["timestamp.column.name"] = "at";
  cfg["incrementing.column.name"] = "id";
  start(cfg);
  auto first = published("ev", 23);
  EXPECT_EQ(first.size(), 23u);
  EXPECT_EQ(ids_of(first).size(), 23u);
  stop_all();
  sql("INSERT INTO ev (at) VALUES (timestamp '2024-01-01 10:00:00.000002')");
  start(cfg);
  auto all = published("ev", 24);
  EXPECT_EQ(all.size(), 24u) << "the restart resumes inside the run of equal timestamps";
  EXPECT_EQ(field(all.back(), "at"), value(timestamp_value{1704103200000002}));
}

TEST_F(SourceModes, TimestampModeCoalescesSeveralColumns) {
  sql("CREATE TABLE c (id int PRIMARY KEY, created timestamptz NOT NULL, modified timestamptz);"
      "INSERT INTO c VALUES (1, '2024-01-01 00:00:00+00', NULL),"
      "                     (2, '2024-01-01 00:00:00+00', '2024-01-02 00:00:00+00')");
  auto cfg = base("timestamp");
  cfg["table.whitelist"] = "c";
  cfg["timestamp.column.name"] = "modified,created";
  start(cfg);
  auto first = published("c", 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(int_field(first[0], "id"), 1) << "ordered by COALESCE(modified, created)";
  sql("UPDATE c SET modified = '2024-01-03 00:00:00+00' WHERE id = 1");
  auto all = published("c", 3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(int_field(all[2], "id"), 1);
}

TEST_F(SourceModes, TimestampInitialMinusOneSkipsExistingRows) {
  sql("CREATE TABLE old (id int PRIMARY KEY, at timestamptz NOT NULL);"
      "INSERT INTO old VALUES (1, now() - interval '1 hour')");
  auto cfg = base("timestamp");
  cfg["table.whitelist"] = "old";
  cfg["timestamp.column.name"] = "at";
  cfg["timestamp.initial"] = "-1";
  start(cfg);
  std::this_thread::sleep_for(500ms);
  sql("INSERT INTO old VALUES (2, clock_timestamp())");
  auto all = published("old", 1);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(int_field(all[0], "id"), 2);
}

TEST_F(SourceModes, BulkPublishesTheWholeTableEveryPoll) {
  sql("CREATE TABLE b (id int PRIMARY KEY, v text); INSERT INTO b VALUES (1, 'x'), (2, 'y')");
  auto cfg = base("bulk");
  cfg["table.whitelist"] = "b";
  cfg["poll.interval.ms"] = "300";
  start(cfg);
  auto rs = published("b", 6);
  ASSERT_GE(rs.size(), 6u);
  EXPECT_EQ(ids_of(rs).count(1), ids_of(rs).count(2));
}

TEST_F(SourceModes, CustomQueryIsWrappedSoTheModesWhereClauseApplies) {
  sql("CREATE TABLE o (id bigserial PRIMARY KEY, amount int, region text);"
      "INSERT INTO o (amount, region) SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END "
      "  FROM generate_series(1, 30) g");
  auto cfg = base("incrementing");
  // Ending in a line comment (then a semicolon), which must not swallow what sluice adds.
  cfg["query"] = "SELECT id, amount * 10 AS amount10 FROM o\nWHERE region = 'eu' -- the EU's orders only\n;";
  cfg["incrementing.column.name"] = "id";
  cfg["query.suffix"] = "LIMIT 4";  // after the generated ORDER BY: at most 4 rows per poll
  cfg["topic.prefix"] = prefix_ + "eu-orders";
  start(cfg);
  topic_reader r(broker().bootstrap_servers(), prefix_ + "eu-orders");
  r.wait_for(15, 20s);
  auto rs = decode(r.drain());
  ASSERT_EQ(rs.size(), 15u);
  for (const auto& rec : rs) {
    EXPECT_EQ(int_field(rec, "id") % 2, 0);
    EXPECT_EQ(int_field(rec, "amount10"), int_field(rec, "id") * 10);
  }
  EXPECT_TRUE(rs[0].value_schema->name.empty());
}

TEST_F(SourceModes, ValidateNonNullStopsTheTaskNamingTheColumn) {
  sql("CREATE TABLE n (id bigint, v text); INSERT INTO n VALUES (1, 'a')");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "n";
  cfg["incrementing.column.name"] = "id";
  auto& c = start(cfg);
  for (int i = 0; i < 100 && !c.failure(); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.failure());
  EXPECT_NE(c.failure()->why.find("\"id\" may be NULL"), std::string::npos) << render(*c.failure());
  EXPECT_NE(c.failure()->fix.find("validate.non.null"), std::string::npos);
}

}  // namespace
}  // namespace sluice::source::testing
