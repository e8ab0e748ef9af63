#pragma once
// A running jdbc-sink connector: tasks.max tasks (each a consumer in the connector's group and a
// writer), sharing the database's bounded pool. A task that fails with a retryable error (the
// database or broker gone, a rebalance conflict) is restarted with back-off (errors.restart.*); a
// task that fails for good stops with its reason, readable through failure() and status().
// Thread-safety: start/stop/pause/resume/restart_task from one thread at a time; the observers
// from any.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "config/connector_config.hpp"
#include "kafka/settings.hpp"
#include "sink/metrics.hpp"
#include "sink/odbc_writer.hpp"
#include "sink/pg_writer.hpp"
#include "sink/sink_settings.hpp"

namespace sluice::sink {

// What one task's restart loop last reported, for the service's status.
struct task_status {
  enum class phase { starting, running, restarting, failed, stopped };
  phase state = phase::starting;
  int attempts = 0;                      // failures in a row (reset after a run longer than the
                                         // back-off ceiling)
  std::uint64_t restarts = 0;            // automatic and requested restarts, ever
  std::optional<error_info> last_error;  // of the latest failure
  std::int64_t started_unix_ms = 0;      // when the current run began
  std::int64_t next_attempt_unix_ms = 0;  // restarting: when the next run begins
};

class sink_connector {
 public:
  explicit sink_connector(config::connector_config cfg);
  ~sink_connector();

  void start();
  void stop();  // graceful: flush, commit, leave the group; returns when every task ended

  bool running() const;
  std::optional<error_info> failure() const;  // of the first task that failed for good
  int task_count() const { return s_.tasks; }
  task_status status(int task) const;
  // Each task writes what it consumed, then pauses its partitions while staying in the group.
  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  bool paused() const { return paused_; }
  // Ends the task gracefully (as stop() does) and starts it again at once, back-off reset.
  void restart_task(int task);
  const std::vector<std::shared_ptr<task_metrics>>& metrics() const { return metrics_; }
  std::shared_ptr<pg_pool> pool() const { return pool_; }
  // The ODBC pool when connection.url names a database reached through ODBC (then pool() is null; otherwise this one is).
  std::shared_ptr<sink::odbc_pool> odbc_connections() const { return odbc_pool_; }
  const sink_settings& settings() const { return s_; }

 private:
  void task_main(int id, std::stop_token stop);
  void set_status(int id, task_status::phase p, const std::optional<error_info>& e = std::nullopt,
                  std::int64_t next_attempt_unix_ms = 0);

  config::connector_config cfg_;
  sink_settings s_;
  bool restart_enabled_;
  std::chrono::milliseconds restart_backoff_, restart_max_;
  std::shared_ptr<pg_pool> pool_;
  std::shared_ptr<sink::odbc_pool> odbc_pool_;
  std::vector<std::shared_ptr<task_metrics>> metrics_;
  std::vector<std::jthread> threads_;
  mutable std::mutex mu_;
  std::vector<task_status> status_;  // per task, guarded by mu_
  std::atomic<bool> paused_{false};
  int live_tasks_ = 0;
};

// The bounded pool of this process for the connector's database (shared by every connector that
// names the same database).
std::shared_ptr<pg_pool> postgres_pool_for(const config::connector_config& cfg);
// Whether the connector's database is reached through ODBC: MySQL/MariaDB, SQLite, SQL Server and
// generic URLs, and an odbc: URL for PostgreSQL (psqlODBC); libpq otherwise.
bool uses_odbc(const config::connector_config& cfg);
// The bounded ODBC pool of this process for the connector's database (shared by every connector
// that names the same database; health check per dialect).
std::shared_ptr<odbc_pool> odbc_pool_for(const config::connector_config& cfg);
// The ODBC dialect options the connector's settings choose (mssql.use.merge.holdlock).
// quote_always is left at its default: odbc_writer takes it from sink_settings.
odbc::dialect_options odbc_dialect_options(const config::connector_config& cfg);
// The writer for the connector's database (libpq or ODBC), over the shared pool.
std::unique_ptr<writer> make_writer(const config::connector_config& cfg, const sink_settings& s,
                                    const std::string& where);

// Kafka client settings for a connector: bootstrap.servers, then kafka.*, then
// consumer.override.* / producer.override.* (later wins).
kafka::settings consumer_settings(const config::connector_config& cfg, const std::string& group);
kafka::settings producer_settings(const config::connector_config& cfg);

}  // namespace sluice::sink
