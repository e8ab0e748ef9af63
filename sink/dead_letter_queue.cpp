#include "sink/dead_letter_queue.hpp"

#include <fmt/format.h>

#include "core/log.hpp"

namespace sluice::sink {

dead_letter_queue::dead_letter_queue(const sink_settings& s, int task,
                                     const kafka::settings& producer_settings)
    : s_(s), task_(task) {
  if (!s_.dlq_topic.empty())
    producer_ = std::make_unique<kafka::producer>(
        producer_settings, fmt::format("sink '{}' dead-letter queue", s_.connector),
        [this](const kafka::delivery_report& r) {
          if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR && delivery_error_.empty())
            delivery_error_ = r.error_text;
        });
}

void dead_letter_queue::send(const batch& b, const std::vector<std::size_t>& failed) {
  auto logger = log::get("sink");
  for (auto i : failed) {
    const auto& e = b.entries()[i];
    const auto& f = *e.failure;
    if (!producer_ || s_.errors_log)
      logger->warn("sink '{}': skipping record {}[{}]@{} (errors.tolerance=all): {}", s_.connector,
                   e.rec.pos.topic, e.rec.pos.partition, e.rec.pos.offset, render(f));
  }
  if (!producer_) return;
  for (auto i : failed) {
    const auto& e = b.entries()[i];
    const auto& f = *e.failure;
    std::vector<kafka::header> h;
    if (s_.dlq_context_headers) {
      bool convert = f.code == "convert";
      h = {{"__connect.errors.topic", e.rec.pos.topic},
           {"__connect.errors.partition", std::to_string(e.rec.pos.partition)},
           {"__connect.errors.offset", std::to_string(e.rec.pos.offset)},
           {"__connect.errors.connector.name", s_.connector},
           {"__connect.errors.task.id", std::to_string(task_)},
           {"__connect.errors.stage", convert ? "VALUE_CONVERTER" : "TASK_PUT"},
           {"__connect.errors.class.name",
            convert ? "org.apache.kafka.connect.json.JsonConverter"
                    : "io.confluent.connect.jdbc.sink.JdbcSinkTask"},
           {"__connect.errors.exception.class.name",
            convert ? "org.apache.kafka.connect.errors.DataException"
                    : "java.sql.SQLException"},
           {"__connect.errors.exception.message", render(f)},
           {"__connect.errors.exception.stacktrace", render(f)}};
    }
    // The record's own headers go first, as Kafka Connect's dead-letter queue forwards them.
    h.insert(h.begin(), e.headers.begin(), e.headers.end());
    for (;;) {
      auto err = producer_->produce(s_.dlq_topic, -1, b.raw(e.raw_key), b.raw(e.raw_value), h, i);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        throw error({.what = "cannot send a record to the dead-letter queue",
                     .where = fmt::format("sink '{}' topic '{}'", s_.connector, s_.dlq_topic),
                     .why = rd_kafka_err2str(err),
                     .fix = "check errors.deadletterqueue.topic.name and the broker",
                     .code = rd_kafka_err2name(err),
                     .retryable = true});
      producer_->poll(10);
    }
    ++sent_;
  }
  producer_->flush(std::chrono::seconds(30));
  if (!delivery_error_.empty())
    throw error({.what = "the dead-letter queue did not take a record",
                 .where = fmt::format("sink '{}' topic '{}'", s_.connector, s_.dlq_topic),
                 .why = std::exchange(delivery_error_, {}),
                 .fix = "check errors.deadletterqueue.topic.name and the broker; nothing was "
                        "committed, the batch is retried",
                 .retryable = true});
}

}  // namespace sluice::sink
