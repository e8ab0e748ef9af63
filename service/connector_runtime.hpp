#pragma once
// One running connector as the service sees it, sink or source: start/stop, pause/resume,
// restart a task, and honest per-task status (with STALLED detection) and metrics. The worker
// owns one runtime per connector that is not STOPPED and never touches sink_connector or
// source_connector directly.
// Ownership: a runtime owns its connector (its threads, consumers, producers and pool share).
// Thread-safety: start/stop/pause/resume/restart_task/tick from one thread at a time (the worker
// serializes them per connector); tasks(), failure(), topics(), collect() from any thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/connector_config.hpp"
#include "core/error.hpp"
#include "sink/pg_writer.hpp"
#include "source/table_claims.hpp"

namespace sluice::service {

class exposition;

// Kafka Connect's states, plus STALLED (running, but making no progress).
enum class run_state { unassigned, running, paused, stopped, failed, restarting, stalled };
std::string_view to_string(run_state s) noexcept;
inline constexpr run_state all_states[] = {run_state::unassigned, run_state::running,
                                           run_state::paused,     run_state::stopped,
                                           run_state::failed,     run_state::restarting,
                                           run_state::stalled};

struct task_state {
  int id = 0;
  run_state state = run_state::unassigned;
  std::string trace;                     // why, for FAILED / RESTARTING / STALLED
  int attempts = 0;                      // failures in a row
  std::uint64_t restarts = 0;            // restarts, ever (automatic and requested)
  std::optional<error_info> last_error;  // of the latest failure
  std::int64_t next_attempt_unix_ms = 0;  // RESTARTING: when the next run begins
  std::string worker_id;                  // cluster mode: another worker's task; empty = ours
};

struct connector_status {
  std::string name;
  config::connector_kind kind = config::connector_kind::sink;
  run_state state = run_state::unassigned;
  std::string trace;
  int attempts = 0;                      // failed starts in a row
  std::int64_t next_attempt_unix_ms = 0;  // RESTARTING: the next start
  std::optional<error_info> last_error;
  std::vector<task_state> tasks;
};

class connector_runtime {
 public:
  virtual ~connector_runtime() = default;

  // Throws sluice::error when the connector cannot start (its retryable() says whether a later
  // attempt may succeed).
  virtual void start() = 0;
  virtual void stop() = 0;  // graceful, idempotent
  virtual void pause() = 0;
  virtual void resume() = 0;
  virtual void restart_task(int task) = 0;
  virtual void tick() {}  // called about every 250 ms by the worker (sampling for STALLED)

  virtual config::connector_kind kind() const = 0;
  virtual int task_count() const = 0;
  virtual std::vector<task_state> tasks() const = 0;
  // A failure of the connector as a whole (not of one task), e.g. a source's table monitor.
  virtual std::optional<error_info> failure() const = 0;
  // Topics the connector reads or writes now (Kafka Connect's "active topics").
  virtual std::vector<std::string> topics() const = 0;
  virtual std::shared_ptr<sink::pg_pool> pool() const = 0;  // null before start()
  // Adds this connector's families (labels connector, task, …) to `out`.
  virtual void collect(exposition& out) const = 0;
};

// Throws sluice::error when the settings cannot work (as the connectors' constructors do).
std::unique_ptr<connector_runtime> make_sink_runtime(const config::connector_config& cfg);
// `cluster`: this worker is one of several running the connector (cluster mode).
std::unique_ptr<connector_runtime> make_source_runtime(
    const config::connector_config& cfg,
    const std::optional<source::cluster_membership>& cluster = std::nullopt);
std::unique_ptr<connector_runtime> make_runtime(
    const config::connector_config& cfg,
    const std::optional<source::cluster_membership>& cluster = std::nullopt);

}  // namespace sluice::service
