#pragma once
// Counters of one source task, written by its thread and read by /metrics, the bench and logs.
// Thread-safety: every field is atomic (the histogram is lock-free).
#include <atomic>
#include <cstdint>

#include "core/histogram.hpp"

namespace sluice::source {

struct task_metrics {
  std::atomic<std::uint64_t> rows_polled{0};       // rows read from the database
  std::atomic<std::uint64_t> records_produced{0};  // handed to the producer
  std::atomic<std::uint64_t> records_acked{0};     // acknowledged by the broker: published
  std::atomic<std::uint64_t> polls{0};
  std::atomic<std::uint64_t> poll_failures{0};
  std::atomic<std::uint64_t> offsets_written{0};
  std::atomic<std::uint64_t> tables{0};            // tables this task polls now
  // Newest row timestamp whose offset is durable (timestamp modes), ms since the epoch; 0 = none.
  std::atomic<std::int64_t> newest_published_ts_ms{0};
  std::atomic<std::int64_t> last_ack_unix_ms{0};   // wall clock of the newest acknowledgement
  histogram poll_seconds;                          // one poll: bound, read, produce, acks, offset
  histogram rows_per_poll;                         // rows of one successful poll, in thousands
};

}  // namespace sluice::source
