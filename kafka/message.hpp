#pragma once
// One consumed record (or a consumer error) from librdkafka, without copying: the views returned
// point into the librdkafka buffer and stay valid while this message lives.
// Ownership: owns its rd_kafka_message_t (move-only). Holding messages holds librdkafka's fetch
// buffers: keep them briefly. Thread-safety: a message may move to another thread; const members
// may be called concurrently.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace sluice::kafka {

struct header {
  std::string name;
  std::string value;
  bool operator==(const header&) const = default;
};

struct message_deleter {
  void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};

class message {
 public:
  explicit message(rd_kafka_message_t* m) : msg_(m) {}

  // Empty when librdkafka reported an error without a topic.
  std::string_view topic() const;
  std::int32_t partition() const { return msg_->partition; }
  std::int64_t offset() const { return msg_->offset; }
  // nullopt for a null key / null value (a tombstone); an empty one is an empty view.
  std::optional<std::string_view> key() const;
  std::optional<std::string_view> value() const;
  // Milliseconds since the epoch, or -1 when the record has none.
  std::int64_t timestamp_ms() const;
  // The last header named `name`; an empty view for a header with a null value.
  std::optional<std::string_view> header_value(std::string_view name) const;
  std::vector<header> headers() const;

  rd_kafka_resp_err_t error() const { return msg_->err; }
  std::string error_text() const;

  const rd_kafka_message_t* raw() const { return msg_.get(); }

 private:
  std::unique_ptr<rd_kafka_message_t, message_deleter> msg_;
};

}  // namespace sluice::kafka
