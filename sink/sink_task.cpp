#include "sink/sink_task.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace sluice::sink {
namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

sink_task::sink_task(const sink_settings& s, int id, convert::converter_settings conv,
                     std::unique_ptr<writer> w, kafka::settings consumer_settings,
                     kafka::settings producer_settings, std::shared_ptr<task_metrics> metrics)
    : s_(s), id_(id), where_(fmt::format("sink '{}' task {}", s.connector, id)),
      converter_(conv), writer_(std::move(w)), dlq_(s, id, producer_settings),
      metrics_(std::move(metrics)) {
  consumer_ = std::make_unique<kafka::consumer>(consumer_settings, where_, this);
  // The bounds the consumer runs with (librdkafka validated them when it was made).
  queue_max_bytes_ = std::stoull(consumer_->setting("queued.max.messages.kbytes")) * 1024;
  queue_max_messages_ = std::stoull(consumer_->setting("queued.min.messages"));
  writer_thread_ = std::jthread([this](std::stop_token st) { writer_loop(st); });
}

sink_task::~sink_task() {
  {
    // Under the lock, so the writer cannot be between testing its wait's condition and sleeping
    // when the stop is requested (a wake-up lost there would leave join() waiting for ever).
    std::lock_guard lock(mu_);
    writer_thread_.request_stop();
  }
  cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  // Leave the group now, while the members the revocation callback (on_revoked) uses still
  // exist: the consumer is declared before them, so its own destructor would run that callback
  // on destroyed members when run() ended by an exception instead of its clean close().
  try {
    consumer_->close();
  } catch (const std::exception& e) {
    log::get("sink")->warn("{}: leaving the consumer group failed: {}", where_, e.what());
  }
  consumer_.reset();
}

void sink_task::writer_loop(std::stop_token st) {
  name_this_thread(fmt::format("sink-write-{}", id_));
  for (;;) {
    batch b;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return todo_.has_value() || st.stop_requested(); });
      if (!todo_) return;
      b = std::move(*todo_);
      todo_.reset();
    }
    std::optional<write_result> r;
    std::exception_ptr err;
    try {
      r = writer_->write(b, [this](const batch& bb, const std::vector<std::size_t>& failed) {
        const auto before = dlq_.sent();
        dlq_.send(bb, failed);
        metrics_->dlq_records += dlq_.sent() - before;
      });
      if (!r->conflict) {
        auto t = unix_ms();
        for (const auto& e : b.entries())
          metrics_->latency_seconds.observe(
              static_cast<double>(std::max<std::int64_t>(0, t - e.rec.pos.timestamp_ms)) / 1000.0);
      }
    } catch (...) {
      err = std::current_exception();
    }
    {
      std::lock_guard lock(mu_);
      done_ = std::move(r);
      writer_error_ = err;
      busy_ = false;
      spare_ = std::move(b);
    }
    cv_.notify_all();
  }
}

void sink_task::apply(write_result& r) {
  if (r.conflict) {
    ++metrics_->conflicts;
    throw error({.what = "stored offsets moved under this task", .where = where_,
                 .why = "another owner of these partitions committed first (a rebalance); "
                        "nothing of this batch was written",
                 .fix = "none needed: the task restarts and resumes from the stored offsets",
                 .retryable = true});
  }
  metrics_->records_written += r.rows_written;
  metrics_->records_failed += r.failed.size();
  metrics_->retries += static_cast<std::uint64_t>(r.retries);
  ++metrics_->batches;
  metrics_->batch_seconds.observe(r.db_seconds);
  metrics_->batch_rows.observe(static_cast<double>(r.rows_written) / 1000.0);
  metrics_->last_commit_unix_ms = unix_ms();
  {
    std::lock_guard lock(metrics_->mu);
    for (const auto& [k, off] : r.committed) metrics_->committed[k] = off;
  }
  for (const auto& [k, off] : r.committed) to_commit_[k] = off;
  if (r.fatal)
    throw error({.what = "stopping: a record cannot be written (errors.tolerance=none)",
                 .where = r.fatal->where.empty() ? where_ : r.fatal->where,
                 .why = r.fatal->what + (r.fatal->why.empty() ? "" : ": " + r.fatal->why),
                 .fix = r.fatal->fix.empty()
                            ? "fix the record or the table, or set errors.tolerance=all with "
                              "errors.deadletterqueue.topic.name to route bad records aside"
                            : r.fatal->fix + "; or set errors.tolerance=all to route bad records "
                                             "to errors.deadletterqueue.topic.name",
                 .code = r.fatal->code});
}

void sink_task::wait_writer_idle() {
  std::optional<write_result> r;
  std::exception_ptr err;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    r = std::move(done_);
    done_.reset();
    err = writer_error_;
    writer_error_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
  if (r) {
    apply(*r);
    commit_to_group(true);
  }
}

void sink_task::handoff() {
  // While the writer may still be busy with the previous batch: its own work on this one that
  // needs no connection (the ODBC writer fills the rows' parameters here).
  writer_->stage(pending_);
  refresh_lag(true);  // the wait below may be long (a locked table): show the lag it leaves
  wait_writer_idle();
  std::optional<batch> reuse;
  {
    std::lock_guard lock(mu_);
    todo_ = std::move(pending_);
    busy_ = true;
    reuse = std::exchange(spare_, std::nullopt);
  }
  cv_.notify_all();
  // The written records are freed here, on the thread that allocated them: freed on the writer's
  // thread they went back through the allocator's shared bins instead of this thread's cache
  // (malloc internals were 9% of a 1M-record run).
  if (reuse) reuse->recycle();
  pending_ = reuse ? std::move(*reuse) : batch();
  pending_since_ms_ = 0;
}

void sink_task::commit_to_group(bool async) {
  if (to_commit_.empty()) return;
  std::vector<kafka::topic_partition> offs;
  for (const auto& [k, off] : to_commit_) offs.push_back({k.first, k.second, off});
  to_commit_.clear();
  try {
    consumer_->commit(offs, async);
  } catch (const error& e) {
    // The database holds the truth; the group's offsets only feed lag tools.
    log::get("sink")->debug("{}: committing offsets to the group failed: {}", where_, e.what());
  }
}

void sink_task::add(const kafka::message& m) {
  auto key = m.key();
  auto val = m.value();
  std::size_t bytes = (key ? key->size() : 0) + (val ? val->size() : 0);
  ++metrics_->records_in;
  metrics_->bytes_in += bytes;
  if (pending_.empty()) pending_since_ms_ = now_ms();
  // Converted into a record of an earlier batch, whose buffers (the topic's name among them) are
  // reused: see record_converter::convert.
  sink_record rec = pending_.take_record();
  rec.pos.topic.assign(m.topic());
  rec.pos.partition = m.partition();
  rec.pos.offset = m.offset();
  rec.pos.timestamp_ms = m.timestamp_ms();
  batch_entry* entry = nullptr;
  try {
    converter_.convert(key, val, rec);
    entry = &pending_.add(std::move(rec), key, val, !s_.dlq_topic.empty());
  } catch (const error& e) {
    // Only the position: the row could not be read. Its storage is let go, too: a failed record
    // says nothing of the size of the next ones.
    rec = sink_record{.pos = std::move(rec.pos)};
    entry = &pending_.add(std::move(rec), key, val, !s_.dlq_topic.empty());
    auto info = e.info();
    info.code = "convert";
    entry->failure = info;
  }
  // Kept for the dead-letter queue, which forwards a record with its own headers as Kafka
  // Connect does; without one they are not parsed (librdkafka parses them on first access, 5%
  // of the consumer thread's time in a profile).
  if (!s_.dlq_topic.empty()) entry->headers = m.headers();
}

void sink_task::on_assigned(std::vector<kafka::topic_partition>& parts) {
  try {
    wait_writer_idle();
    std::vector<partition_key> keys;
    for (const auto& p : parts) keys.emplace_back(p.topic, p.partition);
    auto stored = writer_->load_offsets(keys);
    for (auto& p : parts) {
      auto it = stored.find({p.topic, p.partition});
      if (it != stored.end() && it->second) {
        p.offset = *it->second;
        std::lock_guard lock(metrics_->mu);
        metrics_->committed[it->first] = *it->second;
      }
    }
    log::get("sink")->info("{}: assigned {} partition(s)", where_, parts.size());
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
  }
}

void sink_task::on_revoked(const std::vector<kafka::topic_partition>& parts) {
  try {
    wait_writer_idle();
    commit_to_group(false);
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
  }
  std::vector<partition_key> keys;
  for (const auto& p : parts) keys.emplace_back(p.topic, p.partition);
  pending_.drop_partitions(keys);
  writer_->forget(keys);
  log::get("sink")->info("{}: gave up {} partition(s)", where_, parts.size());
}

// Lag per assigned partition from librdkafka's cached watermarks (no broker round trip): the
// high watermark minus the stored next offset, or minus the low watermark before anything of
// the partition was stored.
void sink_task::refresh_lag(bool now) {
  if (!now && now_ms() - lag_refreshed_ms_ < 1000) return;
  lag_refreshed_ms_ = now_ms();
  std::map<partition_key, std::int64_t> lag;
  std::lock_guard lock(metrics_->mu);
  for (const auto& p : consumer_->assignment()) {
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_->raw(), p.topic.c_str(), p.partition, &low, &high) ||
        high < 0)
      continue;
    partition_key k{p.topic, p.partition};
    auto it = metrics_->committed.find(k);
    lag[k] = std::max<std::int64_t>(0, high - (it != metrics_->committed.end() ? it->second
                                                                                : std::max<std::int64_t>(low, 0)));
  }
  metrics_->lag = std::move(lag);
}

// librdkafka before 2.4 stops fetching while the consumer's queue is over queued.min.messages /
// queued.max.messages.kbytes, and decides again only when its broker thread wakes up: for
// anything that reaches it (a request, a reply, an operation on one of its partitions), else
// after up to a second (2.4 added fetch.queue.backoff.ms). A consumer slower than the broker
// fills the queue, drains it, and then waits out the rest of that second.
//
// Two wake-ups cut that short, both by seeking partitions to the position the task has reached:
// - starved (poll() found nothing): every partition at least `wake_behind` records short of the
//   cached high watermark, and once nothing has come for `parked_ms`, every partition short of it
//   at all (once per position). Nothing is queued, so nothing is discarded (a fetch in flight is
//   sent again).
// - early (the queue, which had reached 90% of the bound, fell under half of it while partitions
//   are behind): one of them at a time, the least behind first, every 5 ms at most, each
//   partition at most once per filling of the queue. An operation on a partition wakes the
//   broker thread that leads it, which then decides again for the partitions it leads (in
//   practice fetching resumed only after a few seeks, hence more than one). A seek discards that
//   partition's queued records, which are fetched again: "behind" is measured from the position
//   the task has reached and so counts what is queued, and with one partition a seek discards
//   the whole (half-empty) queue. Without it the task starved for ~12 ms every 16 MiB
//   (every fourth batch of the 1M-record benchmark), and handed the writer a part-filled batch.
// Otherwise both act only on partitions `wake_behind` or more records behind: a consumer keeping
// up with a steady stream is a few records short between fetches, and seeking it there discards
// fetches in flight for nothing (the p99 latency at a steady 10k records/s went from <= 60-70 ms to
// <= 125-150 ms when every shortfall woke the fetcher).
namespace {
// A partition this far behind is lagging, not between two fetches: at 16 partitions and 10k
// records/s, a partition receives ~600 records a second.
constexpr std::int64_t wake_behind = 1000;
// A partition fewer records behind is sought only when the task has had nothing for this long,
// at most this often, and once per position and high watermark: a fetch in flight is answered
// well within it (fetch.wait.max.ms=10), so the fetcher is parked. That is the end of a backlog,
// whose last records otherwise waited out librdkafka's second (0.76-0.92 s, where neither of two
// tasks committed, in 3 of 7 one-million-record drains; RESULTS.md).
constexpr std::int64_t parked_ms = 50;
}  // namespace

void sink_task::wake_fetcher(bool starved) {
  const auto now = now_ms();
  if (now - last_wake_ms_ < 5) return;
  if (starved) {
    if (now - last_record_ms_ < 1) return;
  } else {
    if (now - last_queue_check_ms_ < 2 || metrics_->records_in == 0) return;
    last_queue_check_ms_ = now;
    const auto avg = std::max<std::uint64_t>(1, metrics_->bytes_in / metrics_->records_in);
    const auto queued = consumer_->queued();
    // librdkafka stops only at the bound: a queue that never came near it is being filled, and
    // seeking would discard fetches in flight (with a remote broker, continually). After the
    // bound was reached, each lagging partition is sought once at most, until it is reached again.
    if (queued * avg * 10 >= queue_max_bytes_ * 9 || queued * 10 >= queue_max_messages_ * 9) {
      filled_ = true;
      sought_.clear();
    }
    if (!filled_ || queued == 0 || queued * avg * 2 >= queue_max_bytes_ || queued * 2 >= queue_max_messages_)
      return;
  }
  kafka::partition_list_ptr list = kafka::to_list(consumer_->assignment());
  if (list->cnt == 0 || rd_kafka_position(consumer_->raw(), list.get())) return;
  // Starved: every partition `wake_behind` or more records behind. Early: one of them, not sought
  // yet in this filling, the least behind (its seek discards the fewest queued records); when all
  // have been sought, no more early wake-ups until the queue fills again.
  kafka::partition_list_ptr seek(rd_kafka_topic_partition_list_new(list->cnt));
  const bool parked = starved && now - last_record_ms_ >= parked_ms && now - last_wake_ms_ >= parked_ms;
  bool any_behind = false;
  const rd_kafka_topic_partition_t* least = nullptr;
  std::int64_t least_lag = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    std::int64_t low = 0, high = 0;
    if (e.offset < 0 || rd_kafka_get_watermark_offsets(consumer_->raw(), e.topic, e.partition, &low, &high))
      continue;
    const std::int64_t behind = high - e.offset;
    if (behind < wake_behind) {
      if (!parked || behind <= 0) continue;
      auto& at = parked_at_[{e.topic, e.partition}];
      if (at == std::pair{e.offset, high}) continue;
      at = {e.offset, high};
    }
    any_behind = true;
    if (starved) {
      rd_kafka_topic_partition_list_add(seek.get(), e.topic, e.partition)->offset = e.offset;
    } else if (!sought_.contains({e.topic, e.partition}) && (least == nullptr || high - e.offset < least_lag)) {
      least = &e;
      least_lag = high - e.offset;
    }
  }
  if (!any_behind) return;
  if (!starved) {
    if (least == nullptr) {
      filled_ = false;
      return;
    }
    sought_.insert({least->topic, least->partition});
    rd_kafka_topic_partition_list_add(seek.get(), least->topic, least->partition)->offset = least->offset;
  }
  last_wake_ms_ = now;
  ++metrics_->fetch_wakes;
  // Asynchronous (timeout 0): errors are not reported, the next poll() shows the outcome.
  if (auto* err = rd_kafka_seek_partitions(consumer_->raw(), seek.get(), 0)) rd_kafka_error_destroy(err);
}

// Paused: write and commit what was consumed, then pause every assigned partition and keep
// polling only to stay in the group (partitions assigned meanwhile are paused too; a record of
// theirs that arrived first stays pending until resume). Resuming fetches from the position
// after the last record read, so nothing is lost or read twice.
void sink_task::hold(std::stop_token stop, const std::atomic<bool>& paused) {
  if (!pending_.empty()) handoff();
  wait_writer_idle();
  commit_to_group(false);
  log::get("sink")->info("{}: paused", where_);
  struct holding_flag {  // cleared however hold() ends
    std::atomic<bool>& f;
    ~holding_flag() { f = false; }
  } holding{metrics_->paused};
  std::vector<kafka::topic_partition> held;
  while (paused.load() && !stop.stop_requested()) {
    if (auto now = consumer_->assignment(); now != held) {
      consumer_->pause(now);
      held = std::move(now);
    }
    metrics_->paused = true;
    if (auto m = consumer_->poll(std::chrono::milliseconds(100)); m && !m->error()) add(*m);
    if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
    refresh_lag(false);
  }
  consumer_->resume(consumer_->assignment());
  if (!stop.stop_requested()) log::get("sink")->info("{}: resumed", where_);
}

void sink_task::run(std::stop_token stop, const std::atomic<bool>* paused) {
  consumer_->subscribe(s_.topics);
  auto logger = log::get("sink");
  std::int64_t last_kafka_error_log = 0;
  while (!stop.stop_requested()) {
    if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
    if (paused && paused->load()) {
      hold(stop, *paused);
      continue;
    }
    refresh_lag(false);
    auto wait = std::chrono::milliseconds(100);
    if (!pending_.empty()) {
      auto left = s_.linger.count() - (now_ms() - pending_since_ms_);
      wait = std::chrono::milliseconds(std::max<std::int64_t>(0, std::min<std::int64_t>(left, 100)));
    }
    // Drain what librdkafka already has without blocking, up to the batch bound.
    auto first = consumer_->poll(wait);
    const bool starved = !first;
    if (first) last_record_ms_ = now_ms();
    for (auto m = std::move(first); m; m = consumer_->poll(std::chrono::milliseconds(0))) {
      if (m->error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->error() != RD_KAFKA_RESP_ERR__PARTITION_EOF && now_ms() - last_kafka_error_log > 5000) {
          last_kafka_error_log = now_ms();
          logger->warn("{}: Kafka: {} (librdkafka retries by itself)", where_, m->error_text());
        }
        break;
      }
      add(*m);
      if (pending_.size() >= s_.batch_size || pending_.bytes() >= s_.batch_max_bytes) break;
    }
    wake_fetcher(starved);
    if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
    {
      // Apply a finished write without waiting for one in progress.
      bool idle;
      {
        std::lock_guard lock(mu_);
        idle = !busy_ && (done_ || writer_error_);
      }
      if (idle) wait_writer_idle();
    }
    if (!pending_.empty() &&
        (pending_.size() >= s_.batch_size || pending_.bytes() >= s_.batch_max_bytes ||
         now_ms() - pending_since_ms_ >= s_.linger.count()))
      handoff();
  }
  // Graceful stop: write what is pending, commit, leave the group.
  if (!pending_.empty()) handoff();
  wait_writer_idle();
  commit_to_group(false);
  consumer_->close();
  logger->info("{}: stopped cleanly", where_);
}

}  // namespace sluice::sink
