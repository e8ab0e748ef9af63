#pragma once
// Counters of one sink task, written by its threads and read by /metrics, the bench and logs.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/histogram.hpp"
#include "sink/batch.hpp"

namespace sluice::sink {

struct task_metrics {
  std::atomic<std::uint64_t> records_in{0}, bytes_in{0}, records_written{0}, batches{0},
      records_failed{0}, dlq_records{0}, retries{0}, conflicts{0};
  // Seeks that restarted librdkafka's fetcher, after an empty poll or early once the queue had
  // filled to its prefetch bound (sink_task::wake_fetcher).
  std::atomic<std::uint64_t> fetch_wakes{0};
  std::atomic<std::int64_t> last_commit_unix_ms{0};
  std::atomic<bool> paused{false};  // consumption held (partitions paused), not just requested
  histogram batch_seconds;          // database time per batch
  histogram latency_seconds;        // record timestamp (produce) → commit
  histogram batch_rows;             // rows per batch, in thousands (bounds 0.5 … 60000 rows)

  std::mutex mu;  // guards committed and lag
  std::map<partition_key, std::int64_t> committed;  // next offset per partition
  // Per assigned partition: high watermark − next offset to write. Refreshed about every second
  // by the poll thread and before it waits for the writer, so a stuck write still shows its lag.
  std::map<partition_key, std::int64_t> lag;
};

}  // namespace sluice::sink
