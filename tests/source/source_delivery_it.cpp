// Delivery guarantees: a graceful stop writes the offset of what was acknowledged; kill -9 at any
// moment loses no row (duplicates allowed, counted); offsets in a Kafka topic, with and without
// transactions; exactly-once mode produces no duplicate across a restart.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <random>

#include <boost/json.hpp>

#include "source/offsets.hpp"
#include "tests/source/source_test_util.hpp"

extern char** environ;

namespace sluice::source::testing {
namespace {

class SourceDelivery : public source_test {};

// The connector in a child process (source_child), so it can be killed with SIGKILL.
class child_source {
 public:
  child_source(const std::map<std::string, std::string>& cfg, const std::filesystem::path& dir, int n) {
    boost::json::object o;
    for (const auto& [k, v] : cfg) o[k] = v;
    const auto path = dir / fmt::format("child-{}.json", n);
    std::ofstream(path) << boost::json::serialize(o);
    log_ = (dir / fmt::format("child-{}.log", n)).string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::string exe = SLUICE_SOURCE_CHILD, arg = path.string();
    char* argv[] = {exe.data(), arg.data(), nullptr};
    if (posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv, environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~child_source() {
    if (pid_ > 0) kill_hard();
  }
  bool started() const { return pid_ > 0; }
  void kill_hard() { end(SIGKILL); }
  int stop() { return end(SIGTERM); }
  std::string log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  int end(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  pid_t pid_ = -1;
  std::string log_;
};

TEST_F(SourceDelivery, KillNineAtAnyMomentLosesNoRow) {
  // A backlog, so the first kills land in the middle of a load, and a writer that never stops.
  sql("CREATE TABLE k (id bigserial PRIMARY KEY, v text NOT NULL);"
      "INSERT INTO k (v) SELECT 'backlog' FROM generate_series(1, 10000)");
  std::atomic<bool> writing{true};
  std::atomic<std::int64_t> committed{10000};
  std::thread writer([&] {
    auto c = connect();
    std::mt19937 rng(7);
    while (writing) {
      const int n = 1 + static_cast<int>(rng() % 5);
      c->exec(fmt::format("INSERT INTO k (v) SELECT 'w' FROM generate_series(1, {})", n));
      committed += n;
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 8));
    }
  });
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "k";
  cfg["poll.interval.ms"] = "50";
  cfg["batch.max.rows"] = "50";
  // Small records: the embedded broker keeps only ~5 MiB per partition.
  cfg["value.converter.schemas.enable"] = "false";
  cfg["key.converter.schemas.enable"] = "false";
  // The child reaches this process's embedded broker as a plain Kafka client, and that broker
  // does not serve CreateTopics: the topic exists beforehand, as operators often create them.
  broker().ensure_topic(prefix_ + "k", 1);
  std::mt19937 rng(11);
  topic_reader during(broker().bootstrap_servers(), prefix_ + "k");
  {
    // 100 ms round trips keep records unacknowledged for a while, so kills also land between a
    // record's delivery and its offset write (those rows come again: duplicates, counted).
    rd_kafka_mock_broker_set_rtt(broker().raw_cluster(), 1, 100);
    struct rtt_reset {
      ~rtt_reset() { rd_kafka_mock_broker_set_rtt(broker().raw_cluster(), 1, 0); }
    } reset_rtt;
    for (int round = 0; round < 3; ++round) {
      child_source child(cfg, dir_.path(), round);
      ASSERT_TRUE(child.started());
      std::this_thread::sleep_for(std::chrono::milliseconds(900 + rng() % 900));
      child.kill_hard();
      file_offset_store stored((dir_ / "offsets.json").string(), prefix_ + "src");
      const auto o = stored.load({"public.k"});
      std::printf("kill %d: %zu records in the topic, stored offset %lld\n", round,
                  during.drain().size(), o ? static_cast<long long>(*o->incrementing) : -1LL);
    }
  }
  writing = false;
  writer.join();
  child_source last(cfg, dir_.path(), 99);
  const auto total = static_cast<std::size_t>(committed.load());
  topic_reader r(broker().bootstrap_servers(), prefix_ + "k");
  auto distinct = [&] {
    std::set<std::int64_t> ids;
    for (const auto& rec : decode(r.messages(), false)) ids.insert(int_field(rec, "id"));
    return ids.size();
  };
  for (int i = 0; i < 300 && distinct() < total; ++i) r.wait_for(r.messages().size() + 1, 100ms);
  const int stopped = last.stop();
  EXPECT_EQ(stopped, 0) << last.log();
  const auto rs = decode(r.drain(), false);
  std::set<std::int64_t> ids;
  for (const auto& rec : rs) ids.insert(int_field(rec, "id"));
  ASSERT_EQ(ids.size(), total) << "every committed row is in the topic\n" << last.log();
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), static_cast<std::int64_t>(total));
  const std::size_t duplicates = rs.size() - ids.size();
  RecordProperty("duplicates", static_cast<int>(duplicates));
  std::printf("kill -9 x3: %zu rows, %zu duplicates (at-least-once)\n", total, duplicates);
}

TEST_F(SourceDelivery, GracefulStopDuringALoadWritesTheAcknowledgedOffset) {
  sql("CREATE TABLE big (id bigserial PRIMARY KEY, v text);"
      "INSERT INTO big (v) SELECT repeat('x', 50) FROM generate_series(1, 20000)");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "big";
  cfg["batch.max.rows"] = "20";
  // Small records: the embedded broker keeps only ~5 MiB per partition.
  cfg["value.converter.schemas.enable"] = "false";
  cfg["key.converter.schemas.enable"] = "false";
  auto& c = start(cfg);
  topic_reader r(broker().bootstrap_servers(), prefix_ + "big");
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (c.metrics()[0]->records_produced < 1000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  c.stop();  // mid-load: ends at a commit point, waits for acks, writes the offset
  const std::size_t before = r.drain().size();
  stop_all();
  std::printf("graceful stop after %zu of 20000 rows\n", before);
  EXPECT_LT(before, 20000u) << "the stop came after the load; the test proves less than it says";
  file_offset_store stored((dir_ / "offsets.json").string(), prefix_ + "src");
  auto o = stored.load({"public.big"});
  ASSERT_TRUE(o);
  EXPECT_EQ(static_cast<std::size_t>(*o->incrementing), before)
      << "the stored offset is the last acknowledged row";
  start(cfg);
  r.wait_for(20000, 60s);
  const auto rs = decode(r.drain(), false);
  EXPECT_EQ(rs.size(), 20000u) << "no duplicates after a graceful stop";
  EXPECT_EQ(ids_of(rs).size(), 20000u);
}

TEST_F(SourceDelivery, ExactlyOnceRestartProducesNoDuplicate) {
  sql("CREATE TABLE e (id bigserial PRIMARY KEY, v text);"
      "INSERT INTO e (v) SELECT 'a' FROM generate_series(1, 30)");
  auto cfg = base("incrementing");
  cfg["table.whitelist"] = "e";
  cfg["offset.storage.topic"] = prefix_ + "offsets";
  cfg["exactly.once.support"] = "required";
  start(cfg);
  topic_reader r(broker().bootstrap_servers(), prefix_ + "e");
  r.wait_for(30, 20s);
  stop_all();
  sql("INSERT INTO e (v) SELECT 'b' FROM generate_series(1, 10)");
  start(cfg);
  r.wait_for(40, 20s);
  std::this_thread::sleep_for(500ms);
  const auto rs = decode(r.drain());
  EXPECT_EQ(rs.size(), 40u);
  EXPECT_EQ(ids_of(rs).size(), 40u);

  // The offsets topic holds Kafka Connect's key and value forms.
  topic_reader offs(broker().bootstrap_servers(), prefix_ + "offsets");
  offs.wait_for(1, 5s);
  const auto& om = offs.drain();
  ASSERT_FALSE(om.empty());
  EXPECT_EQ(*om.back().key, offset_key(prefix_ + "src", {"public.e"}));
  EXPECT_EQ(source_offset::parse(*om.back().value)->incrementing, 40);
}

TEST_F(SourceDelivery, OffsetsTopicWithoutTransactionsResumesAfterRestart) {
  sql("CREATE TABLE ot (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());"
      "INSERT INTO ot DEFAULT VALUES; INSERT INTO ot DEFAULT VALUES");
  auto cfg = base("timestamp+incrementing");
  cfg["table.whitelist"] = "ot";
  cfg["timestamp.column.name"] = "at";
  cfg["offset.storage.topic"] = prefix_ + "offsets";
  cfg["exactly.once.support"] = "disabled";
  start(cfg);
  topic_reader r(broker().bootstrap_servers(), prefix_ + "ot");
  r.wait_for(2, 20s);
  stop_all();
  sql("INSERT INTO ot DEFAULT VALUES");
  auto& c = start(cfg);
  r.wait_for(3, 20s);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(r.drain().size(), 3u);
  // Metrics say what happened (once the poll that published the row has written its offset).
  for (int i = 0; i < 100 && c.metrics()[0]->offsets_written == 0; ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(100ms);
  std::uint64_t polls = 0, acked = 0, rows = 0;
  for (const auto& m : c.metrics()) {
    polls += m->polls;
    acked += m->records_acked;
    rows += m->rows_polled;
    EXPECT_GT(m->poll_seconds.count(), 0u);
  }
  EXPECT_GT(polls, 0u);
  EXPECT_EQ(acked, 1u);
  EXPECT_EQ(rows, 1u);
}

}  // namespace
}  // namespace sluice::source::testing
