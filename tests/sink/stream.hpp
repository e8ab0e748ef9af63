#pragma once
// A steady stream of numbered records produced in the background while a test breaks things,
// and the check that a table holds each of them exactly once.
// Ownership: owns its producer thread (joined by wait() or the destructor).
// Thread-safety: produced() from any thread; the rest from the test's thread.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {

class record_stream {
 public:
  // Produces records seq = 0 .. total-1 to `topic` (keyed by seq, so spread over partitions),
  // `per_tick` at a time every `tick`. Each value is a Connect envelope {seq, note}.
  record_stream(std::string bootstrap, std::string topic, int total, int per_tick,
                std::chrono::milliseconds tick);
  ~record_stream();

  int queued() const { return queued_.load(); }
  // Stops producing once `seq` records are queued, until release(): a test that must act
  // mid-stream holds the tail back, so the stream cannot end before the test acts however long
  // that takes on a loaded machine. Call before the stream reaches `seq`.
  void hold_at(int seq) { hold_at_ = seq; }
  void release() { hold_at_ = total_; }
  // Waits until every record is acknowledged; false (with the reason in error()) when some failed.
  bool wait();
  const std::string& error() const { return error_; }
  // Where record seq landed (partition, offset), from the delivery reports; valid after wait().
  const std::vector<std::pair<std::int32_t, std::int64_t>>& positions() const { return positions_; }

  // The value of record `seq`, as the stream writes it.
  static std::string value(std::int64_t seq);

 private:
  void run(std::stop_token stop);

  std::string bootstrap_, topic_;
  int total_, per_tick_;
  std::chrono::milliseconds tick_;
  std::atomic<int> queued_{0};
  std::atomic<int> hold_at_;
  std::string error_;
  std::vector<std::pair<std::int32_t, std::int64_t>> positions_;
  std::jthread thread_;
};

// The table holds seq 0 .. n-1 once each (waiting up to `timeout` for the count), and the
// stored offsets of the connector add up to n.
::testing::AssertionResult holds_exactly_once(const sink_env& env, const std::string& table, int n,
                                              const sink::sink_connector* c,
                                              std::chrono::milliseconds timeout = 60s,
                                              const std::string& connector = "sink");

}  // namespace sluice::testing
