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
  std::atomic<std::int64_t> last_commit_unix_ms{0};
  histogram batch_seconds;          // database time per batch
  histogram latency_seconds;        // record timestamp (produce) → commit
  histogram batch_rows;             // rows per batch (observed as a plain number)

  std::mutex mu;  // guards committed
  std::map<partition_key, std::int64_t> committed;  // next offset per partition
};

}  // namespace sluice::sink
