#include "source/source_connector.hpp"

#include <cctype>
#include <chrono>
#include <condition_variable>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/backoff.hpp"
#include "core/log.hpp"
#include "sink/sink_connector.hpp"
#include "source/commit_bounds.hpp"
#include "source/discovery.hpp"
#include "dialects/odbc/poll_sql.hpp"

namespace sluice::source {
namespace {

// Sleeps for `d` or until stop is requested; returns false when stopped.
bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
}

std::string names(const std::vector<poll_target>& ts) {
  std::string out;
  for (const auto& t : ts) {
    if (!out.empty()) out += ", ";
    out += t.table ? t.partition.table : "query";
  }
  return out.empty() ? "none" : out;
}

// "table.whitelist entry "shop.orderz" names no table; …": what was asked for and what exists.
std::string unmatched_message(const std::vector<std::string>& entries, const std::vector<pg::table_ref>& all,
                              std::string_view catalog, const source_settings& s) {
  std::string asked, found;
  for (const auto& e : entries) asked += fmt::format("{}\"{}\"", asked.empty() ? "" : ", ", e);
  constexpr std::size_t shown = 50;
  for (std::size_t i = 0; i < all.size() && i < shown; ++i)
    found += fmt::format("{}{}", i ? ", " : "", qualified_name(all[i], catalog));
  if (all.size() > shown) found += fmt::format(" and {} more", all.size() - shown);
  return fmt::format("table.whitelist {} {} {} no table (names are exact and case-sensitive: the table, "
                     "or its qualified name as listed here); the tables of table.types {}{} are: {}",
                     entries.size() == 1 ? "entry" : "entries", asked, entries.size() == 1 ? "names" : "name",
                     fmt::join(s.table_types, ","),
                     s.schema_pattern ? fmt::format(" in schemas like '{}'", *s.schema_pattern) : "",
                     found.empty() ? "none" : found);
}

}  // namespace

std::string topic_for(const source_settings& s, const std::optional<pg::table_ref>& table) {
  if (!table) return s.topic_prefix;
  // Kafka topic names allow only ASCII letters, digits, '.', '_' and '-': other bytes of a table
  // name (spaces, quotes, UTF-8) become '_', as Debezium sanitizes them.
  std::string name = table->table;
  for (char& ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) && c < 0x80) && c != '.' && c != '_' && c != '-') ch = '_';
  }
  return s.topic_prefix + name;
}

source_connector::source_connector(config::connector_config cfg,
                                   std::optional<cluster_membership> cluster)
    : cfg_(std::move(cfg)), s_(source_settings::from(cfg_)), cluster_(std::move(cluster)),
      restart_enabled_(cfg_.get_bool("errors.restart.enable")),
      restart_backoff_(cfg_.get_int("errors.restart.backoff.ms")),
      restart_max_(cfg_.get_int("errors.restart.max.ms")) {
  table_filter check(s_);  // throws now for a bad regular expression or table name
}

source_connector::~source_connector() { stop(); }

void source_connector::start() {
  // The process-wide pool of this database, shared with every other connector naming it.
  if (sink::uses_odbc(cfg_)) {
    odbc_pool_ = sink::odbc_pool_for(cfg_);
    readers_ = odbc_readers(s_, cfg_.connection().kind, odbc_pool_);
  } else {
    pool_ = sink::postgres_pool_for(cfg_);
    readers_ = pg_readers(s_, pool_);
  }
  kafka::settings ps = sink::producer_settings(cfg_);
  // Bound what the producer buffers (librdkafka's default is 1 GiB) so memory stays flat during
  // an initial load; produce() then waits for acknowledgements instead.
  ps.emplace("queue.buffering.max.kbytes", "32768");
  if (s_.offsets_topic.empty())
    offsets_ = std::make_shared<file_offset_store>(s_.offsets_file, s_.connector);
  else
    offsets_ = std::make_shared<topic_offset_store>(ps, s_.offsets_topic, s_.connector);
  tables_ = std::make_shared<table_assignment>(s_.tasks);
  if (cluster_) {
    if (s_.offsets_topic.empty())
      log::get("source")->warn("source '{}': offsets are kept in a file on this worker "
                               "(offset.storage.file.filename) although it runs in a cluster: a "
                               "worker taking a table over starts from its own file",
                               s_.connector);
    claims_options co;
    co.client["bootstrap.servers"] = cfg_.get_string("bootstrap.servers");
    for (const auto& [k, v] : cfg_.with_prefix("kafka.")) co.client[k] = v;
    std::string safe = s_.connector;
    for (char& ch : safe)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-') ch = '_';
    co.group = fmt::format("{}-source-{}", cluster_->group_id, s_.connector);
    co.topic = fmt::format("{}-tables-{}", cluster_->group_id, safe);
    co.session_timeout = cluster_->session_timeout;
    co.where = fmt::format("source '{}' table claims", s_.connector);
    claims_ = std::make_shared<table_claims>(std::move(co));
    claims_->start();  // throws when the broker cannot be reached: the start is retried
  }
  for (int i = 0; i < s_.tasks; ++i) metrics_.push_back(std::make_shared<task_metrics>());
  live_tasks_ = s_.tasks;
  if (!s_.query.empty())
    tables_->update({poll_target{std::nullopt, source_partition{}, topic_for(s_, std::nullopt)}});
  else
    threads_.emplace_back([this](std::stop_token st) { monitor_main(st); });
  for (int i = 0; i < s_.tasks; ++i)
    threads_.emplace_back([this, i](std::stop_token st) { task_main(i, st); });
}

void source_connector::stop() {
  for (auto& t : threads_) t.request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  if (claims_) claims_->stop();  // after the tasks: their offsets are stored, the others go on
}

bool source_connector::running() const {
  std::lock_guard lock(mu_);
  return live_tasks_ > 0;
}

std::optional<error_info> source_connector::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void source_connector::fail(const error_info& e) {
  std::lock_guard lock(mu_);
  if (!failure_) failure_ = e;
}

void source_connector::monitor_main(std::stop_token stop) {
  auto logger = log::get("source");
  const auto where = fmt::format("source '{}' table monitor", s_.connector);
  const table_filter filter(s_);
  const auto interval = std::max(s_.table_poll_interval, std::chrono::milliseconds(100));
  std::string listed;
  std::vector<std::string> unmatched;  // whitelist entries naming no table, as last warned
  bool checked_privileges = false;
  for (int attempt = 0; !stop.stop_requested();) {
    try {
      std::vector<poll_target> targets;
      std::vector<pg::table_ref> all;
      std::string catalog;  // Confluent's TableId catalog (odbc::source_catalog)
      if (odbc_pool_) {
        auto lease = odbc_pool_->acquire(where);
        auto d = odbc::make_dialect(cfg_.connection().kind, {.quote_always = s_.quoting == pg::quoting::always});
        d->adapt(*lease);
        catalog = odbc::source_catalog(*d, *lease);
        for (auto& id : odbc::list_tables(*d, *lease, s_.table_types))
          all.push_back({std::move(id.schema), std::move(id.table)});
      } else {
        auto lease = pool_->acquire(where);
        if (!checked_privileges && s_.m != mode::bulk) {
          checked_privileges = true;
          if (!sees_all_sessions(*lease))
            logger->warn("{}: this user cannot see other users' sessions in pg_stat_activity; "
                         "the no-row-lost bound then waits for (or may miss) their transactions. "
                         "GRANT pg_read_all_stats TO <this user>",
                         where);
        }
        all = list_tables(*lease, s_);
      }
      for (const auto& t : all) {
        if (!filter.selected(t, catalog)) continue;
        poll_target target{t, source_partition{qualified_name(t, catalog)}, topic_for(s_, t), {}};
        for (auto& name : fallback_partition_names(t, catalog)) target.fallbacks.push_back({std::move(name)});
        targets.push_back(std::move(target));
      }
      if (auto missing = filter.unmatched_whitelist(all, catalog); missing != unmatched) {
        unmatched = std::move(missing);
        if (!unmatched.empty()) logger->warn("{}: {}", where, unmatched_message(unmatched, all, catalog, s_));
      }
      tables_->update(targets);
      if (auto now = names(targets); now != listed) {
        logger->info("{}: polling {} table(s): {}", where, targets.size(), now);
        listed = now;
      }
      attempt = 0;
      if (!sleep_unless_stopped(stop, interval)) break;
    } catch (const error& e) {
      if (!e.retryable()) {
        logger->error("{}: failed: {}", where, e.what());
        fail(e.info());
        break;
      }
      const auto wait = backoff_delay(attempt++, restart_backoff_, restart_max_);
      logger->warn("{}: retrying in {} ms after: {}", where, wait.count(), e.what());
      if (!sleep_unless_stopped(stop, wait)) break;
    }
  }
}

void source_connector::task_main(int id, std::stop_token stop) {
  auto logger = log::get("source");
  const auto where = fmt::format("source '{}' task {}", s_.connector, id);
  kafka::settings ps = sink::producer_settings(cfg_);
  ps.emplace("queue.buffering.max.kbytes", "32768");
  for (int attempt = 0; !stop.stop_requested(); ++attempt) {
    try {
      source_task task(s_, id, readers_, offsets_, tables_, ps, metrics_[static_cast<std::size_t>(id)],
                       claims_);
      task.run(stop);
      break;
    } catch (const error& e) {
      if (!e.retryable() || !restart_enabled_) {
        logger->error("{}: failed{}: {}", where,
                      e.retryable() ? " (errors.restart.enable=false)" : "", e.what());
        fail(e.info());
        break;
      }
      const auto wait = backoff_delay(attempt, restart_backoff_, restart_max_);
      logger->warn("{}: restarting in {} ms after: {}", where, wait.count(), e.what());
      if (!sleep_unless_stopped(stop, wait)) break;
    } catch (const std::exception& e) {
      logger->error("{}: failed: {}", where, e.what());
      fail(error_info{.what = e.what(), .where = where});
      break;
    }
  }
  std::lock_guard lock(mu_);
  --live_tasks_;
}

}  // namespace sluice::source
