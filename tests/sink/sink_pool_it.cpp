// The connection bound: thousands of small batches from several tasks into mixed-case tables
// never hold more server connections than connection.pool.max.size, and reuse the ones they have.
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dialects/postgres/connection.hpp"
#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

// Samples the sink's server connections (pg_stat_activity, application_name 'sluice') on its own
// connection to another database, as fast as the server answers.
class connection_sampler {
 public:
  connection_sampler(const sink_env& env)
      : conn_(pg::connection::open(env.pg().conninfo("postgres") + " application_name=sampler",
                                   "connection sampler")),
        sql_(fmt::format("SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND "
                         "application_name = 'sluice'",
                         env.db())),
        thread_([this](std::stop_token st) { run(st); }) {}
  ~connection_sampler() { stop(); }
  void stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  int max() const { return max_; }
  int samples() const { return samples_; }

 private:
  void run(std::stop_token st) {
    while (!st.stop_requested()) {
      auto r = conn_->exec(sql_);
      int n = std::stoi(std::string(r.text(0, 0)));
      if (n > max_) max_ = n;
      ++samples_;
    }
  }

  std::unique_ptr<pg::connection> conn_;
  std::string sql_;
  std::atomic<int> max_{0}, samples_{0};
  std::jthread thread_;
};

TEST(SinkPool, TwoThousandBatchesIntoMixedCaseTablesNeverExceedThePoolBound) {
  sink_env env;
  const int topics = 8, per_topic = 300, n = topics * per_topic;
  std::vector<std::string> names;
  auto schema = make_schema({field("Id", type_kind::int64, false), field("Label", type_kind::string)});
  for (int t = 0; t < topics; ++t) {
    names.push_back(fmt::format("Orders{}", t));
    env.create_topic(names.back());
    std::vector<test_record> recs;
    for (int i = 0; i < per_topic; ++i)
      recs.push_back(record(std::nullopt, connect_json(*schema, {num(i), str(fmt::format("row {}", i))})));
    env.produce(names.back(), recs);
  }
  connection_sampler sampler(env);
  // Four tasks share two connections; one record per batch, so every record is a transaction.
  auto c = env.start({{"topics", fmt::format("{}", fmt::join(names, ","))},
                      {"table.name.format", "MixedCase${topic}"},
                      {"auto.create", "true"},
                      {"tasks.max", "4"},
                      {"batch.size", "1"},
                      {"batch.linger.ms", "0"},
                      {"connection.pool.max.size", "2"}});
  EXPECT_TRUE(env.eventually("SELECT sum(next_offset) FROM sluice_offsets", std::to_string(n),
                             c.get(), 120s));
  sampler.stop();

  std::uint64_t batches = 0;
  for (const auto& m : c->metrics()) batches += m->batches;
  EXPECT_GE(batches, 2000u);
  EXPECT_LE(sampler.max(), 2) << "server connections above connection.pool.max.size";
  EXPECT_GE(sampler.max(), 1) << "the sampler never saw the sink's connections";
  EXPECT_GT(sampler.samples(), 100);
  auto counters = c->pool()->counters();
  EXPECT_LE(counters.open, 2u);
  EXPECT_LE(counters.created, 2u) << "connections were replaced: a mixed-case name missed the cache "
                                     "or a lease leaked (destroyed: " << counters.destroyed << ")";
  for (const auto& name : names)
    EXPECT_EQ(env.scalar(fmt::format("SELECT count(DISTINCT \"Id\") FROM \"MixedCase{}\"", name)),
              std::to_string(per_topic))
        << name;
  EXPECT_EQ(env.scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'mixedcase%'"), "0");
}

}  // namespace
}  // namespace sluice::testing
