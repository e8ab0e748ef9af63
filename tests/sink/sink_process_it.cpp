// The `sluice run` process: killed with SIGKILL mid-stream and restarted, it loses and
// duplicates nothing; stopped with SIGTERM, it flushes what it holds, commits and exits 0.
// The broker belongs to the test process, so it outlives the sluice process.
#include <signal.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sink/child_process.hpp"
#include "tests/sink/sink_env.hpp"
#include "tests/sink/stream.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::testing {
namespace {

// A connector of a `sluice run` file, as a JSON object.
std::string connector_json(const sink_env& env, const std::string& name,
                           const config_values& extra) {
  config_values v = env.values(extra, name);
  std::string out = "{";
  for (const auto& [k, val] : v) {
    if (out.size() > 1) out += ",";
    out += fmt::format("\n  \"{}\": \"{}\"", k, val);  // the values hold no quotes or backslashes
  }
  return out + "\n}";
}

std::filesystem::path write_config(const temp_dir& dir, const std::vector<std::string>& connectors) {
  auto path = dir / "sinks.json";
  std::ofstream f(path);
  f << "[" << fmt::format("{}", fmt::join(connectors, ",\n")) << "]\n";
  return path;
}

const config_values stream_sink = {
    {"topics", "stream"},
    {"auto.create", "true"},
    {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
    {"kafka.reconnect.backoff.max.ms", "500"}};

int count(const sink_env& env, const std::string& table) {
  auto s = env.scalar("SELECT count(*) FROM " + table);
  return s.empty() || s[0] == '<' ? -1 : std::stoi(s);
}

TEST(SinkProcess, KillDashNineMidStreamThenRestartLosesAndDuplicatesNothing) {
  sink_env env;
  temp_dir dir("sluice-crash");
  env.create_topic("stream", 8);
  // Two connectors in one process: plain inserts without a key (a duplicate would be an extra
  // row), and the Kafka coordinates as the primary key (every row names its record).
  auto plain = stream_sink;
  plain["table.name.format"] = "stream";
  auto coords = stream_sink;
  coords["table.name.format"] = "stream_coords";
  coords["pk.mode"] = "kafka";
  auto file = write_config(dir, {connector_json(env, "crash", plain),
                                 connector_json(env, "crash-coords", coords)});
  auto log = dir / "sluice.log";

  const int n = 60000;
  std::optional<record_stream> stream;
  {
    child_process first(SLUICE_BIN, {"run", file.string()}, log);
    // Both connectors own their partitions (an offsets row each) before the stream starts.
    ASSERT_TRUE(env.eventually("SELECT count(*) FROM sluice_offsets", "16", nullptr, 30s))
        << first.log_tail();
    stream.emplace(env.bootstrap(), "stream", n, 1000, 50ms);  // ~3 s
    ASSERT_TRUE(sink_env::wait_until([&] { return count(env, "stream") > 10000; }, 30s))
        << first.log_tail();
    first.signal(SIGKILL);
    EXPECT_EQ(first.wait(10s), 128 + SIGKILL);
    EXPECT_LT(stream->queued(), n) << "killed after the stream ended: not mid-stream";
    EXPECT_LT(count(env, "stream"), n);
  }
  child_process second(SLUICE_BIN, {"run", file.string()}, log);
  ASSERT_TRUE(stream->wait()) << stream->error();
  EXPECT_TRUE(holds_exactly_once(env, "stream", n, nullptr, 60s, "crash")) << second.log_tail();
  EXPECT_TRUE(holds_exactly_once(env, "stream_coords", n, nullptr, 60s, "crash-coords"))
      << second.log_tail();

  // Row for row: the record at each (partition, offset) the broker acknowledged is in
  // stream_coords under those coordinates.
  auto rows = env.query("SELECT __connect_partition, __connect_offset, seq FROM stream_coords");
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(n));
  std::size_t mismatched = 0;
  std::string first_mismatch;
  for (const auto& r : rows) {
    auto seq = std::stoll(*r[2]);
    const auto& [p, off] = stream->positions()[static_cast<std::size_t>(seq)];
    if (std::stoi(*r[0]) != p || std::stoll(*r[1]) != off) {
      if (mismatched++ == 0)
        first_mismatch = fmt::format("seq {} at {}@{}, produced to {}@{}", seq, *r[0], *r[1], p, off);
    }
  }
  EXPECT_EQ(mismatched, 0u) << first_mismatch;
  EXPECT_EQ(env.scalar("SELECT count(*) FROM stream WHERE note IS DISTINCT FROM 'record number ' "
                       "|| seq"),
            "0");
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(30s), 0) << second.log_tail();
}

TEST(SinkProcess, SigtermFlushesThePendingBatchCommitsAndExitsZero) {
  sink_env env;
  temp_dir dir("sluice-stop");
  env.create_topic("stream", 4);
  // A batch that would wait a minute: only the graceful stop can write it.
  auto cfg = stream_sink;
  cfg["batch.linger.ms"] = "60000";
  cfg["batch.size"] = "100000";
  auto file = write_config(dir, {connector_json(env, "stopper", cfg)});
  child_process sluice(SLUICE_BIN, {"run", file.string()}, dir / "sluice.log");
  ASSERT_TRUE(env.eventually("SELECT count(*) FROM sluice_offsets", "4", nullptr, 30s))
      << sluice.log_tail();
  const int n = 5000;
  record_stream stream(env.bootstrap(), "stream", n, 5000, 1ms);
  ASSERT_TRUE(stream.wait()) << stream.error();
  std::this_thread::sleep_for(1s);  // let the sink consume what the broker holds
  ASSERT_EQ(count(env, "stream"), -1) << "the batch was written before the stop: nothing is tested";
  sluice.signal(SIGTERM);
  EXPECT_EQ(sluice.wait(30s), 0) << sluice.log_tail();
  EXPECT_TRUE(holds_exactly_once(env, "stream", n, nullptr, 5s, "stopper"));
}

}  // namespace
}  // namespace sluice::testing
