#pragma once
// Figures taken while a pipeline runs: the most sessions the pipeline holds on the server
// (target::sessions on the bench's own connection, in its own thread), and latency
// summaries (from the difference of two histogram snapshots, or exact from observations).
// Thread-safety: session_sampler's members from the thread that made it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchkit/report.hpp"
#include "benchkit/target.hpp"

namespace sluice::benchkit {

class session_sampler {
 public:
  // Samples every 200 ms, on `db` (its own connection), the pipeline's sessions (PostgreSQL:
  // named `application_name`); stops at once when the database has no server to ask.
  session_sampler(std::unique_ptr<target> db, std::string application_name);
  ~session_sampler();
  session_sampler(const session_sampler&) = delete;
  session_sampler& operator=(const session_sampler&) = delete;
  // Ends sampling; the most sessions seen, nullopt when the database has no server (SQLite).
  std::optional<int> stop();

 private:
  std::atomic<int> max_{0};
  std::atomic<bool> embedded_{false};
  std::jthread thread_;
};

// Latency of the observations between two cumulative snapshots of a core/histogram.hpp
// histogram (bucket upper bounds, the last entry +Inf).
latency_summary summarize(const std::vector<std::uint64_t>& before, const std::vector<std::uint64_t>& after);
// Exact percentiles of `seconds`, with the same buckets for the distribution chart.
latency_summary summarize(std::vector<double> seconds);

}  // namespace sluice::benchkit
