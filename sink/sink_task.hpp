#pragma once
// One sink task: a Kafka consumer in the connector's group, and a writer thread. The poll thread
// consumes and converts records into the pending batch while the writer thread writes the
// previous batch to the database (one transaction: rows + offsets), so decoding overlaps
// writing. On assignment the task seeks to the offsets stored in the database; on revocation it
// waits for the batch in flight and drops pending records of the partitions it gives up (their
// next owner reads them again from the stored offsets). While `paused` is set it writes what it
// consumed and pauses its partitions but stays in the group, so resuming loses and repeats nothing.
// Thread-safety: run() on one thread; metrics() from any.
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>

#include "core/convert/converter.hpp"
#include "kafka/consumer.hpp"
#include "sink/batch.hpp"
#include "sink/dead_letter_queue.hpp"
#include "sink/metrics.hpp"
#include "sink/sink_settings.hpp"
#include "sink/writer.hpp"

namespace sluice::sink {

class sink_task final : public kafka::rebalance_listener {
 public:
  sink_task(const sink_settings& s, int id, convert::converter_settings conv,
            std::unique_ptr<writer> w, kafka::settings consumer_settings,
            kafka::settings producer_settings, std::shared_ptr<task_metrics> metrics);
  ~sink_task() override;

  // Consumes and writes until `stop` is requested (then flushes, commits and leaves the group)
  // or a fatal error (thrown; retryable() says whether a restart may help). `paused` (may be
  // null) is read every poll; set, the task holds (see hold()).
  void run(std::stop_token stop, const std::atomic<bool>* paused = nullptr);

 private:
  void on_assigned(std::vector<kafka::topic_partition>& parts) override;
  void on_revoked(const std::vector<kafka::topic_partition>& parts) override;

  void add(const kafka::message& m);
  void handoff();              // pending → writer, waiting for the writer to be free
  void wait_writer_idle();     // and apply its result
  void apply(write_result& r);
  void writer_loop(std::stop_token st);
  void commit_to_group(bool async);
  void hold(std::stop_token stop, const std::atomic<bool>& paused);
  void refresh_lag(bool now);
  // Restarts fetching of partitions whose records librdkafka holds back (see the .cpp): at once
  // when poll() found nothing, early when the prefetched records are running low.
  void wake_fetcher(bool starved);

  const sink_settings& s_;
  int id_;
  std::string where_;
  convert::record_converter converter_;
  std::unique_ptr<writer> writer_;
  dead_letter_queue dlq_;
  std::shared_ptr<task_metrics> metrics_;
  std::unique_ptr<kafka::consumer> consumer_;

  batch pending_;
  std::int64_t pending_since_ms_ = 0;
  std::int64_t lag_refreshed_ms_ = 0;
  std::int64_t last_record_ms_ = 0;  // when poll() last returned a record
  std::int64_t last_wake_ms_ = 0;
  std::int64_t last_queue_check_ms_ = 0;
  // Partitions an early wake-up has sought since the queue last reached 90% of the bound; empty
  // with `filled_` false when early wake-ups are off (the queue has not come near the bound).
  std::set<partition_key> sought_;
  // (position, high watermark) of each partition when a parked wake-up last sought it: it is
  // sought again only once either moved (a partition whose log ends in a transaction marker can
  // stay one record "behind" for good).
  std::map<partition_key, std::pair<std::int64_t, std::int64_t>> parked_at_;
  bool filled_ = false;
  // librdkafka's prefetch bounds (queued.max.messages.kbytes, queued.min.messages), over which
  // it stops fetching.
  std::size_t queue_max_bytes_ = 0;
  std::size_t queue_max_messages_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<batch> todo_;
  std::optional<batch> spare_;  // the last batch written; emptied by handoff() into the next pending_
  std::optional<write_result> done_;
  std::exception_ptr writer_error_;
  bool busy_ = false;
  std::exception_ptr callback_error_;  // from rebalance callbacks, rethrown by run()
  std::map<partition_key, std::int64_t> to_commit_;
  std::jthread writer_thread_;
};

}  // namespace sluice::sink
