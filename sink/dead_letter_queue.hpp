#pragma once
// Records that cannot be converted or written, with errors.tolerance=all, go to
// errors.deadletterqueue.topic.name with their original key and value bytes and headers and, when
// errors.deadletterqueue.context.headers.enable=true, Kafka Connect's __connect.errors.* headers.
// send() returns only when the broker acknowledged every record, so the offsets that move past
// them commit after they are safe. Without a topic name, failures are logged and skipped.
// Thread-safety: one thread at a time.
#include <memory>
#include <string>
#include <vector>

#include "kafka/producer.hpp"
#include "sink/batch.hpp"
#include "sink/sink_settings.hpp"

namespace sluice::sink {

class dead_letter_queue {
 public:
  dead_letter_queue(const sink_settings& s, int task, const kafka::settings& producer_settings);
  void send(const batch& b, const std::vector<std::size_t>& failed);
  std::uint64_t sent() const noexcept { return sent_; }

 private:
  const sink_settings& s_;
  int task_;
  std::unique_ptr<kafka::producer> producer_;
  std::uint64_t sent_ = 0;
  std::string delivery_error_;
};

}  // namespace sluice::sink
