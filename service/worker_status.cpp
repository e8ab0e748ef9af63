// The worker's observers: status, the supervisor (automatic starts, sampling, state-change
// logs) and /metrics.
#include <chrono>
#include <condition_variable>
#include <set>

#include <fmt/format.h>

#include "core/log.hpp"
#include "service/api_error.hpp"
#include "service/clock.hpp"
#include "service/exposition.hpp"
#include "service/worker.hpp"
#include "service/worker_entry.hpp"

namespace sluice::service {
namespace {

// A value for a key="value" log field: quotes and line breaks escaped, so one event stays one line.
std::string logfmt(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace {

// In a cluster every worker runs the connector: its state is this worker's (they share the
// target state), and the tasks are every live worker's, each with its worker_id.
void merge(connector_status& s, const std::vector<remote_connector>& others) {
  for (const auto& o : others) s.tasks.insert(s.tasks.end(), o.tasks.begin(), o.tasks.end());
}

}  // namespace

connector_status worker::status_of(const entry& e, bool others) const {
  auto s = local_status_of(e);
  if (others && board_ && s.state != run_state::stopped) merge(s, board_->others(s.name));
  return s;
}

connector_status worker::local_status_of(const entry& e) const {
  connector_status s;
  std::shared_ptr<connector_runtime> rt;
  {
    std::lock_guard lock(e.mu);
    s.name = e.name;
    s.kind = info_of_kind(e);
    if (e.target == target_state::stopped) {
      s.state = run_state::stopped;
      return s;
    }
    if (!e.cfg) {
      s.state = run_state::failed;
      s.trace = e.invalid;
      return s;
    }
    rt = e.rt;
    if (e.start_error) {
      s.last_error = e.start_error;
      s.attempts = e.start_attempts;
      s.next_attempt_unix_ms = e.next_start_ms;
      s.state = e.restarting ? run_state::restarting
                : e.next_start_ms ? run_state::restarting
                                  : run_state::failed;
      s.trace = render(*e.start_error);
      if (e.next_start_ms)
        s.trace = fmt::format("starting again at {} (attempt {}) after: {}",
                              iso_time(e.next_start_ms), e.start_attempts + 1, s.trace);
      return s;
    }
    if (e.restarting) s.state = run_state::restarting;
    else if (!rt) s.state = run_state::unassigned;
    else s.state = e.target == target_state::paused ? run_state::paused : run_state::running;
  }
  if (!rt) return s;
  if (auto f = rt->failure(); f && s.state != run_state::restarting) {
    s.state = run_state::failed;
    s.trace = render(*f);
    s.last_error = f;
  }
  s.tasks = rt->tasks();
  return s;
}

config::connector_kind worker::info_of_kind(const entry& e) {
  if (e.cfg) return e.cfg->kind();
  auto cls = e.values.find("connector.class");
  return cls != e.values.end() && cls->second.find("ource") != std::string::npos
             ? config::connector_kind::source
             : config::connector_kind::sink;
}

connector_status worker::status(const std::string& name) const { return status_of(*find(name)); }

void worker::log_changes(entry& e) {
  const auto s = status_of(e, false);
  auto logger = log::get("service");
  auto note = [&](int task, run_state now, const std::string& reason, std::uint64_t restarts) {
    auto& last = e.logged.try_emplace(task).first->second;
    const auto print = [&](run_state state, run_state previous, const std::string& why) {
      const auto level = state == run_state::failed ? spdlog::level::err
                         : state == run_state::stalled || state == run_state::restarting
                             ? spdlog::level::warn
                             : spdlog::level::info;
      logger->log(level, "connector={}{} state={} previous={}{}", logfmt(e.name),
                  task < 0 ? std::string() : fmt::format(" task={}", task), to_string(state),
                  to_string(previous), why.empty() ? std::string() : " reason=" + logfmt(why));
    };
    // States are sampled every 250 ms: a restart whose RESTARTING lasted less than that shows
    // only in the restart count, and is logged all the same.
    if (restarts > last.restarts && now != run_state::restarting && last.state != run_state::restarting) {
      print(run_state::restarting, last.state, last.reason.empty() ? reason : last.reason);
      last.state = run_state::restarting;
    }
    last.restarts = restarts;
    // Within one state only a new attempt (RESTARTING) or a new failure is news; a STALLED
    // reason that only counts seconds is not.
    const bool news = last.state != now ||
                      (last.reason != reason && (now == run_state::restarting || now == run_state::failed));
    if (!news) {
      last.reason = reason;
      return;
    }
    print(now, last.state, reason);
    last.state = now;
    last.reason = reason;
  };
  note(-1, s.state, s.trace, 0);
  for (const auto& t : s.tasks) note(t.id, t.state, t.trace, t.restarts);
}

void worker::supervise(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    std::vector<std::shared_ptr<entry>> all;
    {
      std::lock_guard lock(mu_);
      for (auto& [_, e] : connectors_) all.push_back(e);
    }
    for (auto& e : all) {
      if (stop.stop_requested()) return;
      std::unique_lock ctl(e->control, std::try_to_lock);
      if (!ctl) {  // a lifecycle operation is under way: only report
        log_changes(*e);
        continue;
      }
      std::shared_ptr<connector_runtime> rt;
      bool due = false;
      {
        std::lock_guard lock(e->mu);
        if (e->deleted) continue;
        rt = e->rt;
        due = !rt && e->next_start_ms && unix_ms() >= e->next_start_ms &&
              e->target != target_state::stopped;
      }
      if (rt) rt->tick();
      if (due) launch(*e);
      ctl.unlock();
      log_changes(*e);
    }
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, std::chrono::milliseconds(250), [] { return false; });
  }
}

void worker::collect(exposition& out) const {
  std::vector<std::shared_ptr<entry>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, e] : connectors_) all.push_back(e);
  }
  out.gauge("sluice_worker_connectors", "Connectors configured on this worker.", {},
            static_cast<double>(all.size()));
  std::set<const sink::pg_pool*> seen;
  for (const auto& e : all) {
    const auto s = status_of(*e, false);
    const std::string type = s.kind == config::connector_kind::sink ? "sink" : "source";
    for (auto st : all_states)
      out.gauge("sluice_connector_state", "1 for the connector's current state, else 0.",
                {{"connector", s.name}, {"type", type}, {"state", std::string(to_string(st))}},
                st == s.state ? 1 : 0);
    out.gauge("sluice_connector_start_attempts", "Failed starts of the connector in a row.",
              {{"connector", s.name}}, s.attempts);
    for (const auto& t : s.tasks) {
      const label_set l{{"connector", s.name}, {"task", std::to_string(t.id)}};
      for (auto st : all_states) {
        label_set sl = l;
        sl.emplace_back("state", std::string(to_string(st)));
        out.gauge("sluice_task_state", "1 for the task's current state, else 0.", sl,
                  st == t.state ? 1 : 0);
      }
      out.counter("sluice_task_restarts_total", "Task restarts, automatic and requested.", l,
                  static_cast<double>(t.restarts));
      out.gauge("sluice_task_restart_attempts", "Task failures in a row.", l, t.attempts);
    }
    std::shared_ptr<connector_runtime> rt;
    {
      std::lock_guard lock(e->mu);
      rt = e->rt;
    }
    if (!rt) continue;
    rt->collect(out);
    auto pool = rt->pool();
    if (!pool || !seen.insert(pool.get()).second) continue;
    const auto c = pool->counters();
    const label_set l{{"pool", pool->settings().name}};
    out.gauge("sluice_pool_open_connections", "Connections open (idle + leased).", l, c.open);
    out.gauge("sluice_pool_idle_connections", "Connections idle in the pool.", l, c.idle);
    out.gauge("sluice_pool_leased_connections", "Connections leased by tasks.", l, c.leased);
    out.gauge("sluice_pool_waiting_requests", "Tasks waiting for a connection.", l, c.waiting);
    out.gauge("sluice_pool_max_connections", "connection.pool.max.size of the pool.", l,
              static_cast<double>(pool->settings().max_size));
    out.counter("sluice_pool_connections_created_total", "Connections opened.", l, c.created);
    out.counter("sluice_pool_connections_destroyed_total", "Connections closed.", l, c.destroyed);
    out.counter("sluice_pool_acquire_timeouts_total",
                "Leases that timed out (connection.pool.acquire.timeout.ms).", l, c.acquire_timeouts);
    out.histogram("sluice_pool_acquire_seconds", "Time spent waiting for a lease.", l,
                  pool->acquire_histogram());
    out.gauge("sluice_pool_longest_lease_seconds", "Age of the oldest lease held now.", l,
              c.longest_lease_seconds);
  }
}

}  // namespace sluice::service
