#include "kafka/consumer.hpp"

#include <array>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/errors.hpp"

namespace sluice::kafka {

struct consumer::callbacks {
  std::string where;
  std::string bootstrap;
  rebalance_listener* listener = nullptr;
  std::exception_ptr pending;  // from the listener or a failed assign, rethrown from poll()
  bool cooperative = false;    // partition.assignment.strategy names cooperative-sticky
  bool subscribed = false;
  bool assigned_once = false;  // the first assignment (even an empty one) was served
};

namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const auto l = sluice::log::get("kafka");
  return l;
}

void keep_first(std::exception_ptr& pending, std::exception_ptr e) {
  if (!pending) pending = std::move(e);
}

// Applies an assignment change, translating the two protocols' different calls and results.
void apply(rd_kafka_t* rk, consumer::callbacks& cb, bool cooperative, bool assign,
           rd_kafka_topic_partition_list_t* partitions) {
  std::string why;
  if (cooperative) {
    error_ptr e{assign ? rd_kafka_incremental_assign(rk, partitions)
                       : rd_kafka_incremental_unassign(rk, partitions)};
    if (e) why = rd_kafka_error_string(e.get());
  } else {
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, assign ? partitions : nullptr);
    if (err) why = rd_kafka_err2str(err);
  }
  if (why.empty()) return;
  logger()->error("{}: cannot {} partitions: {}", cb.where, assign ? "assign" : "unassign", why);
  keep_first(cb.pending,
             std::make_exception_ptr(sluice::error(
                 {.what = assign ? "cannot assign partitions" : "cannot give up partitions",
                  .where = cb.where,
                  .why = why,
                  .fix = "restart the task; the group will rebalance",
                  .retryable = true})));
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto& cb = *static_cast<consumer::callbacks*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  std::vector<topic_partition> tps = from_list(partitions);

  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    cb.assigned_once = true;
    bool failed = false;
    if (cb.listener) {
      try {
        cb.listener->on_assigned(tps);
      } catch (...) {
        keep_first(cb.pending, std::current_exception());
        failed = true;
      }
    }
    // The listener may not keep the order: match by topic and partition.
    for (const auto& tp : tps) {
      if (auto* e = rd_kafka_topic_partition_list_find(partitions, tp.topic.c_str(), tp.partition))
        e->offset = tp.offset;
    }
    logger()->info("{}: assigned {} partition(s) ({})", cb.where, tps.size(),
                   cooperative ? "cooperative" : "eager");
    apply(rk, cb, cooperative, true, partitions);
    if (failed) rd_kafka_pause_partitions(rk, partitions);
    return;
  }

  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    logger()->info("{}: {} {} partition(s)", cb.where, lost ? "lost" : "revoking", tps.size());
    if (cb.listener) {
      try {
        cb.listener->on_revoked(tps);
      } catch (...) {
        keep_first(cb.pending, std::current_exception());
      }
    }
    apply(rk, cb, cooperative, false, partitions);
    return;
  }

  // Any other code is a failed rebalance: librdkafka asks to drop the whole assignment.
  logger()->error("{}: rebalance failed: {}", cb.where, rd_kafka_err2str(err));
  if (cb.listener && !tps.empty()) {
    try {
      cb.listener->on_revoked(tps);
    } catch (...) {
      keep_first(cb.pending, std::current_exception());
    }
  }
  rd_kafka_assign(rk, nullptr);
}

void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
               void* opaque) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  auto& cb = *static_cast<consumer::callbacks*>(opaque);
  // Expected while a group rebalances (callers retry or give the partitions up): not a warning.
  if (err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
    logger()->debug("{}: offset commit refused during a rebalance", cb.where);
    return;
  }
  logger()->warn("{}: offset commit failed: {}", cb.where, rd_kafka_err2str(err));
  for (int i = 0; offsets && i < offsets->cnt; ++i)
    if (offsets->elems[i].err)
      logger()->warn("{}: offset commit of {} [{}] at {} failed: {}", cb.where,
                     offsets->elems[i].topic, offsets->elems[i].partition,
                     offsets->elems[i].offset, rd_kafka_err2str(offsets->elems[i].err));
}

}  // namespace

partition_list_ptr to_list(const std::vector<topic_partition>& tps) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        tp.offset;
  return list;
}

std::vector<topic_partition> from_list(const rd_kafka_topic_partition_list_t* list) {
  std::vector<topic_partition> out;
  if (!list) return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  return out;
}

consumer::consumer(const settings& s, std::string where, rebalance_listener* listener)
    : callbacks_(std::make_unique<callbacks>()) {
  callbacks_->where = std::move(where);
  callbacks_->listener = listener;
  callbacks_->bootstrap = resolve_bootstrap(s);

  if (auto it = s.find("partition.assignment.strategy");
      it != s.end() && it->second.find("cooperative") != std::string::npos)
    callbacks_->cooperative = true;
  settings forced = s;
  forced["enable.auto.commit"] = "false";
  forced["enable.auto.offset.store"] = "false";
  conf_ptr conf = make_conf(forced, callbacks_->where);
  rd_kafka_conf_set_opaque(conf.get(), callbacks_.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), on_commit);
  std::array<char, 512> errstr{};
  handle_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr.data(), errstr.size()));
  if (!handle_)
    throw sluice::error({.what = "cannot create Kafka consumer",
                         .where = callbacks_->where,
                         .why = errstr.data(),
                         .fix = "correct the consumer settings named above",
                         .code = "INVALID_CONFIG"});
  conf.release();  // rd_kafka_new took it
  // One queue for messages, rebalances and errors: all served by poll() on one thread.
  rd_kafka_poll_set_consumer(handle_.get());
}

consumer::~consumer() {
  try {
    close();
  } catch (const std::exception& e) {
    logger()->warn("{}: close failed: {}", callbacks_ ? callbacks_->where : "consumer", e.what());
  } catch (...) {
  }
}

consumer::consumer(consumer&& o) noexcept
    : callbacks_(std::move(o.callbacks_)), handle_(std::move(o.handle_)), closed_(o.closed_) {}

consumer& consumer::operator=(consumer&& o) noexcept {
  if (this != &o) {
    try {
      close();
    } catch (...) {
    }
    handle_.reset();  // before the callbacks it points to
    callbacks_ = std::move(o.callbacks_);
    handle_ = std::move(o.handle_);
    closed_ = o.closed_;
  }
  return *this;
}

const std::string& consumer::where() const { return callbacks_->where; }

void consumer::rethrow_pending() {
  if (auto e = std::exchange(callbacks_->pending, nullptr)) std::rethrow_exception(e);
}

void consumer::subscribe(const std::vector<std::string>& topics) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) {
    // On an embedded broker, create the topic with its default partition count before the
    // first producer's metadata request auto-creates it with the mock's own default of 4.
    if (!t.empty() && t[0] != '^') ensure_embedded_topic(callbacks_->bootstrap, t);
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(handle_.get(), list.get()))
    throw to_error(err, "cannot subscribe", callbacks_->where);
  callbacks_->subscribed = true;
}

std::optional<message> consumer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count()));
  std::optional<message> out;
  if (m) out.emplace(m);
  rethrow_pending();
  return out;
}

void consumer::commit(const std::vector<topic_partition>& offsets, bool async) {
  if (offsets.empty()) return;  // librdkafka would commit the current positions instead
  partition_list_ptr list = to_list(offsets);
  rd_kafka_resp_err_t err = rd_kafka_commit(handle_.get(), list.get(), async ? 1 : 0);
  if (async || err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  throw to_error(err, "cannot commit offsets", callbacks_->where);
}

void consumer::pause(const std::vector<topic_partition>& partitions) {
  partition_list_ptr list = to_list(partitions);
  if (auto err = rd_kafka_pause_partitions(handle_.get(), list.get()))
    throw to_error(err, "cannot pause partitions", callbacks_->where);
}

void consumer::resume(const std::vector<topic_partition>& partitions) {
  partition_list_ptr list = to_list(partitions);
  if (auto err = rd_kafka_resume_partitions(handle_.get(), list.get()))
    throw to_error(err, "cannot resume partitions", callbacks_->where);
}

std::vector<topic_partition> consumer::assignment() {
  rd_kafka_topic_partition_list_t* raw_list = nullptr;
  if (auto err = rd_kafka_assignment(handle_.get(), &raw_list))
    throw to_error(err, "cannot read assignment", callbacks_->where);
  partition_list_ptr list(raw_list);
  return from_list(list.get());
}

std::optional<std::int64_t> consumer::high_watermark(const std::string& topic,
                                                     std::int32_t partition) {
  std::int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(handle_.get(), topic.c_str(), partition, &low, &high) ||
      high == RD_KAFKA_OFFSET_INVALID)
    return std::nullopt;
  return high;
}

std::size_t consumer::queued() {
  if (!handle_) return 0;
  queue_ptr q(rd_kafka_queue_get_consumer(handle_.get()));
  return q ? rd_kafka_queue_length(q.get()) : 0;
}

std::string consumer::setting(const char* name) {
  if (!handle_) return {};
  char buf[512];
  std::size_t size = sizeof buf;
  if (rd_kafka_conf_get(rd_kafka_conf(handle_.get()), name, buf, &size) != RD_KAFKA_CONF_OK) return {};
  return buf;
}

std::vector<topic_partition> consumer::committed(const std::vector<topic_partition>& partitions,
                                                 std::chrono::milliseconds timeout) {
  partition_list_ptr list = to_list(partitions);
  if (auto err =
          rd_kafka_committed(handle_.get(), list.get(), static_cast<int>(timeout.count())))
    throw to_error(err, "cannot read committed offsets", callbacks_->where);
  return from_list(list.get());
}

void consumer::close() {
  if (closed_ || !handle_) return;
  closed_ = true;
  if (callbacks_->cooperative && callbacks_->subscribed && !callbacks_->assigned_once) {
    // librdkafka before 2.3 (#4312) asserts when a cooperative-sticky consumer is closed after
    // its JoinGroup answer and before its first assignment (the sticky assignor's state does not
    // exist yet). Serve the group until that assignment arrived, bounded for a broker that is
    // gone; records read meanwhile are dropped (nothing was committed for them).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!callbacks_->assigned_once && std::chrono::steady_clock::now() < deadline)
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_.get(), 50))
        rd_kafka_message_destroy(m);
    if (!callbacks_->assigned_once)
      logger()->warn("{}: closing before the group's first assignment arrived (15 s)",
                     callbacks_->where);
  }
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(handle_.get());
  rethrow_pending();
  // _UNKNOWN_GROUP: never subscribed (manual assignment only), so there is no group to leave.
  if (err && err != RD_KAFKA_RESP_ERR__UNKNOWN_GROUP)
    throw to_error(err, "cannot leave the consumer group", callbacks_->where);
}

}  // namespace sluice::kafka
