#include "tests/sink/stream.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "kafka/producer.hpp"

namespace sluice::testing {

record_stream::record_stream(std::string bootstrap, std::string topic, int total, int per_tick,
                             std::chrono::milliseconds tick)
    : bootstrap_(std::move(bootstrap)), topic_(std::move(topic)), total_(total),
      per_tick_(per_tick), tick_(tick), hold_at_(total),
      positions_(static_cast<std::size_t>(total), {-1, -1}),
      thread_([this](std::stop_token st) { run(st); }) {}

record_stream::~record_stream() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::string record_stream::value(std::int64_t seq) {
  static const auto schema = make_schema({field("seq", type_kind::int64, false),
                                          field("note", type_kind::string)},
                                         "stream.Value");
  return connect_json(*schema, {num(seq), str(fmt::format("record number {}", seq))});
}

void record_stream::run(std::stop_token stop) {
  std::atomic<int> failed{0};
  std::string first_error;
  try {
    // Idempotent (the producer's default), so the broker going away does not duplicate records.
    kafka::producer p({{"bootstrap.servers", bootstrap_}, {"linger.ms", "5"},
                       {"reconnect.backoff.max.ms", "500"}},
                      "test stream",
                      [&](const kafka::delivery_report& r) {
                        if (r.err && failed++ == 0) first_error = r.error_text;
                        if (!r.err) positions_[r.token] = {r.partition, r.offset};
                      });
    auto next = std::chrono::steady_clock::now();
    for (int seq = 0; seq < total_ && !stop.stop_requested();) {
      while (seq >= hold_at_.load() && !stop.stop_requested()) {
        p.poll(10);
        next = std::chrono::steady_clock::now();
      }
      for (int i = 0; i < per_tick_ && seq < std::min(total_, hold_at_.load()); ++i, ++seq) {
        auto key = std::to_string(seq);
        auto val = value(seq);
        for (;;) {
          auto err = p.produce(topic_, -1, key, val, {}, static_cast<std::uint64_t>(seq));
          if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
          if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            throw std::runtime_error(fmt::format("produce failed: {}", rd_kafka_err2str(err)));
          p.poll(10);
        }
        ++queued_;
      }
      p.poll(0);
      next += tick_;
      std::this_thread::sleep_until(next);
    }
    p.flush(std::chrono::seconds(90));
  } catch (const std::exception& e) {
    error_ = e.what();
    return;
  }
  if (failed) error_ = fmt::format("{} records failed: {}", failed.load(), first_error);
}

bool record_stream::wait() {
  if (thread_.joinable()) thread_.join();
  return error_.empty() && queued_ == total_;
}

::testing::AssertionResult holds_exactly_once(const sink_env& env, const std::string& table, int n,
                                              const sink::sink_connector* c,
                                              std::chrono::milliseconds timeout,
                                              const std::string& connector) {
  auto count = env.eventually("SELECT count(*) FROM " + table, std::to_string(n), c, timeout);
  if (!count) return count;
  // Nothing more arrives afterwards (a duplicate written late would show here).
  std::this_thread::sleep_for(300ms);
  auto got = env.rows(fmt::format(
      "SELECT count(*), count(DISTINCT seq), min(seq), max(seq), (SELECT sum(next_offset) FROM "
      "sluice_offsets WHERE connector = '{}') FROM {}",
      connector, table));
  auto want = fmt::format("{0}|{0}|0|{1}|{0}", n, n - 1);
  if (got != want)
    return ::testing::AssertionFailure()
           << "count, distinct, min, max, sum of stored offsets: got " << got << ", want " << want;
  return ::testing::AssertionSuccess();
}

}  // namespace sluice::testing
