#include "benchkit/sink_run.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "benchkit/connector_values.hpp"
#include "benchkit/process_stats.hpp"
#include "benchkit/sampling.hpp"
#include "core/error.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/producer.hpp"
#include "sink/sink_connector.hpp"

namespace sluice::benchkit {
namespace {

using clock = std::chrono::steady_clock;

double since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

// Produces records and remembers, per partition, the offset after the last one acknowledged.
class feeder {
 public:
  feeder(const std::string& bootstrap, const std::string& topic, int partitions, bool create)
      : topic_(topic),
        p_({{"bootstrap.servers", bootstrap}, {"compression.type", "lz4"}, {"linger.ms", "5"},
            {"batch.size", "1000000"}, {"queue.buffering.max.kbytes", "131072"}},
           "bench producer", [this](const kafka::delivery_report& r) {
             if (r.err) {
               ++failed_;
               last_error_ = r.error_text;
             } else {
               auto& end = ends_[r.partition];
               end = std::max(end, r.offset + 1);
             }
           }) {
    if (!kafka::ensure_embedded_topic(kafka::resolve_bootstrap({{"bootstrap.servers", bootstrap}}), topic,
                                      partitions) &&
        create)
      p_.create_topic_if_missing(topic, partitions);
  }

  void send(const shape& s, const operation& op) {
    auto key = key_json(s, op.id);
    std::optional<std::string> value;
    if (!op.del) value = value_json(s, op.id, op.version);
    bytes_ += key.size() + (value ? value->size() : 0);
    std::optional<std::string_view> v;
    if (value) v = *value;
    for (;;) {
      auto err = p_.produce(topic_, -1, key, v, {}, 0);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        throw error({.what = "cannot produce the benchmark records", .where = "topic " + topic_,
                     .why = rd_kafka_err2str(err)});
      p_.poll(10);
    }
  }
  void poll() { p_.poll(0); }
  void flush() {
    p_.flush(std::chrono::seconds(300));
    if (failed_)
      throw error({.what = "benchmark records were not delivered", .where = "topic " + topic_,
                   .why = fmt::format("{} failed: {}", failed_, last_error_),
                   .fix = "check bootstrap.servers and the broker's logs"});
  }
  const std::map<std::int32_t, std::int64_t>& ends() const { return ends_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::string topic_;
  std::map<std::int32_t, std::int64_t> ends_;
  std::uint64_t failed_ = 0, bytes_ = 0;
  std::string last_error_;
  kafka::producer p_;
};

// Records of `topic` committed by the sink's tasks, counting each partition up to `ends`.
std::uint64_t committed(const sink::sink_connector& c, const std::string& topic,
                        const std::map<std::int32_t, std::int64_t>& ends) {
  std::map<std::int32_t, std::int64_t> best;
  for (const auto& m : c.metrics()) {
    std::lock_guard lock(m->mu);
    for (const auto& [k, off] : m->committed)
      if (k.first == topic) best[k.second] = std::max(best[k.second], off);
  }
  std::uint64_t sum = 0;
  for (const auto& [p, end] : ends) sum += static_cast<std::uint64_t>(std::min(best[p], end));
  return sum;
}

std::uint64_t total(const std::map<std::int32_t, std::int64_t>& ends) {
  std::uint64_t sum = 0;
  for (const auto& [p, end] : ends) sum += static_cast<std::uint64_t>(end);
  return sum;
}

// Waits until the tasks' assignments cover the topic's partitions, each partition once, spread
// over every task that can have one, unchanged for 1.5 s (at most 60 s, then it goes on).
void wait_assigned(const sink::sink_connector& c, const std::string& topic, int partitions, progress& bar) {
  const auto deadline = clock::now() + std::chrono::seconds(60);
  const int busy = std::min(c.task_count(), partitions);
  std::vector<std::size_t> last;
  auto stable_since = clock::now();
  while (clock::now() < deadline) {
    if (auto e = c.failure()) throw error(*e);
    std::vector<std::size_t> now;
    std::size_t total = 0;
    int holding = 0;
    for (const auto& m : c.metrics()) {
      std::lock_guard lock(m->mu);
      std::size_t n = 0;
      for (const auto& [k, lag] : m->lag) n += k.first == topic;
      now.push_back(n);
      total += n;
      holding += n > 0;
    }
    if (now != last) {
      last = now;
      stable_since = clock::now();
    }
    if (total == static_cast<std::size_t>(partitions) && holding == busy && since(stable_since) > 1.5) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bar.phase("the consumer group did not settle within 60 s; measuring anyway");
}

void wait_paused(const sink::sink_connector& c) {
  const auto deadline = clock::now() + std::chrono::seconds(30);
  for (;;) {
    if (auto e = c.failure()) throw error(*e);
    bool all = true;
    for (const auto& m : c.metrics()) all = all && m->paused;
    if (all || clock::now() > deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<std::uint64_t> latency_buckets(const sink::sink_connector& c) {
  std::vector<std::uint64_t> sum(histogram::bounds.size() + 1, 0);
  for (const auto& m : c.metrics()) {
    auto cum = m->latency_seconds.cumulative();
    for (std::size_t i = 0; i < cum.size(); ++i) sum[i] += cum[i];
  }
  return sum;
}

}  // namespace

run_figures run_sink(const sink_plan& plan, const std::map<std::string, std::string>& overrides,
                     const std::string& table, const std::string& topic, target& db, progress& bar) {
  auto values = plan.config;
  for (const auto& [k, v] : overrides) values[k] = v;
  values["name"] = topic;
  values["topics"] = topic;
  values["table.name.format"] = table;
  values.erase("topics.regex");
  auto cfg = validated(values);
  const auto bootstrap = bootstrap_of(values);

  run_figures f;
  f.settings = overrides;
  f.table = table;
  f.topic = topic;
  const std::uint64_t before = *db.rows(table);
  generator gen(plan.mix, db.max_key(table, plan.columns) + 1);

  feeder feed(bootstrap, topic, plan.partitions, plan.create_topics);

  std::string point;
  for (const auto& [k, v] : overrides) point += (point.empty() ? "" : " ") + k + "=" + v;
  bar.phase(fmt::format("running the sink into {} ({})", table, point.empty() ? "as configured" : point));
  sink::sink_connector c(cfg);
  const std::string app = application_name(cfg);
  session_sampler sessions(db.open_another(), app);
  const auto begin = clock::now();
  auto t0 = begin, last_change = begin;
  double cpu0 = cpu_seconds();
  // Join the group on the empty topic, pause once every task holds its partitions, produce the
  // backlog, resume: the group's joins and rebalances (seconds on the embedded broker) are
  // start-up, not throughput.
  c.start();
  wait_assigned(c, topic, plan.partitions, bar);
  c.pause();
  wait_paused(c);
  bar.phase(fmt::format("producing {} records to topic {} ({} partitions)", plan.rows, topic, plan.partitions));
  for (std::uint64_t i = 0; i < plan.rows; ++i) {
    feed.send(plan.columns, gen.next());
    if ((i & 0xfff) == 0) {
      feed.poll();
      bar.update("producing", i, plan.rows, 0);
    }
  }
  feed.flush();
  reset_peak_rss();
  auto records_in = [&] {
    std::uint64_t in = 0;
    for (const auto& m : c.metrics()) in += m->records_in;
    return in;
  };
  const auto in_at_resume = records_in();
  c.resume();
  bool started = false;
  std::uint64_t done = 0;
  auto next_sample = begin;
  auto wait_for = [&](std::uint64_t target, bool timeline) {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (auto e = c.failure()) throw error(*e);
      // The clock starts at the first record consumed after resume: librdkafka's fetcher may wait
      // up to a second before it fetches resumed partitions again, which is not throughput.
      if (!started && records_in() > in_at_resume) {
        started = true;
        t0 = next_sample = last_change = clock::now();
        cpu0 = cpu_seconds();
        f.timeline.push_back({0, 0});
      }
      auto now_done = committed(c, topic, feed.ends());
      if (now_done != done) last_change = clock::now();
      done = now_done;
      if (auto pool = c.pool()) f.connections = std::max(f.connections, static_cast<int>(pool->counters().open));
      if (auto pool = c.odbc_connections())
        f.connections = std::max(f.connections, static_cast<int>(pool->counters().open));
      if (started && timeline && clock::now() >= next_sample) {
        f.timeline.push_back({since(t0), done});
        next_sample += std::chrono::milliseconds(250);
        bar.update("sink", done, target, static_cast<double>(done) / std::max(since(t0), 1e-3));
      }
      if (done >= target) return;
      if (std::chrono::duration<double>(clock::now() - last_change).count() > plan.timeout_seconds)
        throw error({.what = "the sink made no progress", .where = "table " + table,
                     .why = fmt::format("{} of {} records committed, nothing more for {:.0f} s", done, target,
                                        plan.timeout_seconds),
                     .fix = "see the log above for the connector's errors"});
    }
  };
  wait_for(total(feed.ends()), true);
  f.seconds = std::chrono::duration<double>(last_change - t0).count();
  f.timeline.push_back({f.seconds, done});
  f.cpu_seconds = cpu_seconds() - cpu0;
  f.rows_per_s = f.seconds > 0 ? static_cast<double>(done) / f.seconds : 0;
  const double bytes_per_record = plan.rows ? static_cast<double>(feed.bytes()) / static_cast<double>(plan.rows) : 0;
  f.mb_per_s = f.rows_per_s * bytes_per_record / 1e6;
  f.cpu_percent = 100.0 * f.cpu_seconds / std::max(since(t0), 1e-3);
  f.records = done;

  if (plan.latency_seconds > 0) {
    // Half the measured rate (a pipeline with headroom), and never more records than the
    // throughput phase had, so a short run stays short.
    const double rate = std::clamp(std::min(f.rows_per_s / 2, static_cast<double>(plan.rows) / plan.latency_seconds),
                                   10.0, plan.latency_max_rate);
    f.latency_rate = rate;
    const auto n = static_cast<std::uint64_t>(rate * plan.latency_seconds);
    bar.phase(fmt::format("steady phase: {} records at {:.0f}/s for produce -> commit latency", n, rate));
    auto before_buckets = latency_buckets(c);
    const auto start = clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      auto due = start + std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(i) * 1e6 / rate));
      if (due > clock::now()) {
        feed.poll();
        std::this_thread::sleep_until(due);
      }
      feed.send(plan.columns, gen.next());
    }
    feed.flush();
    last_change = clock::now();
    wait_for(total(feed.ends()), false);
    f.latency = summarize(before_buckets, latency_buckets(c));
  }
  c.stop();
  f.peak_rss_mib = peak_rss_mib();
  f.server_sessions = sessions.stop();
  double db_s = 0;
  for (const auto& m : c.metrics()) {
    f.batches += m->batches;
    db_s += m->batch_seconds.sum();
  }
  f.db_seconds_per_batch = f.batches ? db_s / static_cast<double>(f.batches) : 0;
  f.rows_expected = before + gen.live_rows();
  f.rows_in_table = *db.rows(table);
  bar.end_bar();
  return f;
}

}  // namespace sluice::benchkit
