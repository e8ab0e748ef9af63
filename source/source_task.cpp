#include "source/source_task.hpp"

#include <condition_variable>
#include <limits>
#include <mutex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/errors.hpp"
#include "kafka/handles.hpp"
#include "source/discovery.hpp"

namespace sluice::source {
namespace {

using clock = std::chrono::steady_clock;

// Token of the offset record produced inside a transaction (not a row).
constexpr std::uint64_t offset_token = std::numeric_limits<std::uint64_t>::max();
// Transactions of a long poll (an initial load) are committed at the first commit point past
// either limit, so one transaction never grows without bound.
constexpr std::size_t txn_max_records = 20000;
constexpr auto txn_max_age = std::chrono::seconds(2);
// Offsets of a long at-least-once poll are written at most this often.
constexpr auto save_interval = std::chrono::seconds(1);

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string target_name(const poll_target& t) {
  return t.table ? t.partition.table : std::string("query");
}

// Asks for every topic's metadata, never for the one: naming a missing topic makes brokers with
// auto-creation (and the embedded broker) create it with their defaults.
bool topic_exists(kafka::producer& p, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(p.raw(), 1, nullptr, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  kafka::metadata_ptr owned(md);
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic && !md->topics[i].err) return true;
  return false;
}

}  // namespace

source_task::source_task(const source_settings& s, int id, reader_factory readers,
                         std::shared_ptr<offset_store> offsets,
                         std::shared_ptr<table_assignment> tables, kafka::settings producer_settings,
                         std::shared_ptr<task_metrics> metrics,
                         std::shared_ptr<table_claims> claims)
    : s_(s),
      id_(id),
      where_(fmt::format("source '{}' task {}", s.connector, id)),
      readers_(std::move(readers)),
      offsets_(std::move(offsets)),
      tables_(std::move(tables)),
      producer_settings_(std::move(producer_settings)),
      metrics_(std::move(metrics)),
      claims_(std::move(claims)) {}

source_task::~source_task() = default;

void source_task::run(std::stop_token stop) {
  stop_ = stop;
  if (s_.semantics == delivery::at_least_once)
    producer_ = std::make_unique<kafka::producer>(
        producer_settings_, where_ + " producer",
        [this](const kafka::delivery_report& r) { on_delivery(r); });
  if (!tables_->wait_ready(stop)) return;
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    sync_tables();
    const auto now = clock::now();
    table_state* due = nullptr;
    auto next = now + std::chrono::milliseconds(200);  // also how soon new tables are noticed
    for (auto& [k, t] : states_) {
      if (t.next_poll <= now && (!due || t.next_poll < due->next_poll)) due = &t;
      next = std::min(next, t.next_poll);
    }
    if (due) {
      poll_table(*due);
      continue;
    }
    if (producer_) producer_->poll(0);
    std::unique_lock lock(m);
    cv.wait_until(lock, stop, next, [] { return false; });
  }
}

void source_task::sync_tables() {
  const auto targets = tables_->for_task(id_);
  std::map<std::string, std::pair<const poll_target*, std::uint64_t>> wanted;
  for (const auto& t : targets) {
    const std::uint64_t epoch = claims_ ? claims_->held(t.partition) : 0;
    if (claims_ && epoch == 0) continue;  // another worker's table now
    wanted[t.partition.json()] = {&t, epoch};
  }
  // A table lost and gained again since its state was built may have been polled elsewhere
  // meanwhile: its state (position) is rebuilt from the stored offsets.
  for (auto it = states_.begin(); it != states_.end();) {
    auto w = wanted.find(it->first);
    it = w != wanted.end() && w->second.second == it->second.epoch ? std::next(it) : states_.erase(it);
  }
  std::vector<source_partition> gained;
  for (const auto& [key, w] : wanted)
    if (!states_.contains(key)) {
      gained.push_back(w.first->partition);
      gained.insert(gained.end(), w.first->fallbacks.begin(), w.first->fallbacks.end());
    }
  if (claims_ && !gained.empty()) offsets_->refresh(gained);
  for (const auto& [key, w] : wanted) {
    if (states_.contains(key)) continue;
    const poll_target* t = w.first;
    const std::string where = fmt::format("{} {} \"{}\"", where_, t->table ? "table" : "query",
                                          target_name(*t));
    table_state st{readers_(*t, where), load_offset(*t, where)};
    st.epoch = w.second;
    states_.emplace(key, std::move(st));
  }
  metrics_->tables.store(states_.size(), std::memory_order_relaxed);
}

std::optional<source_offset> source_task::load_offset(const poll_target& t, const std::string& where) {
  if (auto o = offsets_->load(t.partition)) return o;
  // As Kafka Connect's JdbcSourceTask falls back to its protocol-0 partition: an offset stored
  // under an older name of the table is where to resume; the next save is under the new name.
  for (const auto& f : t.fallbacks)
    if (auto o = offsets_->load(f)) {
      log::get("source")->info("{}: no offset stored for \"{}\"; resuming from the one stored for \"{}\": {}",
                               where, t.partition.table, f.table, o->json());
      return o;
    }
  return std::nullopt;
}

kafka::producer& source_task::transactional_producer(table_state& t) {
  if (!t.txn) {
    kafka::settings ps = producer_settings_;
    ps["transactional.id"] = s_.connector + "-" + target_name(t.querier->target());
    t.txn = std::make_unique<kafka::producer>(
        ps, fmt::format("{} producer ({})", where_, ps["transactional.id"]),
        [this](const kafka::delivery_report& r) { on_delivery(r); });
    // A newer producer with this id fences any older one still running (a zombie poller), and
    // the broker aborts what that one left open.
    t.txn->init_transactions(std::chrono::seconds(60));
  }
  return *t.txn;
}

void source_task::confirm_claim() {
  if (!claims_ || !current_) return;
  if (claims_->confirm(current_->querier->target().partition)) return;
  throw error({.what = "table handed to another worker",
               .where = fmt::format("{} table {}", where_, target_name(current_->querier->target())),
               .why = "the cluster's group moved on without this worker (its session expired)",
               .fix = "nothing: the new owner continues from the stored offset",
               .code = "FENCED",
               .retryable = true});
}

void source_task::poll_table(table_state& t) {
  const auto start = clock::now();
  const poll_target& target = t.querier->target();
  if (claims_ && !claims_->begin_poll(target.partition, t.epoch)) {
    t.next_poll = start + s_.poll_interval;  // dropped at the next sync_tables
    return;
  }
  struct end_guard {
    table_claims* c;
    const source_partition& p;
    ~end_guard() {
      if (c) c->end_poll(p);
    }
  } guard{claims_.get(), target.partition};
  metrics_->polls.fetch_add(1, std::memory_order_relaxed);
  const auto rows_before = metrics_->rows_polled.load(std::memory_order_relaxed);
  current_ = &t;
  in_flight_.clear();
  failed_ = 0;
  last_commit_ = acked_offset_ = saved_offset_ = t.position;
  last_save_ = start;
  in_txn_ = false;
  try {
    confirm_claim();
    out_ = s_.semantics == delivery::exactly_once ? &transactional_producer(t) : producer_.get();
    if (!t.topic_ready) {
      t.topic_ready = true;
      if (!topic_exists(*out_, target.topic)) {
        try {
          // Briefly: a mock broker in another process never answers CreateTopics.
          out_->create_topic_if_missing(target.topic, -1, std::chrono::seconds(5));
        } catch (const error& e) {
          // Not every broker lets clients create topics; producing may still auto-create it.
          log::get("source")->warn("{}: cannot create topic {} ({}); producing to it anyway",
                                   where_, target.topic, e.what());
        }
      }
    }
    poll_outcome o;
    {
      // The lease is held for the bound statements and the read transaction only; waiting for
      // acknowledgements happens after the connection went back to the pool.
      o = t.querier->poll(t.position, *this);
    }
    log::get("source")->debug("{}: polled {}: {} row(s), bound {}, complete {}", where_,
                              target_name(target), o.rows, o.bound ? std::to_string(*o.bound) : "none",
                              o.complete);
    if (o.table_gone)
      log::get("source")->info("{}: {} was dropped or altered during the poll; it is read again "
                               "at the next poll if it still exists",
                               where_, target_name(target));
    if (s_.semantics == delivery::exactly_once) {
      if (in_txn_) commit_transaction();
    } else {
      out_->flush(std::chrono::seconds(120));
      check_delivery_failures();
      settle_acks();
      save_acked(true);
    }
    t.position = last_commit_;
  } catch (const error& e) {
    abort_quietly(t);
    current_ = nullptr;
    out_ = nullptr;
    if (e.info().code != "FENCED") {
      metrics_->poll_failures.fetch_add(1, std::memory_order_relaxed);
      throw;
    }
    log::get("source")->warn("{}: {}", where_, e.what());
    t.next_poll = start + s_.poll_interval;
    return;
  } catch (...) {
    metrics_->poll_failures.fetch_add(1, std::memory_order_relaxed);
    abort_quietly(t);
    current_ = nullptr;
    out_ = nullptr;
    throw;
  }
  current_ = nullptr;
  out_ = nullptr;
  t.next_poll = start + s_.poll_interval;
  metrics_->poll_seconds.observe(std::chrono::duration<double>(clock::now() - start).count());
  // In thousands of rows, so the histogram's bounds span 0.5 … 120000 rows.
  metrics_->rows_per_poll.observe(
      static_cast<double>(metrics_->rows_polled.load(std::memory_order_relaxed) - rows_before) /
      1000.0);
}

void source_task::on_row(const row_plan& plan, const std::vector<value>& row,
                         const std::vector<std::string_view>& texts) {
  metrics_->rows_polled.fetch_add(1, std::memory_order_relaxed);
  begin_if_needed();
  const std::optional<std::string> key = plan.encode_key(row, texts);
  plan.encode_value(row, value_buf_);
  const std::uint64_t seq = next_seq_++;
  in_flight_.push_back({seq});
  const std::string& topic = current_->querier->target().topic;
  for (;;) {
    const auto err = out_->produce(topic, -1, key ? std::optional<std::string_view>(*key) : std::nullopt,
                                   value_buf_, {}, seq);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      out_->poll(10);
      check_delivery_failures();
      settle_acks();
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL)
      if (auto fatal = out_->fatal_error()) throw *fatal;
    if (err) throw kafka::to_error(err, "cannot publish a row", fmt::format("{} topic {}", where_, topic));
    break;
  }
  metrics_->records_produced.fetch_add(1, std::memory_order_relaxed);
  ++txn_records_;
  if (++rows_since_poll_ >= 256) {
    rows_since_poll_ = 0;
    out_->poll(0);
    check_delivery_failures();
    settle_acks();
  }
}

void source_task::on_commit_point(const source_offset& offset) {
  last_commit_ = offset;
  if (in_flight_.empty()) acked_offset_ = offset;  // every record before it is already acked
  else in_flight_.back().commit = offset;
  settle_acks();
  if (s_.semantics == delivery::exactly_once) {
    if (in_txn_ && (txn_records_ >= txn_max_records || clock::now() - txn_started_ >= txn_max_age))
      commit_transaction();
  } else {
    save_acked(false);
  }
}

bool source_task::keep_going() {
  if (stop_.stop_requested()) return false;
  // Cluster: a table being handed over ends its poll at this commit point.
  return !claims_ || !current_ || claims_->held(current_->querier->target().partition) == current_->epoch;
}

void source_task::on_delivery(const kafka::delivery_report& r) {
  if (r.err) {
    if (failed_++ == 0) first_failure_ = fmt::format("{} [{}]: {}", r.topic, r.partition, r.error_text);
    return;
  }
  if (r.token == offset_token) return;
  metrics_->records_acked.fetch_add(1, std::memory_order_relaxed);
  metrics_->last_ack_unix_ms.store(unix_ms_now(), std::memory_order_relaxed);
  if (in_flight_.empty() || r.token < in_flight_.front().seq) return;
  const auto i = static_cast<std::size_t>(r.token - in_flight_.front().seq);
  if (i < in_flight_.size()) in_flight_[i].acked = true;
}

void source_task::settle_acks() {
  while (!in_flight_.empty() && in_flight_.front().acked) {
    if (in_flight_.front().commit) acked_offset_ = in_flight_.front().commit;
    in_flight_.pop_front();
  }
}

void source_task::save_acked(bool force) {
  if (!acked_offset_ || acked_offset_ == saved_offset_) return;
  const auto now = clock::now();
  if (!force && now - last_save_ < save_interval) return;
  confirm_claim();
  offsets_->save(current_->querier->target().partition, *acked_offset_);
  saved_offset_ = acked_offset_;
  last_save_ = now;
  metrics_->offsets_written.fetch_add(1, std::memory_order_relaxed);
  if (acked_offset_->timestamp_us)
    metrics_->newest_published_ts_ms.store(*acked_offset_->timestamp_us / 1000, std::memory_order_relaxed);
}

void source_task::check_delivery_failures() {
  if (failed_ == 0) return;
  throw error({.what = "cannot publish rows", .where = where_,
               .why = fmt::format("{} record(s) were not acknowledged; first: {}", failed_, first_failure_),
               .fix = "check the brokers and the topic; the task restarts from the stored offset",
               .retryable = true});
}

void source_task::begin_if_needed() {
  if (s_.semantics != delivery::exactly_once || in_txn_) return;
  out_->begin_transaction();
  in_txn_ = true;
  txn_records_ = 0;
  txn_started_ = clock::now();
}

void source_task::commit_transaction() {
  confirm_claim();  // a fenced owner aborts instead (and a real broker fences its producer too)
  const auto& partition = current_->querier->target().partition;
  const bool new_offset = last_commit_ && last_commit_ != saved_offset_;
  if (new_offset) {
    const std::string key = offset_key(s_.connector, partition), value = last_commit_->json();
    for (;;) {
      const auto err = out_->produce(s_.offsets_topic, -1, key, value, {}, offset_token);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        out_->poll(10);
        continue;
      }
      if (err) throw kafka::to_error(err, "cannot write the offset", where_);
      break;
    }
  }
  out_->commit_transaction(std::chrono::seconds(120));
  in_txn_ = false;
  check_delivery_failures();
  // Committed: every record of the transaction is published, with its offset.
  in_flight_.clear();
  acked_offset_ = last_commit_;
  if (new_offset) {
    offsets_->remember(partition, *last_commit_);
    saved_offset_ = last_commit_;
    metrics_->offsets_written.fetch_add(1, std::memory_order_relaxed);
    if (last_commit_->timestamp_us)
      metrics_->newest_published_ts_ms.store(*last_commit_->timestamp_us / 1000, std::memory_order_relaxed);
  }
}

void source_task::abort_quietly(table_state& t) noexcept {
  if (!in_txn_ || !t.txn) return;
  in_txn_ = false;
  try {
    t.txn->abort_transaction(std::chrono::seconds(30));
  } catch (const std::exception& e) {
    log::get("source")->warn("{}: abort after a failed poll: {}", where_, e.what());
    t.txn.reset();  // a fresh producer (init_transactions) aborts what is left
  }
  if (t.txn && t.txn->fatal_error()) t.txn.reset();
}

}  // namespace sluice::source
