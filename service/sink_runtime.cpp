// The runtime of a jdbc-sink: status and metrics from sink_connector's per-task status and
// counters, and the STALLED detector (lag > 0 and nothing committed for stall.timeout.ms).
#include <algorithm>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "service/clock.hpp"
#include "service/connector_runtime.hpp"
#include "service/exposition.hpp"
#include "sink/sink_connector.hpp"

namespace sluice::service {
namespace {

class sink_runtime final : public connector_runtime {
 public:
  explicit sink_runtime(const config::connector_config& cfg)
      : name_(cfg.name()), stall_ms_(cfg.get_int("stall.timeout.ms")),
        c_(std::make_unique<sink::sink_connector>(cfg)) {}
  ~sink_runtime() override { stop(); }

  void start() override { c_->start(); }
  void stop() override { c_->stop(); }
  void pause() override { c_->pause(); }
  void resume() override { c_->resume(); }
  void restart_task(int task) override { c_->restart_task(task); }

  config::connector_kind kind() const override { return config::connector_kind::sink; }
  int task_count() const override { return c_->task_count(); }
  std::optional<error_info> failure() const override { return std::nullopt; }
  std::shared_ptr<sink::pg_pool> pool() const override { return c_->pool(); }

  std::vector<task_state> tasks() const override {
    std::vector<task_state> out;
    const auto now = unix_ms();
    for (int i = 0; i < c_->task_count(); ++i) {
      const auto st = c_->status(i);
      task_state t;
      t.id = i;
      t.attempts = st.attempts;
      t.restarts = st.restarts;
      t.last_error = st.last_error;
      using phase = sink::task_status::phase;
      switch (st.state) {
        case phase::starting: t.state = run_state::unassigned; break;
        case phase::stopped: t.state = run_state::unassigned; break;
        case phase::failed:
          t.state = run_state::failed;
          t.trace = st.last_error ? render(*st.last_error) : "failed";
          break;
        case phase::restarting:
          t.state = run_state::restarting;
          t.next_attempt_unix_ms = st.next_attempt_unix_ms;
          t.trace = fmt::format("restarting at {} (attempt {}) after: {}",
                                iso_time(st.next_attempt_unix_ms), st.attempts,
                                st.last_error ? render(*st.last_error) : "a failure");
          break;
        case phase::running:
          // PAUSED once the task holds (what it had consumed is written, its partitions are
          // paused); until then it is still RUNNING.
          t.state = c_->paused() && c_->metrics().at(static_cast<std::size_t>(i))->paused
                        ? run_state::paused
                        : run_state::running;
          if (t.state == run_state::running) stall_check(i, st, now, t);
          break;
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  std::vector<std::string> topics() const override {
    std::set<std::string> names;
    for (const auto& m : c_->metrics()) {
      std::lock_guard lock(m->mu);
      for (const auto& [k, _] : m->lag) names.insert(k.first);
      for (const auto& [k, _] : m->committed) names.insert(k.first);
    }
    return {names.begin(), names.end()};
  }

  void collect(exposition& out) const override {
    const auto& ms = c_->metrics();
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const auto& m = *ms[i];
      const label_set l{{"connector", name_}, {"task", std::to_string(i)}};
      out.counter("sluice_sink_records_in_total", "Records consumed from Kafka.", l, m.records_in);
      out.counter("sluice_sink_bytes_in_total", "Key and value bytes consumed from Kafka.", l,
                  m.bytes_in);
      out.counter("sluice_sink_records_written_total", "Rows written to the database (committed).",
                  l, m.records_written);
      out.counter("sluice_sink_records_failed_total",
                  "Records that could not be converted or written.", l, m.records_failed);
      out.counter("sluice_sink_dlq_records_total", "Records sent to the dead-letter topic.", l,
                  m.dlq_records);
      out.counter("sluice_sink_batches_total", "Batches committed.", l, m.batches);
      out.counter("sluice_sink_retries_total", "Batch writes retried after transient errors.", l,
                  m.retries);
      out.counter("sluice_sink_offset_conflicts_total",
                  "Batches refused because another owner moved the stored offsets (rebalance).", l,
                  m.conflicts);
      out.counter("sluice_sink_fetch_wakes_total",
                  "Seeks that restarted the Kafka fetcher (after an empty poll, or early once "
                  "the queue had filled to its prefetch bound).",
                  l,
                  m.fetch_wakes);
      out.histogram("sluice_sink_batch_write_seconds",
                    "Database time per batch (rows and offsets in one transaction).", l,
                    m.batch_seconds);
      out.histogram("sluice_sink_record_latency_seconds",
                    "Record timestamp to database commit.", l, m.latency_seconds);
      out.histogram("sluice_sink_batch_size_rows", "Rows per committed batch.", l, m.batch_rows,
                    1000.0);
      out.gauge("sluice_sink_last_commit_timestamp_seconds",
                "Wall clock of the task's latest commit (0 = none yet).", l,
                static_cast<double>(m.last_commit_unix_ms.load()) / 1000.0);
      std::lock_guard lock(ms[i]->mu);
      for (const auto& [k, lag] : m.lag) {
        label_set pl = l;
        pl.emplace_back("topic", k.first);
        pl.emplace_back("partition", std::to_string(k.second));
        out.gauge("sluice_sink_consumer_lag_records",
                  "High watermark minus the next offset to write, per assigned partition.", pl,
                  static_cast<double>(lag));
      }
      for (const auto& [k, off] : m.committed) {
        label_set pl = l;
        pl.emplace_back("topic", k.first);
        pl.emplace_back("partition", std::to_string(k.second));
        out.gauge("sluice_sink_committed_offset",
                  "Next offset to read, as committed in the database with the rows.", pl,
                  static_cast<double>(off));
      }
    }
  }

  // Samples every task (about every 250 ms): the stall clock restarts whenever a task has no
  // lag, commits, is not running, or is paused. So a task that just got its partitions is not
  // blamed for the lag it found, and a stuck write is.
  void tick() override {
    const auto now = unix_ms();
    std::lock_guard lock(mu_);
    progress_.resize(static_cast<std::size_t>(c_->task_count()));
    for (int i = 0; i < c_->task_count(); ++i) {
      auto& p = progress_[static_cast<std::size_t>(i)];
      auto& m = *c_->metrics().at(static_cast<std::size_t>(i));
      const auto commit = m.last_commit_unix_ms.load();
      const bool idle = lag_of(m).first == 0;
      if (idle || commit != p.commit || c_->paused() ||
          c_->status(i).state != sink::task_status::phase::running) {
        p.since_ms = now;
        p.commit = commit;
      }
    }
  }

 private:
  struct progress {
    std::int64_t since_ms = 0;  // when the task last made progress (or had nothing to do)
    std::int64_t commit = 0;    // last_commit_unix_ms seen then
  };

  // Total lag of a task and its first partition with lag ("topic-partition").
  static std::pair<std::int64_t, std::string> lag_of(sink::task_metrics& m) {
    std::lock_guard lock(m.mu);
    std::pair<std::int64_t, std::string> out{0, {}};
    for (const auto& [k, l] : m.lag)
      if (l > 0) {
        out.first += l;
        if (out.second.empty()) out.second = fmt::format("{}-{}", k.first, k.second);
      }
    return out;
  }

  void stall_check(int i, const sink::task_status& st, std::int64_t now, task_state& t) const {
    if (stall_ms_ <= 0) return;
    auto& m = *c_->metrics().at(static_cast<std::size_t>(i));
    const auto [lag, where] = lag_of(m);
    std::int64_t since = st.started_unix_ms;
    {
      std::lock_guard lock(mu_);
      if (static_cast<std::size_t>(i) >= progress_.size()) return;  // not sampled yet
      since = std::max(since, progress_[static_cast<std::size_t>(i)].since_ms);
    }
    if (lag <= 0 || now - since <= stall_ms_) return;
    t.state = run_state::stalled;
    t.trace = fmt::format(
        "no progress: {} record(s) of lag (first on {}) and nothing committed for {} s "
        "(stall.timeout.ms={}). Fix: check the database for locks or a stuck statement "
        "(pg_stat_activity, pg_locks) and the sink log; the task resumes by itself once writes "
        "succeed",
        lag, where, (now - since) / 1000, stall_ms_);
  }

  std::string name_;
  std::int64_t stall_ms_;
  std::unique_ptr<sink::sink_connector> c_;
  mutable std::mutex mu_;  // guards progress_
  std::vector<progress> progress_;
};

}  // namespace

std::unique_ptr<connector_runtime> make_sink_runtime(const config::connector_config& cfg) {
  return std::make_unique<sink_runtime>(cfg);
}

}  // namespace sluice::service
