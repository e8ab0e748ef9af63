#include "kafka/producer.hpp"

#include <array>
#include <mutex>

#include <fmt/format.h>

#include "core/log.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/errors.hpp"

namespace sluice::kafka {

struct producer::callbacks {
  std::string where;
  std::string bootstrap;
  std::function<void(const delivery_report&)> on_delivery;
  std::exception_ptr pending;  // thrown by on_delivery, rethrown from poll()/flush()

  // Only for an embedded broker: topics already ensured, so default_partitions applies to
  // topics this producer creates by producing to them.
  bool embedded = false;
  std::mutex topics_mu;
  std::unordered_set<std::string> known_topics;
};

namespace {

void on_delivery_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* cb = static_cast<producer::callbacks*>(opaque);
  if (!cb->on_delivery || cb->pending) return;
  delivery_report r{.token = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m->_private)),
                    .err = m->err,
                    .error_text = m->err ? rd_kafka_err2str(m->err) : std::string(),
                    .topic = m->rkt ? rd_kafka_topic_name(m->rkt) : std::string(),
                    .partition = m->partition,
                    .offset = m->offset};
  try {
    cb->on_delivery(r);
  } catch (...) {
    cb->pending = std::current_exception();
  }
}

void on_error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  static const auto logger = sluice::log::get("kafka");
  auto* cb = static_cast<producer::callbacks*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> buf{};
    code = rd_kafka_fatal_error(rk, buf.data(), buf.size());
    logger->error("{}: fatal producer error {}: {}", cb->where, rd_kafka_err2name(code), buf.data());
    return;
  }
  logger->warn("{}: {}: {}", cb->where, rd_kafka_err2name(code), reason);
}

const char* nonnull(std::string_view v) {
  static const char empty = 0;
  return v.data() ? v.data() : &empty;
}

}  // namespace

producer::producer(const settings& s, std::string where,
                   std::function<void(const delivery_report&)> on_delivery)
    : callbacks_(std::make_unique<callbacks>()) {
  callbacks_->where = std::move(where);
  callbacks_->on_delivery = std::move(on_delivery);
  callbacks_->bootstrap = resolve_bootstrap(s);
  callbacks_->embedded = is_embedded_bootstrap(callbacks_->bootstrap);

  settings with_defaults = s;
  // emplace keeps a value the settings give. murmur2_random places keys as the Java client does,
  // so sluice and JVM producers agree on a key's partition.
  with_defaults.emplace("enable.idempotence", "true");
  with_defaults.emplace("partitioner", "murmur2_random");
  conf_ptr conf = make_conf(with_defaults, callbacks_->where);
  rd_kafka_conf_set_opaque(conf.get(), callbacks_.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery_cb);
  rd_kafka_conf_set_error_cb(conf.get(), on_error_cb);
  std::array<char, 512> errstr{};
  handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
  if (!handle_)
    throw sluice::error({.what = "cannot create Kafka producer",
                         .where = callbacks_->where,
                         .why = errstr.data(),
                         .fix = "correct the producer settings named above",
                         .code = "INVALID_CONFIG"});
  conf.release();  // rd_kafka_new took it
}

producer::~producer() = default;
producer::producer(producer&&) noexcept = default;

producer& producer::operator=(producer&& o) noexcept {
  if (this != &o) {
    handle_.reset();  // before the callbacks it points to
    callbacks_ = std::move(o.callbacks_);
    handle_ = std::move(o.handle_);
  }
  return *this;
}

const std::string& producer::where() const { return callbacks_->where; }

rd_kafka_resp_err_t producer::produce(const std::string& topic, std::int32_t partition,
                                      std::optional<std::string_view> key,
                                      std::optional<std::string_view> value,
                                      const std::vector<header>& headers, std::uint64_t token) {
  if (callbacks_->embedded) {
    std::lock_guard lock(callbacks_->topics_mu);
    if (callbacks_->known_topics.insert(topic).second) {
      try {
        ensure_embedded_topic(callbacks_->bootstrap, topic);
      } catch (const sluice::error&) {
        callbacks_->known_topics.erase(topic);
        return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
      }
    }
  }
  headers_ptr hdrs;
  if (!headers.empty()) {
    hdrs.reset(rd_kafka_headers_new(headers.size()));
    for (const auto& h : headers)
      rd_kafka_header_add(hdrs.get(), h.name.data(), static_cast<ssize_t>(h.name.size()),
                          h.value.data(), h.value.size());
  }
  // The macros below cast their arguments without parentheses: pass plain variables.
  void* key_ptr = key ? const_cast<char*>(nonnull(*key)) : nullptr;
  std::size_t key_len = key ? key->size() : 0;
  void* value_ptr = value ? const_cast<char*>(nonnull(*value)) : nullptr;
  std::size_t value_len = value ? value->size() : 0;
  void* opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(token));
  rd_kafka_resp_err_t err = rd_kafka_producev(
      handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_VALUE(value_ptr, value_len),
      RD_KAFKA_V_HEADERS(hdrs.get()), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) hdrs.release();  // librdkafka owns them now
  return err;
}

void producer::rethrow_pending() {
  if (auto e = std::exchange(callbacks_->pending, nullptr)) std::rethrow_exception(e);
}

int producer::poll(int timeout_ms) {
  int served = rd_kafka_poll(handle_.get(), timeout_ms);
  rethrow_pending();
  return served;
}

void producer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  rethrow_pending();
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    throw sluice::error(
        {.what = "cannot deliver every record in time",
         .where = callbacks_->where,
         .why = fmt::format("{} record(s) still in flight after {} ms",
                            rd_kafka_outq_len(handle_.get()), timeout.count()),
         .fix = "check the brokers' health, or raise the flush timeout",
         .code = rd_kafka_err2name(err),
         .retryable = true});
  if (err) throw to_error(err, "cannot flush producer", callbacks_->where);
}

void producer::init_transactions(std::chrono::milliseconds timeout) {
  if (error_ptr e{rd_kafka_init_transactions(handle_.get(), static_cast<int>(timeout.count()))})
    throw to_error(e.get(), handle_.get(), "cannot initialise transactions", callbacks_->where);
}

void producer::begin_transaction() {
  if (error_ptr e{rd_kafka_begin_transaction(handle_.get())})
    throw to_error(e.get(), handle_.get(), "cannot begin transaction", callbacks_->where);
}

void producer::commit_transaction(std::chrono::milliseconds timeout) {
  error_ptr e{rd_kafka_commit_transaction(handle_.get(), static_cast<int>(timeout.count()))};
  rethrow_pending();  // commit serves delivery reports
  if (e) throw to_error(e.get(), handle_.get(), "cannot commit transaction", callbacks_->where);
}

void producer::abort_transaction(std::chrono::milliseconds timeout) {
  error_ptr e{rd_kafka_abort_transaction(handle_.get(), static_cast<int>(timeout.count()))};
  rethrow_pending();
  if (e) throw to_error(e.get(), handle_.get(), "cannot abort transaction", callbacks_->where);
}

std::optional<sluice::error> producer::fatal_error() const {
  std::array<char, 512> buf{};
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(handle_.get(), buf.data(), buf.size());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  auto e = to_error(err, "producer failed", callbacks_->where, buf.data());
  return e;
}

bool topic_exists(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  metadata_ptr owned(md);
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic && !md->topics[i].err) return true;
  return false;
}

void producer::create_topic_if_missing(const std::string& topic, int partitions,
                                       std::chrono::milliseconds timeout) {
  if (ensure_embedded_topic(callbacks_->bootstrap, topic, partitions)) return;
  const std::string where = fmt::format("{} topic {}", callbacks_->where, topic);
  std::array<char, 512> errstr{};
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, errstr.data(), errstr.size());
  if (!nt)
    throw sluice::error({.what = "cannot create topic", .where = where, .why = errstr.data()});
  queue_ptr q(rd_kafka_queue_new(handle_.get()));
  rd_kafka_CreateTopics(handle_.get(), &nt, 1, nullptr, q.get());
  rd_kafka_NewTopic_destroy(nt);  // CreateTopics copied it
  event_ptr ev(rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count())));
  if (!ev) throw to_error(RD_KAFKA_RESP_ERR__TIMED_OUT, "cannot create topic", where);
  if (auto err = rd_kafka_event_error(ev.get()))
    throw to_error(err, "cannot create topic", where, rd_kafka_event_error_string(ev.get()));
  std::size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  for (std::size_t i = 0; i < n; ++i) {
    auto err = rd_kafka_topic_result_error(results[i]);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      throw to_error(err, "cannot create topic", where,
                     rd_kafka_topic_result_error_string(results[i]));
  }
}

}  // namespace sluice::kafka
