#pragma once
// A running jdbc-source connector: a table monitor (lists the tables every
// table.poll.interval.ms and spreads them over the tasks) and tasks.max tasks polling them, all
// sharing the database's bounded pool and one offset store (file or Kafka topic). A task that
// fails with a retryable error (database or broker gone) is restarted with back-off and resumes
// from the stored offsets; a task that fails for good stops with its reason, readable through
// failure().
// Thread-safety: start/stop from one thread; the observers from any.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "config/connector_config.hpp"
#include "source/assignment.hpp"
#include "source/metrics.hpp"
#include "source/offsets.hpp"
#include "source/source_settings.hpp"
#include "sink/odbc_writer.hpp"
#include "source/source_task.hpp"
#include "source/table_claims.hpp"

namespace sluice::source {

class source_connector {
 public:
  // Throws sluice::error when the settings cannot work (value.converter not JSON, exactly-once
  // without offset.storage.topic); connects nowhere. PostgreSQL URLs are polled through libpq
  // (commit-aware bounds); MySQL/MariaDB, SQLite, SQL Server, generic and odbc: URLs through
  // ODBC (source/odbc_querier.hpp: timestamp.delay.interval.ms instead of commit-aware bounds).
  // With `cluster`, several workers run this connector and each polls only the tables it
  // claims (source/table_claims.hpp); offsets must then be kept in offset.storage.topic.
  explicit source_connector(config::connector_config cfg,
                            std::optional<cluster_membership> cluster = std::nullopt);
  ~source_connector();  // stop()

  // Opens the offset store (reads the offsets topic when configured; throws sluice::error when it
  // cannot) and starts the monitor and the tasks.
  void start();
  // Graceful: each task ends its poll in flight at the next commit point, waits for the broker's
  // acknowledgements and writes the offsets; returns when every thread ended.
  void stop();

  bool running() const;
  std::optional<error_info> failure() const;  // the first fatal failure
  const std::vector<std::shared_ptr<task_metrics>>& metrics() const { return metrics_; }
  std::shared_ptr<pg_pool> pool() const { return pool_; }  // null when the database is reached through ODBC
  std::shared_ptr<sink::odbc_pool> odbc_connections() const { return odbc_pool_; }
  const source_settings& settings() const { return s_; }
  // The topics this connector publishes to now (its tables' topics, or topic.prefix in query
  // mode); empty before the first table listing.
  std::vector<std::string> topics() const { return tables_ ? tables_->topics() : std::vector<std::string>{}; }

 private:
  void monitor_main(std::stop_token stop);
  void task_main(int id, std::stop_token stop);
  void fail(const error_info& e);

  config::connector_config cfg_;
  source_settings s_;
  std::shared_ptr<pg_pool> pool_;
  std::shared_ptr<sink::odbc_pool> odbc_pool_;
  reader_factory readers_;
  std::shared_ptr<offset_store> offsets_;
  std::shared_ptr<table_assignment> tables_;
  std::optional<cluster_membership> cluster_;
  std::shared_ptr<table_claims> claims_;  // cluster mode
  std::vector<std::shared_ptr<task_metrics>> metrics_;
  std::vector<std::jthread> threads_;
  mutable std::mutex mu_;
  std::optional<error_info> failure_;
  int live_tasks_ = 0;
  // errors.restart.*: a retryable failure restarts the task (or retries the table listing)
  // after backoff_delay(attempt, backoff, max); disabled, it fails the connector.
  bool restart_enabled_;
  std::chrono::milliseconds restart_backoff_;
  std::chrono::milliseconds restart_max_;
};

// The topic a target's rows go to: topic.prefix + table name (bytes Kafka does not allow in topic
// names replaced by '_'), or topic.prefix in query mode.
std::string topic_for(const source_settings& s, const std::optional<pg::table_ref>& table);

}  // namespace sluice::source
