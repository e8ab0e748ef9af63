// The runtime of a jdbc-source. source_connector has no pause and no per-task restart: pausing
// stops it gracefully (each task finishes its poll and stores its offset) and resuming starts a
// new one from the stored offsets, so nothing is lost or published twice beyond what a restart
// of the source does anyway; restarting a task restarts the connector. STALLED: a task whose
// polls failed and none succeeded for stall.timeout.ms, sampled by tick().
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "service/clock.hpp"
#include "service/connector_runtime.hpp"
#include "service/exposition.hpp"
#include "source/source_connector.hpp"

namespace sluice::service {
namespace {

class source_runtime final : public connector_runtime {
 public:
  source_runtime(const config::connector_config& cfg,
                 std::optional<source::cluster_membership> cluster)
      : cfg_(cfg), cluster_(std::move(cluster)), name_(cfg.name()), stall_ms_(cfg.get_int("stall.timeout.ms")),
        tasks_(static_cast<int>(cfg.get_int("tasks.max"))) {
    auto c = std::make_shared<source::source_connector>(cfg_, cluster_);  // throws for unusable settings
    std::lock_guard lock(mu_);
    c_ = std::move(c);
  }
  ~source_runtime() override { stop(); }

  void start() override { begin(); }
  void stop() override {
    if (auto c = current()) c->stop();
  }
  void pause() override {
    paused_ = true;
    stop();
  }
  void resume() override {
    if (!paused_) return;
    paused_ = false;
    begin();
  }
  void restart_task(int) override {
    stop();
    {
      std::lock_guard lock(mu_);
      ++restarts_;
    }
    if (!paused_) begin();
  }

  void tick() override {
    auto c = current();
    if (!c || paused_) return;
    const auto now = unix_ms();
    std::lock_guard lock(mu_);
    const auto& ms = c->metrics();
    samples_.resize(ms.size());
    for (std::size_t i = 0; i < ms.size(); ++i) {
      auto& s = samples_[i];
      const auto ok = ms[i]->poll_seconds.count();  // observed for successful polls only
      const auto failed = ms[i]->poll_failures.load();
      if (s.last_ok_ms == 0) s.last_ok_ms = now;
      if (ok != s.ok) {
        s.ok = ok;
        s.failed_in_row = 0;
        s.last_ok_ms = now;
      }
      if (failed != s.failed) {
        s.failed_in_row += failed - s.failed;
        s.failed = failed;
      }
    }
  }

  config::connector_kind kind() const override { return config::connector_kind::source; }
  int task_count() const override { return tasks_; }
  std::optional<error_info> failure() const override {
    auto c = current();
    return c ? c->failure() : std::nullopt;
  }
  std::shared_ptr<sink::pg_pool> pool() const override {
    auto c = current();
    return c ? c->pool() : nullptr;
  }

  std::vector<task_state> tasks() const override {
    auto c = current();
    const auto failure = c ? c->failure() : std::nullopt;
    const bool running = c && c->running();
    const auto now = unix_ms();
    std::lock_guard lock(mu_);
    std::vector<task_state> out;
    for (int i = 0; i < tasks_; ++i) {
      task_state t;
      t.id = i;
      t.restarts = restarts_;
      if (failure) {
        t.state = run_state::failed;
        t.trace = render(*failure);
        t.last_error = failure;
      } else if (paused_) {
        t.state = run_state::paused;
      } else if (!running) {
        t.state = run_state::unassigned;
      } else {
        t.state = run_state::running;
        const auto idx = static_cast<std::size_t>(i);
        if (stall_ms_ > 0 && idx < samples_.size() && samples_[idx].failed_in_row > 0 &&
            now - samples_[idx].last_ok_ms > stall_ms_) {
          t.state = run_state::stalled;
          t.trace = fmt::format(
              "no progress: {} poll(s) failed in a row and none succeeded for {} s "
              "(stall.timeout.ms={}). Fix: see the source log for the reason (database or broker "
              "unreachable, a missing privilege); the task keeps retrying",
              samples_[idx].failed_in_row, (now - samples_[idx].last_ok_ms) / 1000, stall_ms_);
        }
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  std::vector<std::string> topics() const override {
    if (auto c = current()) return c->topics();
    return {};
  }

  void collect(exposition& out) const override {
    auto c = current();
    if (!c) return;
    const auto now = unix_ms();
    const auto& ms = c->metrics();
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const auto& m = *ms[i];
      const label_set l{{"connector", name_}, {"task", std::to_string(i)}};
      out.counter("sluice_source_rows_polled_total", "Rows read from the database.", l,
                  m.rows_polled);
      out.counter("sluice_source_records_produced_total", "Records handed to the producer.", l,
                  m.records_produced);
      out.counter("sluice_source_records_published_total",
                  "Records acknowledged by the broker.", l, m.records_acked);
      out.counter("sluice_source_polls_total", "Polls started.", l, m.polls);
      out.counter("sluice_source_poll_failures_total", "Polls that failed.", l, m.poll_failures);
      out.counter("sluice_source_offsets_written_total", "Offsets stored.", l, m.offsets_written);
      out.gauge("sluice_source_tables", "Tables this task polls.", l, m.tables);
      out.histogram("sluice_source_poll_duration_seconds",
                    "One successful poll: bound, read, produce, acknowledgements, offset.", l,
                    m.poll_seconds);
      out.histogram("sluice_source_rows_per_poll", "Rows read by one successful poll.", l,
                    m.rows_per_poll, 1000.0);
      const auto newest = m.newest_published_ts_ms.load();
      if (newest > 0)
        out.gauge("sluice_source_lag_seconds",
                  "Wall clock minus the newest published row timestamp (timestamp modes).", l,
                  static_cast<double>(now - newest) / 1000.0);
      out.gauge("sluice_source_last_publish_timestamp_seconds",
                "Wall clock of the newest acknowledgement (0 = none yet).", l,
                static_cast<double>(m.last_ack_unix_ms.load()) / 1000.0);
    }
  }

 private:
  struct sample {
    std::uint64_t ok = 0, failed = 0, failed_in_row = 0;
    std::int64_t last_ok_ms = 0;
  };

  std::shared_ptr<source::source_connector> current() const {
    std::lock_guard lock(mu_);
    return c_;
  }
  // A fresh connector each time: source_connector starts once.
  void begin() {
    auto fresh = std::make_shared<source::source_connector>(cfg_, cluster_);
    {
      std::lock_guard lock(mu_);
      if (started_) c_ = fresh;
      started_ = true;
      samples_.clear();
    }
    current()->start();
  }

  config::connector_config cfg_;
  std::optional<source::cluster_membership> cluster_;
  std::string name_;
  std::int64_t stall_ms_;
  int tasks_;
  std::atomic<bool> paused_{false};
  mutable std::mutex mu_;  // guards c_, samples_, restarts_, started_
  std::shared_ptr<source::source_connector> c_;
  std::vector<sample> samples_;
  std::uint64_t restarts_ = 0;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<connector_runtime> make_source_runtime(
    const config::connector_config& cfg, const std::optional<source::cluster_membership>& cluster) {
  return std::make_unique<source_runtime>(cfg, cluster);
}

std::unique_ptr<connector_runtime> make_runtime(
    const config::connector_config& cfg, const std::optional<source::cluster_membership>& cluster) {
  return cfg.kind() == config::connector_kind::sink ? make_sink_runtime(cfg)
                                                    : make_source_runtime(cfg, cluster);
}

std::string_view to_string(run_state s) noexcept {
  switch (s) {
    case run_state::unassigned: return "UNASSIGNED";
    case run_state::running: return "RUNNING";
    case run_state::paused: return "PAUSED";
    case run_state::stopped: return "STOPPED";
    case run_state::failed: return "FAILED";
    case run_state::restarting: return "RESTARTING";
    case run_state::stalled: return "STALLED";
  }
  return "UNASSIGNED";
}

}  // namespace sluice::service
