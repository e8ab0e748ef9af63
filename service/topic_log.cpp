#include "service/topic_log.hpp"

#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/errors.hpp"
#include "kafka/handles.hpp"

namespace sluice::service {
namespace {

int partition_count(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout,
                    const std::string& where) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    kafka::topic_ptr t(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, t.get(), &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      kafka::metadata_ptr owned(md);
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          md->topics[0].partition_cnt > 0)
        return md->topics[0].partition_cnt;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw error({.what = "cannot read the cluster topic", .where = where,
                   .why = fmt::format("the metadata of topic {} did not arrive in time", topic),
                   .fix = "check --bootstrap-servers and that the broker allows the topic (or "
                          "create it, compacted)",
                   .retryable = true});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

topic_log::topic_log(kafka::settings client, std::string topic, std::string where)
    : client_(std::move(client)), topic_(std::move(topic)), where_(std::move(where)) {}

topic_log::~topic_log() { stop(); }

void topic_log::start(handler on_record, std::chrono::milliseconds timeout) {
  on_record_ = std::move(on_record);
  kafka::settings ps = client_;
  ps["linger.ms"] = "0";
  // A record is delivered or failed within the wait of publish(), never later: a change refused
  // with 500 must not take effect afterwards.
  ps["message.timeout.ms"] = "10000";
  // A request to a broker that stopped answering (partitioned, not closed) fails after 5 s, not
  // librdkafka's default of 60 s.
  ps["socket.timeout.ms"] = "5000";
  producer_ = std::make_unique<kafka::producer>(ps, where_ + " producer",
                                                [this](const kafka::delivery_report& r) {
                                                  // Only the record being published now: a late
                                                  // report of an earlier one must not fail it.
                                                  if (r.err && r.token == sent_) failure_ = r.error_text;
                                                });
  try {
    // One partition keeps every key in one order; a topic created beforehand may have more.
    if (!kafka::topic_exists(producer_->raw(), topic_, timeout))
      producer_->create_topic_if_missing(topic_, 1, std::chrono::seconds(5));
  } catch (const error& e) {
    log::get("service")->warn("{}: cannot create topic {} ({}); relying on the broker's "
                              "auto-creation",
                              where_, topic_, e.what());
  }
  kafka::settings cs = client_;
  // Never joins a group (manual assignment); librdkafka's consumer needs an id anyway.
  cs["group.id"] = "sluice-cluster-reader";
  cs["enable.partition.eof"] = "false";
  // Other workers' changes must arrive soon after a broker outage: a fetch to a broker that
  // stopped answering is abandoned after 10 s, not 60 (fetches wait at most fetch.wait.max.ms).
  cs["socket.timeout.ms"] = "10000";
  // Records are applied idempotently, so a reset position reads from the beginning again.
  cs["auto.offset.reset"] = "earliest";
  consumer_ = std::make_unique<kafka::consumer>(cs, where_ + " reader", nullptr);
  const int n = partition_count(consumer_->raw(), topic_, timeout, where_);
  std::vector<kafka::topic_partition> all;
  std::map<std::int32_t, std::int64_t> end;
  for (int p = 0; p < n; ++p) {
    std::int64_t lo = 0, hi = 0;
    if (auto err = rd_kafka_query_watermark_offsets(consumer_->raw(), topic_.c_str(), p, &lo, &hi,
                                                    static_cast<int>(timeout.count())))
      throw kafka::to_error(err, "cannot read the cluster topic", where_);
    if (hi > lo) end[p] = hi;
    all.push_back({topic_, p, RD_KAFKA_OFFSET_BEGINNING});
  }
  auto list = kafka::to_list(all);
  if (auto err = rd_kafka_assign(consumer_->raw(), list.get()))
    throw kafka::to_error(err, "cannot read the cluster topic", where_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!end.empty()) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw error({.what = "cannot read the cluster topic", .where = where_,
                   .why = fmt::format("topic {} was not read to its end in time", topic_),
                   .fix = "check the broker", .retryable = true});
    auto m = consumer_->poll(std::chrono::milliseconds(200));
    if (!m || m->error()) continue;
    const auto key = m->key();
    const auto value = m->value();
    if (key)
      on_record_(std::string(*key),
                 value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
    if (auto it = end.find(m->partition()); it != end.end() && m->offset() + 1 >= it->second)
      end.erase(it);
  }
  reader_ = std::jthread([this](std::stop_token st) { run(st); });
}

void topic_log::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      auto m = consumer_->poll(std::chrono::milliseconds(100));
      if (!m) continue;
      if (m->error()) {
        log::get("service")->debug("{}: {}", where_, m->error_text());
        continue;
      }
      const auto key = m->key();
      const auto value = m->value();
      if (key)
        on_record_(std::string(*key),
                   value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
    } catch (const std::exception& e) {
      // One bad record or a failed apply must not stop the worker from following the cluster.
      log::get("service")->error("{}: {}", where_, e.what());
    }
  }
}

void topic_log::stop() {
  if (reader_.joinable()) {
    reader_.request_stop();
    reader_.join();
  }
  consumer_.reset();
  std::lock_guard lock(publish_mu_);
  producer_.reset();
}

void topic_log::publish(const std::string& key, const std::optional<std::string>& value) {
  std::lock_guard lock(publish_mu_);
  if (!producer_)
    throw error({.what = "cannot publish to the cluster topic", .where = where_,
                 .why = "the worker is stopping", .retryable = true});
  failure_.clear();
  ++sent_;
  for (;;) {
    const auto err = producer_->produce(
        topic_, -1, key, value ? std::optional<std::string_view>(*value) : std::nullopt, {}, sent_);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      producer_->poll(10);
      continue;
    }
    if (err) throw kafka::to_error(err, "cannot publish to the cluster topic", where_);
    break;
  }
  producer_->flush(std::chrono::seconds(15));
  if (!failure_.empty())
    throw error({.what = "cannot publish to the cluster topic", .where = where_,
                 .why = failure_, .fix = "check the broker; the request can be repeated",
                 .retryable = true});
}

}  // namespace sluice::service
