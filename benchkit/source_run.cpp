#include "benchkit/source_run.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "benchkit/connector_values.hpp"
#include "benchkit/process_stats.hpp"
#include "benchkit/sampling.hpp"
#include "core/error.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_broker.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "source/source_connector.hpp"

namespace sluice::benchkit {
namespace {

using clock = std::chrono::steady_clock;

double since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

std::string sanitized(std::string name) {  // as source_connector's topic_for does
  for (char& ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) && c < 0x80) && c != '.' && c != '_' && c != '-') ch = '_';
  }
  return name;
}

// The key column's value of a source record: from the key (struct or primitive, with or without
// the schema envelope), else from the value.
std::optional<std::int64_t> record_id(const kafka::message& m, const std::string& key_column) {
  for (auto part : {m.key(), m.value()}) {
    if (!part) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(*part, ec);
    if (ec) continue;
    const boost::json::value* p = &v;
    if (p->is_object() && p->as_object().contains("payload")) p = &p->as_object().at("payload");
    if (p->is_object()) {
      auto* f = p->as_object().if_contains(key_column);
      p = f;
    }
    if (p && p->is_int64()) return p->as_int64();
    if (p && p->is_uint64()) return static_cast<std::int64_t>(p->as_uint64());
  }
  return std::nullopt;
}

// Writes rows at a steady rate in small transactions (target::open_appender) and notes when
// each one committed.
class steady_writer {
 public:
  steady_writer(std::unique_ptr<row_appender> out, std::int64_t first, double rate, double seconds)
      : first_(first), committed_at_(static_cast<std::size_t>(rate * seconds) + 1) {
    for (auto& t : committed_at_) t = 0;
    thread_ = std::jthread([this, out = std::move(out), rate](std::stop_token stop) {
      try {
        const auto start = clock::now();
        const double per_tick = std::max(1.0, rate / 20);  // a transaction every 50 ms
        std::size_t n = 0;
        while (n < committed_at_.size() - 1 && !stop.stop_requested()) {
          auto due = start + std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(n) * 1e6 / rate));
          std::this_thread::sleep_until(due);
          const auto k = std::min(static_cast<std::size_t>(per_tick), committed_at_.size() - 1 - n);
          out->append(first_ + static_cast<std::int64_t>(n), k);
          auto t = clock::now().time_since_epoch().count();
          for (std::size_t i = 0; i < k; ++i) committed_at_[n + i] = t;
          n += k;
          written_ = n;
        }
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      done_ = true;
    });
  }

  bool done() const { return done_; }
  std::size_t written() const { return written_; }
  const std::string& failure() const { return error_; }
  // Commit time (steady clock ticks) of row `id`, 0 when not committed yet or not ours.
  std::int64_t committed_at(std::int64_t id) const {
    auto i = id - first_;
    if (i < 0 || static_cast<std::size_t>(i) >= committed_at_.size()) return 0;
    return committed_at_[static_cast<std::size_t>(i)];
  }
  std::int64_t first() const { return first_; }

 private:
  std::int64_t first_;
  std::vector<std::atomic<std::int64_t>> committed_at_;
  std::atomic<std::size_t> written_{0};
  std::atomic<bool> done_{false};
  std::string error_;
  std::jthread thread_;
};

// A reader of `topic` from its current end (no group join: partitions assigned by hand).
kafka::consumer reader_at_end(const std::string& bootstrap, const std::string& topic) {
  kafka::consumer c({{"bootstrap.servers", bootstrap}, {"group.id", fmt::format("sluice-bench-reader-{}", ::getpid())},
                     {"fetch.wait.max.ms", "10"}},
                    "bench reader", nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  kafka::topic_ptr t(rd_kafka_topic_new(c.raw(), topic.c_str(), nullptr));
  int partitions = 0;
  if (rd_kafka_metadata(c.raw(), 0, t.get(), &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    kafka::metadata_ptr owned(md);
    if (md->topic_cnt == 1) partitions = md->topics[0].partition_cnt;
  }
  std::vector<kafka::topic_partition> at;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(c.raw(), topic.c_str(), p, &lo, &hi, 5000))
      throw error({.what = "cannot read the end of the source topic", .where = "topic " + topic});
    at.push_back({topic, p, hi});
  }
  auto list = kafka::to_list(at);
  if (auto err = rd_kafka_assign(c.raw(), list.get()))
    throw error({.what = "cannot read the source topic", .where = "topic " + topic, .why = rd_kafka_err2str(err)});
  return c;
}

}  // namespace

std::string source_topic_name(const std::string& table) { return sanitized(pg::parse_table_name(table).table); }

run_figures run_source(const source_plan& plan, const std::map<std::string, std::string>& overrides,
                       const std::string& table, const std::string& topic_prefix, target& db, progress& bar) {
  auto values = plan.config;
  for (const auto& [k, v] : overrides) values[k] = v;
  const auto offsets = std::filesystem::temp_directory_path() / fmt::format("sluice-bench-{}-offsets.json", ::getpid());
  std::filesystem::remove(offsets);
  values["name"] = topic_prefix + "source";
  values["topic.prefix"] = topic_prefix;
  values["table.whitelist"] = table;
  for (auto k : {"table.blacklist", "table.include.list", "table.exclude.list", "offset.storage.topic", "query"})
    values.erase(k);
  values["offset.storage.file.filename"] = offsets.string();
  if (!values.count("mode")) {
    values["mode"] = "incrementing";
    values["incrementing.column.name"] = plan.columns.key_column().name;
  }
  if (!values.count("batch.max.rows")) values["batch.max.rows"] = "10000";
  if (!values.count("poll.interval.ms")) values["poll.interval.ms"] = "200";
  auto cfg = validated(values);
  const auto bootstrap = bootstrap_of(values);
  const auto topic = topic_prefix + source_topic_name(table);
  kafka::ensure_embedded_topic(kafka::resolve_bootstrap({{"bootstrap.servers", bootstrap}}), topic, plan.partitions);

  run_figures f;
  f.settings = overrides;
  f.table = table;
  f.topic = topic;
  const std::uint64_t rows = *db.rows(table);
  std::string point;
  for (const auto& [k, v] : overrides) point += " " + k + "=" + v;
  bar.phase(fmt::format("initial load of {} rows from {} into topic {}{}", rows, table, topic,
                        point.empty() ? "" : " (" + point.substr(1) + ")"));
  reset_peak_rss();
  source::source_connector c(cfg);
  session_sampler sessions(db.open_another(), application_name(cfg));
  const auto begin = clock::now();
  auto t0 = begin, last_change = begin;
  double cpu0 = cpu_seconds();
  c.start();
  bool started = false;
  std::uint64_t acked = 0;
  auto next_sample = begin;
  auto wait_for = [&](std::uint64_t target, bool timeline) {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (auto e = c.failure()) throw error(*e);
      std::uint64_t polled = 0, now_acked = 0;
      for (const auto& m : c.metrics()) {
        polled += m->rows_polled;
        now_acked += m->records_acked;
      }
      if (!started && polled > 0) {
        started = true;
        t0 = next_sample = last_change = clock::now();
        cpu0 = cpu_seconds();
        f.timeline.push_back({0, 0});
      }
      if (now_acked != acked) last_change = clock::now();
      acked = now_acked;
      if (auto pool = c.pool()) f.connections = std::max(f.connections, static_cast<int>(pool->counters().open));
      if (auto pool = c.odbc_connections())
        f.connections = std::max(f.connections, static_cast<int>(pool->counters().open));
      if (started && timeline && clock::now() >= next_sample) {
        f.timeline.push_back({since(t0), acked});
        next_sample += std::chrono::milliseconds(250);
        bar.update("source", acked, target, static_cast<double>(acked) / std::max(since(t0), 1e-3));
      }
      if (acked >= target) return;
      if (since(last_change) > plan.timeout_seconds)
        throw error({.what = "the source made no progress", .where = "table " + table,
                     .why = fmt::format("{} of {} rows acknowledged, nothing more for {:.0f} s", acked, target,
                                        plan.timeout_seconds),
                     .fix = "see the log above for the connector's errors"});
    }
  };
  wait_for(rows, true);
  f.seconds = std::chrono::duration<double>(last_change - t0).count();
  f.timeline.push_back({f.seconds, acked});
  f.cpu_seconds = cpu_seconds() - cpu0;
  f.cpu_percent = 100.0 * f.cpu_seconds / std::max(since(t0), 1e-3);
  f.rows_per_s = f.seconds > 0 ? static_cast<double>(acked) / f.seconds : 0;
  f.records = acked;
  f.rows_expected = rows;

  if (plan.cdc_seconds > 0) {
    auto reader = reader_at_end(kafka::resolve_bootstrap({{"bootstrap.servers", bootstrap}}), topic);
    std::vector<std::string> now_columns = cfg.get_list("timestamp.column.name");
    steady_writer writer(db.open_appender(table, plan.columns, now_columns), db.max_key(table, plan.columns) + 1,
                         plan.cdc_rate, plan.cdc_seconds);
    bar.phase(fmt::format("steady phase: {:.0f} rows/s committed for {:.0f} s, delay until each is in Kafka",
                          plan.cdc_rate, plan.cdc_seconds));
    std::vector<double> delays;
    std::vector<bool> seen(static_cast<std::size_t>(plan.cdc_rate * plan.cdc_seconds) + 1, false);
    std::optional<clock::time_point> writer_done;
    const auto key_column = plan.columns.key_column().name;
    for (;;) {
      if (auto m = reader.poll(std::chrono::milliseconds(20)); m && !m->error()) {
        auto now = clock::now().time_since_epoch().count();
        if (auto id = record_id(*m, key_column)) {
          auto i = *id - writer.first();
          if (i >= 0 && static_cast<std::size_t>(i) < seen.size() && !seen[static_cast<std::size_t>(i)]) {
            seen[static_cast<std::size_t>(i)] = true;
            auto at = writer.committed_at(*id);
            delays.push_back(at ? std::chrono::duration<double>(clock::duration(now - at)).count() : 0.0);
          }
        }
      }
      if (auto e = c.failure()) throw error(*e);
      if (writer.done() && !writer_done) writer_done = clock::now();
      if (writer_done && (delays.size() >= writer.written() || since(*writer_done) > 10)) break;
    }
    if (!writer.failure().empty())
      throw error({.what = "the steady write load failed", .where = "table " + table, .why = writer.failure()});
    f.latency = summarize(delays);
    f.rows_expected += writer.written();
    f.latency_rate = plan.cdc_rate;
    wait_for(rows + writer.written(), false);
  }
  c.stop();
  f.peak_rss_mib = peak_rss_mib();
  f.server_sessions = sessions.stop();
  for (const auto& m : c.metrics()) f.batches += m->polls;
  f.rows_in_table = *db.rows(table);
  std::filesystem::remove(offsets);
  bar.end_bar();
  return f;
}

}  // namespace sluice::benchkit
