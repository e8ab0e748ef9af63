#include "sink/sink_connector.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include <fmt/format.h>

#include "core/convert/converter.hpp"
#include "core/backoff.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "kafka/embedded_broker.hpp"
#include "pool/registry.hpp"
#include "sink/sink_task.hpp"

namespace sluice::sink {
namespace {

pool::registry<pg::connection>& pg_registry() {
  static pool::registry<pg::connection> r;
  return r;
}

pool::registry<odbc::connection>& odbc_registry() {
  static pool::registry<odbc::connection> r;
  return r;
}

pool::pool_settings pool_settings_for(const config::connector_config& cfg) {
  pool::pool_settings ps;
  ps.name = cfg.connection().display;
  ps.max_size = static_cast<std::size_t>(cfg.get_int("connection.pool.max.size"));
  ps.acquire_timeout = std::chrono::milliseconds(cfg.get_int("connection.pool.acquire.timeout.ms"));
  ps.max_lifetime = std::chrono::milliseconds(cfg.get_int("connection.pool.max.lifetime.ms"));
  ps.idle_timeout = std::chrono::milliseconds(cfg.get_int("connection.pool.idle.timeout.ms"));
  ps.lease_warn = std::chrono::milliseconds(cfg.get_int("connection.pool.lease.warn.ms"));
  return ps;
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps for `d` or until stop is requested; returns false when stopped.
bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
}

}  // namespace

bool uses_odbc(const config::connector_config& cfg) {
  const auto url = cfg.get_string("connection.url");
  const bool odbc_url = url.size() >= 5 && (url.compare(0, 5, "odbc:") == 0 || url.compare(0, 5, "ODBC:") == 0);
  return cfg.connection().kind != config::dialect::postgresql || odbc_url;
}

std::shared_ptr<odbc_pool> odbc_pool_for(const config::connector_config& cfg) {
  const auto& target = cfg.connection();
  odbc::connect_options o{.connection_string = target.odbc, .family = target.kind,
                          .where = target.display, .secret = target.password};
  return odbc_registry().get("odbc|" + target.pool_key, pool_settings_for(cfg),
                             [o] { return odbc::connection::open(o); });
}

std::shared_ptr<pg_pool> postgres_pool_for(const config::connector_config& cfg) {
  const auto& target = cfg.connection();
  if (target.kind != config::dialect::postgresql)
    throw error({.what = "cannot start the sink", .where = fmt::format("connector '{}'", cfg.name()),
                 .why = "only PostgreSQL is supported by this build's sink",
                 .fix = "use a jdbc:postgresql:// connection.url"});
  pool::pool_settings ps;
  ps.name = target.display;
  ps.max_size = static_cast<std::size_t>(cfg.get_int("connection.pool.max.size"));
  ps.acquire_timeout = std::chrono::milliseconds(cfg.get_int("connection.pool.acquire.timeout.ms"));
  ps.max_lifetime = std::chrono::milliseconds(cfg.get_int("connection.pool.max.lifetime.ms"));
  ps.idle_timeout = std::chrono::milliseconds(cfg.get_int("connection.pool.idle.timeout.ms"));
  ps.lease_warn = std::chrono::milliseconds(cfg.get_int("connection.pool.lease.warn.ms"));
  auto conninfo = target.libpq_conninfo;
  auto where = target.display;
  return pg_registry().get(target.pool_key, ps, [conninfo, where] {
    return pg::connection::open(conninfo, where);
  });
}

odbc::dialect_options odbc_dialect_options(const config::connector_config& cfg) {
  return {.merge_holdlock = cfg.get_bool("mssql.use.merge.holdlock")};
}

std::unique_ptr<writer> make_writer(const config::connector_config& cfg, const sink_settings& s,
                                    const std::string& where) {
  if (uses_odbc(cfg))
    return std::make_unique<odbc_writer>(s, cfg.connection().kind, odbc_dialect_options(cfg), odbc_pool_for(cfg),
                                         where);
  return std::make_unique<pg_writer>(s, postgres_pool_for(cfg), where);
}

namespace {
kafka::settings base_settings(const config::connector_config& cfg, const char* role_prefix) {
  kafka::settings s;
  s["bootstrap.servers"] = cfg.get_string("bootstrap.servers");
  for (const auto& [k, v] : cfg.with_prefix("kafka.")) s[k] = v;
  for (const auto& [k, v] : cfg.with_prefix(role_prefix)) s[k] = v;
  return s;
}
}  // namespace

kafka::settings consumer_settings(const config::connector_config& cfg, const std::string& group) {
  kafka::settings s;
  s["group.id"] = group;
  s["auto.offset.reset"] = "earliest";  // as Kafka Connect's sink consumers
  // Eager round-robin: librdkafka 2.0.2 (Debian bookworm) asserts when a cooperative-sticky
  // consumer is closed before its first assignment (librdkafka #4312, fixed in 2.3.0), and its
  // mock broker stalled re-joins of a cooperative group in our tests. Override with
  // consumer.override.partition.assignment.strategy on a newer librdkafka.
  s["partition.assignment.strategy"] = "roundrobin";
  // The prefetch bound applies to a consumer's one queue (all its partitions together), so memory
  // stays flat whatever the lag. The connector's tasks share 16 MiB (each at least 2 MiB) rather
  // than take librdkafka's 64 each: librdkafka before 2.4 stops fetching once the bound is
  // reached and looks again only up to a second later, which the task cuts short by waking the
  // fetcher as its queue runs low (sink_task::wake_fetcher). Measured in bench/RESULTS.md: one
  // task with 16 MiB peaks near 95 MiB at full speed; two tasks with 16 MiB each reached
  // 142-148 MiB, with 8 MiB each 110-113 MiB.
  const auto tasks = std::max<std::int64_t>(1, cfg.get_int("tasks.max"));
  s["queued.max.messages.kbytes"] = std::to_string(std::max<std::int64_t>(2048, 16384 / tasks));
  // A record should reach the database within tens of milliseconds of being produced; a broker
  // answers a fetch as soon as it has data, so a short wait costs nothing under load.
  s["fetch.wait.max.ms"] = "10";
  // librdkafka waits fetch.error.backoff.ms (500 by default) before fetching a partition again
  // after a fetch answered with an error for it; at a steady 10k records/s on the embedded broker
  // that put the p99 of produce→commit at 150–250 ms, with 5–10 ms at 80–150 ms (RESULTS.md).
  s["fetch.error.backoff.ms"] = "10";
  // A short session on the embedded broker, whose rebalances wait for it (embedded_broker.hpp):
  // `embedded`, or the address of another embedded broker of this process (a test's own); real
  // brokers keep librdkafka's defaults.
  const auto bootstrap = cfg.get_string("bootstrap.servers");
  if (bootstrap == "embedded" || kafka::is_embedded_bootstrap(bootstrap))
    for (const auto& [k, v] : kafka::embedded_group_settings()) s[k] = v;
  for (const auto& [k, v] : base_settings(cfg, "consumer.override.")) s[k] = v;
  return s;
}

kafka::settings producer_settings(const config::connector_config& cfg) {
  kafka::settings s;
  s["linger.ms"] = "5";
  for (const auto& [k, v] : base_settings(cfg, "producer.override.")) s[k] = v;
  return s;
}

sink_connector::sink_connector(config::connector_config cfg)
    : cfg_(std::move(cfg)), s_(sink_settings::from(cfg_)),
      restart_enabled_(cfg_.get_bool("errors.restart.enable")),
      restart_backoff_(cfg_.get_int("errors.restart.backoff.ms")),
      restart_max_(cfg_.get_int("errors.restart.max.ms")),
      status_(static_cast<std::size_t>(s_.tasks)) {}

sink_connector::~sink_connector() { stop(); }

void sink_connector::start() {
  if (uses_odbc(cfg_))
    odbc_pool_ = odbc_pool_for(cfg_);
  else
    pool_ = postgres_pool_for(cfg_);
  for (int i = 0; i < s_.tasks; ++i) metrics_.push_back(std::make_shared<task_metrics>());
  live_tasks_ = s_.tasks;
  for (int i = 0; i < s_.tasks; ++i)
    threads_.emplace_back([this, i](std::stop_token st) { task_main(i, st); });
}

void sink_connector::stop() {
  for (auto& t : threads_) t.request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

bool sink_connector::running() const {
  std::lock_guard lock(mu_);
  return live_tasks_ > 0;
}

std::optional<error_info> sink_connector::failure() const {
  std::lock_guard lock(mu_);
  for (const auto& t : status_)
    if (t.state == task_status::phase::failed) return t.last_error;
  return std::nullopt;
}

task_status sink_connector::status(int task) const {
  std::lock_guard lock(mu_);
  return status_.at(static_cast<std::size_t>(task));
}

void sink_connector::set_status(int id, task_status::phase p, const std::optional<error_info>& e,
                                std::int64_t next_attempt_unix_ms) {
  std::lock_guard lock(mu_);
  auto& t = status_[static_cast<std::size_t>(id)];
  t.state = p;
  if (e) t.last_error = e;
  t.next_attempt_unix_ms = next_attempt_unix_ms;
  if (p == task_status::phase::running) t.started_unix_ms = unix_ms_now();
}

void sink_connector::restart_task(int task) {
  auto& t = threads_.at(static_cast<std::size_t>(task));
  t.request_stop();
  if (t.joinable()) t.join();
  {
    std::lock_guard lock(mu_);
    auto& st = status_[static_cast<std::size_t>(task)];
    st.state = task_status::phase::starting;
    st.attempts = 0;
    ++st.restarts;
    ++live_tasks_;
  }
  t = std::jthread([this, task](std::stop_token st) { task_main(task, st); });
}

void sink_connector::task_main(int id, std::stop_token stop) {
  name_this_thread(fmt::format("sink-task-{}", id));
  auto logger = log::get("sink");
  convert::converter_settings conv;
  conv.key_format = convert::format_from_class(cfg_.get_string("key.converter"));
  conv.value_format = convert::format_from_class(cfg_.get_string("value.converter"));
  conv.key_schemas_enable = cfg_.get_bool("key.converter.schemas.enable");
  conv.value_schemas_enable = cfg_.get_bool("value.converter.schemas.enable");
  conv.delete_enabled = s_.delete_enabled;
  conv.truncate_enabled = s_.truncate_enabled;
  auto where = fmt::format("sink '{}' task {}", s_.connector, id);
  auto cs = consumer_settings(cfg_, s_.group_id);
  auto ps = producer_settings(cfg_);
  for (int attempt = 0; !stop.stop_requested();) {
    const auto began = std::chrono::steady_clock::now();
    set_status(id, task_status::phase::running);
    error_info failed;
    try {
      auto w = make_writer(cfg_, s_, where + " writer");
      sink_task task(s_, id, conv, std::move(w), cs, ps, metrics_[static_cast<std::size_t>(id)]);
      task.run(stop, &paused_);
      break;
    } catch (const error& e) {
      failed = e.info();
    } catch (const std::exception& e) {
      failed = error_info{.what = e.what(), .where = where};
    }
    if (!failed.retryable || !restart_enabled_) {
      logger->error("{}: failed{}: {}", where, failed.retryable ? " (errors.restart.enable=false)" : "",
                    render(failed));
      set_status(id, task_status::phase::failed, failed);
      break;
    }
    // A run longer than the back-off ceiling was healthy for a while: start the back-off over.
    if (std::chrono::steady_clock::now() - began > restart_max_) attempt = 0;
    auto wait = backoff_delay(attempt, restart_backoff_, restart_max_);
    ++attempt;
    {
      std::lock_guard lock(mu_);
      status_[static_cast<std::size_t>(id)].attempts = attempt;
    }
    set_status(id, task_status::phase::restarting, failed, unix_ms_now() + wait.count());
    logger->warn("{}: restarting in {} ms (attempt {}) after: {}", where, wait.count(), attempt,
                 render(failed));
    if (!sleep_unless_stopped(stop, wait)) break;
    std::lock_guard lock(mu_);
    ++status_[static_cast<std::size_t>(id)].restarts;
  }
  {
    std::lock_guard lock(mu_);
    auto& t = status_[static_cast<std::size_t>(id)];
    if (t.state != task_status::phase::failed) t.state = task_status::phase::stopped;
  }
  std::lock_guard lock(mu_);
  --live_tasks_;
}

}  // namespace sluice::sink
