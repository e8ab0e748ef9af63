// The no-row-lost guarantee under load: several writers with random commit delays, long
// transactions and rollbacks insert (incrementing) or insert and update (timestamp) for ~10 s
// while the source polls every 50 ms. Every committed row, and the committed final version of
// every updated row, must be in the topic; nothing rolled back may be; counted exactly.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <tuple>

#include "dialects/postgres/text_values.hpp"
#include "tests/source/source_test_util.hpp"

namespace sluice::source::testing {
namespace {

constexpr auto write_for = std::chrono::seconds(10);
constexpr int writers = 6;

class SourceLoss : public source_test {
 protected:
  std::map<std::string, std::string> fast(const std::string& mode, const std::string& table) const {
    auto cfg = base(mode);
    cfg["table.whitelist"] = table;
    cfg["poll.interval.ms"] = "50";
    cfg["batch.max.rows"] = "20";
    // Small records: the embedded broker keeps only ~5 MiB per partition.
    cfg["value.converter.schemas.enable"] = "false";
    cfg["key.converter.schemas.enable"] = "false";
    return cfg;
  }

  // Runs `body(conn, rng)` in `writers` threads until the deadline; fails the test on an error.
  template <class F>
  void run_writers(F body) {
    std::vector<std::thread> ts;
    std::atomic<int> failures{0};
    const auto deadline = std::chrono::steady_clock::now() + write_for;
    for (int w = 0; w < writers; ++w)
      ts.emplace_back([&, w] {
        try {
          auto c = connect();
          std::mt19937 rng(1000 + static_cast<unsigned>(w));
          while (std::chrono::steady_clock::now() < deadline) body(*c, rng, w);
        } catch (const std::exception& e) {
          ++failures;
          std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        }
      });
    for (auto& t : ts) t.join();
    ASSERT_EQ(failures.load(), 0);
  }

  static void pause(std::mt19937& rng, unsigned max_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (max_ms + 1)));
  }
  // 1 in 8 transactions stays open 0.3-1.5 s before it ends.
  static void maybe_long(std::mt19937& rng) {
    if (rng() % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
  }
};

TEST_F(SourceLoss, IncrementingPublishesEveryCommittedRowExactlyOnce) {
  sql("CREATE TABLE li (id bigserial PRIMARY KEY, writer int NOT NULL)");
  start(fast("incrementing", "li"));
  std::mutex mu;
  std::set<std::int64_t> committed, rolled_back;
  run_writers([&](pg::connection& c, std::mt19937& rng, int w) {
    c.exec("BEGIN");
    std::vector<std::int64_t> mine;
    const int n = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      auto r = c.exec(fmt::format("INSERT INTO li (writer) VALUES ({}) RETURNING id", w));
      mine.push_back(*pg::parse_int64(r.text(0, 0)));
      pause(rng, 15);
    }
    maybe_long(rng);
    const bool rollback = rng() % 10 == 0;
    c.exec(rollback ? "ROLLBACK" : "COMMIT");
    std::lock_guard lock(mu);
    (rollback ? rolled_back : committed).insert(mine.begin(), mine.end());
  });
  ASSERT_FALSE(committed.empty());

  topic_reader r(broker().bootstrap_servers(), prefix_ + "li");
  r.wait_for(committed.size(), 30s);
  std::this_thread::sleep_for(500ms);
  const auto rs = decode(r.drain(), false);
  std::multiset<std::int64_t> published;
  for (const auto& rec : rs) published.insert(int_field(rec, "id"));
  std::vector<std::int64_t> missing, unexpected;
  for (auto id : committed)
    if (!published.contains(id)) missing.push_back(id);
  for (auto id : published)
    if (!committed.contains(id)) unexpected.push_back(id);
  EXPECT_TRUE(missing.empty()) << missing.size() << " committed rows missing, first id " << missing.front();
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " rows not committed were published";
  EXPECT_EQ(published.size(), committed.size()) << "each row exactly once";
  std::printf("incrementing loss test: %zu committed, %zu rolled back, %zu published\n",
              committed.size(), rolled_back.size(), published.size());
}

TEST_F(SourceLoss, TimestampPublishesEveryCommittedRowAndFinalVersion) {
  sql("CREATE TABLE lt (id bigserial PRIMARY KEY, version int NOT NULL, token bigint NOT NULL,"
      "                 updated_at timestamptz NOT NULL)");
  auto cfg = fast("timestamp", "lt");
  cfg["timestamp.column.name"] = "updated_at";
  start(cfg);
  std::mutex mu;
  using version = std::tuple<std::int64_t, std::int64_t, std::int64_t>;  // id, version, token
  std::set<version> committed;
  std::map<std::int64_t, version> final_version;
  std::vector<std::int64_t> ids;  // committed rows, for updates
  std::atomic<std::int64_t> next_token{1};
  run_writers([&](pg::connection& c, std::mt19937& rng, int) {
    const std::int64_t token = next_token++;
    // Half the writes stamp the transaction's start (now()), half the clock at the write.
    const char* stamp = rng() % 2 ? "now()" : "clock_timestamp()";
    std::vector<version> mine;
    c.exec("BEGIN");
    const int inserts = static_cast<int>(rng() % 3);
    for (int i = 0; i < inserts; ++i) {
      auto r = c.exec(fmt::format(
          "INSERT INTO lt (version, token, updated_at) VALUES (1, {}, {}) RETURNING id", token, stamp));
      mine.emplace_back(*pg::parse_int64(r.text(0, 0)), 1, token);
      pause(rng, 15);
    }
    std::int64_t target = -1;
    {
      std::lock_guard lock(mu);
      if (!ids.empty() && rng() % 3 != 0) target = ids[rng() % ids.size()];
    }
    if (target > 0) {
      auto r = c.exec(fmt::format("UPDATE lt SET version = version + 1, token = {}, updated_at = {} "
                                  "WHERE id = {} RETURNING version",
                                  token, stamp, target));
      mine.emplace_back(target, *pg::parse_int64(r.text(0, 0)), token);
      pause(rng, 15);
    }
    maybe_long(rng);
    const bool rollback = rng() % 10 == 0;
    c.exec(rollback ? "ROLLBACK" : "COMMIT");
    if (rollback) return;
    std::lock_guard lock(mu);
    for (const auto& v : mine) {
      committed.insert(v);
      auto& f = final_version[std::get<0>(v)];
      if (std::get<1>(v) > std::get<1>(f)) f = v;
      if (std::get<1>(v) == 1) ids.push_back(std::get<0>(v));
    }
  });
  ASSERT_FALSE(final_version.empty());

  topic_reader r(broker().bootstrap_servers(), prefix_ + "lt");
  auto seen = [&] {
    std::set<version> out;
    for (const auto& rec : decode(r.messages(), false))
      out.emplace(int_field(rec, "id"), int_field(rec, "version"), int_field(rec, "token"));
    return out;
  };
  auto all_final = [&] {
    const auto s = seen();
    for (const auto& [id, v] : final_version)
      if (!s.contains(v)) return false;
    return true;
  };
  for (int i = 0; i < 300 && !all_final(); ++i) r.wait_for(r.messages().size() + 1, 100ms);
  std::this_thread::sleep_for(500ms);
  r.drain();
  const auto published = seen();
  std::size_t missing_final = 0, not_committed = 0;
  for (const auto& [id, v] : final_version)
    if (!published.contains(v)) ++missing_final;
  for (const auto& v : published)
    if (!committed.contains(v)) ++not_committed;
  EXPECT_EQ(missing_final, 0u) << "the committed state of every row is in the topic";
  EXPECT_EQ(not_committed, 0u) << "nothing rolled back is published";
  EXPECT_EQ(r.messages().size(), published.size()) << "each version at most once";
  std::size_t updates = 0;
  for (const auto& v : committed)
    if (std::get<1>(v) > 1) ++updates;
  std::printf("timestamp loss test: %zu rows, %zu committed versions (%zu updates), %zu published "
              "distinct versions, %zu messages (intermediate versions overwritten before a poll "
              "cannot be seen by any poller)\n",
              final_version.size(), committed.size(), updates, published.size(), r.messages().size());
}

}  // namespace
}  // namespace sluice::source::testing
