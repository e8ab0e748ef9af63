// The worker's lifecycle requests on one connector: pause, resume, stop, restart, and the
// offsets guard (only while STOPPED).
#include <fmt/format.h>

#include "core/log.hpp"
#include "service/api_error.hpp"
#include "service/worker.hpp"
#include "service/worker_entry.hpp"

namespace sluice::service {

void worker::retarget(entry& e, target_state t, bool persist) {
  target_state before;
  std::shared_ptr<connector_runtime> rt;
  bool failed_start;
  {
    std::lock_guard lock(e.mu);
    before = e.target;
    if (before == t) return;
    e.target = t;
    rt = e.rt;
    failed_start = e.start_error.has_value();
  }
  if (persist) {
    try {
      save(e);
    } catch (...) {
      std::lock_guard lock(e.mu);
      e.target = before;
      throw;
    }
  }
  const char* event = t == target_state::paused ? "pause" : t == target_state::running ? "resume" : "stop";
  log::get("service")->info("connector=\"{}\" event={}{}", e.name, event, persist ? "" : " from=config_topic");
  switch (t) {
    case target_state::paused:
      if (rt)
        rt->pause();
      else if (before == target_state::stopped)
        launch(e);
      break;
    case target_state::running:
      if (rt)
        rt->resume();
      else if (!failed_start)
        launch(e);
      break;
    case target_state::stopped:
      halt(e);
      break;
  }
}

void worker::pause(const std::string& name) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  retarget(*e, target_state::paused, true);
}

void worker::resume(const std::string& name) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  retarget(*e, target_state::running, true);
}

void worker::stop_connector(const std::string& name) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  retarget(*e, target_state::stopped, true);
}

restart_outcome worker::restart(const std::string& name, bool include_tasks, bool only_failed) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  restart_outcome out{status_of(*e)};
  auto& s = out.marked;
  if (s.state == run_state::stopped) return out;
  const bool connector_failed = s.state == run_state::failed || s.state == run_state::restarting;
  if (!only_failed || connector_failed) {
    // sluice has no connector instance apart from its tasks: restarting the connector restarts
    // it whole (gracefully: every task flushes and commits first).
    s.state = run_state::restarting;
    if (include_tasks)
      for (auto& t : s.tasks) t.state = run_state::restarting;
    log::get("service")->info("connector=\"{}\" event=restart include_tasks={} only_failed={}",
                              name, include_tasks, only_failed);
    {
      std::lock_guard lock(e->mu);
      e->restarting = true;
    }
    halt(*e);
    launch(*e);
    std::lock_guard lock(e->mu);
    e->restarting = false;
    return out;
  }
  if (!include_tasks) return out;
  std::shared_ptr<connector_runtime> rt;
  {
    std::lock_guard lock(e->mu);
    rt = e->rt;
  }
  if (!rt) return out;
  for (auto& t : s.tasks)
    if (t.state == run_state::failed || t.state == run_state::restarting) {
      t.state = run_state::restarting;
      log::get("service")->info("connector=\"{}\" task={} event=restart", name, t.id);
      rt->restart_task(t.id);
    }
  return out;
}

void worker::restart_task(const std::string& name, int task) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  std::shared_ptr<connector_runtime> rt;
  {
    std::lock_guard lock(e->mu);
    rt = e->rt;
  }
  if (!rt || task < 0 || task >= rt->task_count())
    throw not_found(fmt::format("Task {}-{} not found", name, task));
  log::get("service")->info("connector=\"{}\" task={} event=restart", name, task);
  rt->restart_task(task);
}

void worker::while_stopped(const std::string& name,
                           const std::function<void(const config::connector_config&)>& fn) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  std::optional<config::connector_config> cfg;
  {
    std::lock_guard lock(e->mu);
    if (e->target != target_state::stopped)
      throw bad_request(fmt::format(
          "Connectors must be in the STOPPED state before their offsets can be modified. This can "
          "be done for the specified connector by issuing a 'PUT' request to the "
          "'/connectors/{}/stop' endpoint",
          name));
    if (!e->cfg) throw bad_request(e->invalid);
    cfg = e->cfg;
  }
  fn(*cfg);
}

}  // namespace sluice::service
