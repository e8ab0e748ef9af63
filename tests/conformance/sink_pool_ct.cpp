// The bounded pool on every backend: 2,000 batches into mixed-case tables by four tasks sharing
// a pool of two connections, while sessions are killed under them. The server's own count of our
// sessions (pg_stat_activity, information_schema.processlist) never exceeds the bound, and the
// pool opened no more connections than the bound plus one per killed session. (CP 7.2.0's JDBC
// sink leaked a connection per lookup of a case-sensitive table name.)
#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/pg_server.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

class SinkPool : public ::testing::TestWithParam<backend> {};

TEST_P(SinkPool, TwoThousandBatchesIntoMixedCaseTablesStayWithinTheBoundThroughFaults) {
  world w(GetParam());
  const std::vector<std::string> topics = {"OrderLines", "orderLines", "Order_Lines", "ORDERLINES2"};
  const int per_topic = 2500, batch = 4, bound = 2;
  auto key = make_schema({field("id", tk::int64, false)});
  auto val = make_schema({field("id", tk::int64, false), field("Qty", tk::int32), field("Note", tk::string)});
  for (const auto& t : topics) {
    w.create_topic(t, 2);
    std::vector<sluice::testing::test_record> recs;
    for (int i = 0; i < per_topic; ++i)
      recs.push_back(record(connect_json(*key, {num(i % 2000)}),
                            connect_json(*val, {num(i % 2000), num(i), str(fmt::format("n{}", i))}), i % 2));
    w.produce(t, recs);
  }
  // SQLite folds the ASCII case of table names: keep each topic in its own table there too.
  auto c = w.start({{"topics", fmt::format("{}", fmt::join(topics, ","))},
                    {"table.name.format", w.kind() == backend_kind::sqlite ? "${topic}_t" : "${topic}"},
                    {"auto.create", "true"}, {"insert.mode", "upsert"}, {"pk.mode", "record_key"},
                    {"tasks.max", "4"}, {"batch.size", std::to_string(batch)}, {"batch.linger.ms", "0"},
                    {"connection.pool.max.size", std::to_string(bound)}, {"max.retries", "20"},
                    {"retry.backoff.ms", "50"},
                    // A task that fails (e.g. a kill lands between the rows and the offsets of a
                    // batch another task already moved on) rejoins only after its old member
                    // expires: keep that short.
                    {"consumer.override.session.timeout.ms", "6000"},
                    {"consumer.override.heartbeat.interval.ms", "1000"}});

  // The server's count of our sessions, sampled while the sink runs.
  std::atomic<bool> done{false};
  std::atomic<int> most{0}, most_open{0};
  std::mutex killed_mu;
  std::vector<std::string> killed;  // sessions killed: not counted once killed, as they die async
  std::thread sampler([&] {
    while (!done) {
      if (auto n = w.server_connections()) {
        int alive = *n;
        if (w.kind() == backend_kind::mariadb) {
          std::lock_guard lock(killed_mu);
          for (const auto& id : killed)
            alive -= w.scalar("SELECT COUNT(*) FROM information_schema.processlist WHERE ID = " + id) == "1";
        }
        most = std::max(most.load(), alive);
      }
      most_open = std::max<int>(most_open.load(), static_cast<int>(world::pool_counters(*c).open));
      std::this_thread::sleep_for(20ms);
    }
  });

  // Faults: kill one of our sessions three times (PostgreSQL waits until the backend is gone);
  // SQLite has no sessions: another connection holds the write lock instead.
  std::uint64_t batches = 0;
  auto count_batches = [&] {
    std::uint64_t n = 0;
    for (const auto& m : c->metrics()) n += m->batches;
    return n;
  };
  int kills = 0;
  for (int fault = 0; fault < 3; ++fault) {
    while (count_batches() < 300u * static_cast<unsigned>(fault + 1) && !c->failure())
      std::this_thread::sleep_for(10ms);
    switch (w.kind()) {
      case backend_kind::sqlite: {
        auto s = odbc::connection::open({.connection_string = "Driver={SQLite3};Database=" +
                                                                 w.url().substr(std::string("jdbc:sqlite:").size()),
                                         .family = config::dialect::sqlite, .where = "locker"});
        s->begin();
        s->exec("CREATE TABLE IF NOT EXISTS locker (x INT)");
        std::this_thread::sleep_for(300ms);
        s->rollback();
        break;
      }
      case backend_kind::mariadb: {
        auto id = w.scalar("SELECT ID FROM information_schema.processlist WHERE DB = DATABASE() AND "
                           "ID <> CONNECTION_ID() LIMIT 1");
        if (id.starts_with("<")) break;
        {
          std::lock_guard lock(killed_mu);
          killed.push_back(id);
        }
        try {
          w.exec("KILL " + id);
          ++kills;
        } catch (const std::exception&) {
        }
        break;
      }
      default:
        kills += std::stoi(w.scalar("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM "
                                    "pg_stat_activity WHERE datname = current_database() AND pid <> "
                                    "pg_backend_pid() LIMIT 1) t"));
    }
  }
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const auto table = w.kind() == backend_kind::sqlite ? topics[i] + "_t" : topics[i];
    ASSERT_TRUE(w.eventually("SELECT COUNT(*) FROM " + w.q(table), "2000", c.get(), 120s)) << table;
  }
  ASSERT_TRUE(w.eventually("SELECT SUM(next_offset) FROM sluice_offsets", std::to_string(per_topic * topics.size()),
                           c.get(), 60s));
  done = true;
  sampler.join();
  batches = count_batches();
  const auto counters = world::pool_counters(*c);
  EXPECT_GE(batches, 2000u);
  EXPECT_LE(most_open.load(), bound);
  if (w.kind() != backend_kind::sqlite) {
    EXPECT_LE(most.load(), bound) << "the server saw more sessions than connection.pool.max.size";
    EXPECT_GE(kills, 1);
  }
  // Every connection beyond the first `bound` is explained by a session killed under the pool.
  EXPECT_LE(counters.created, static_cast<std::uint64_t>(bound + kills))
      << "created " << counters.created << ", destroyed " << counters.destroyed << ", kills " << kills;
  EXPECT_EQ(counters.open - counters.idle, counters.leased);
  EXPECT_EQ(counters.acquire_timeouts, 0u);
  EXPECT_EQ(w.scalar("SELECT " + w.q("Qty") + " FROM " +
                     w.q(w.kind() == backend_kind::sqlite ? "OrderLines_t" : "OrderLines") + " WHERE id = 499"),
            "2499");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkPool, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
