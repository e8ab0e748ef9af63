#include "kafka/message.hpp"

namespace sluice::kafka {

std::string_view message::topic() const {
  return msg_->rkt ? std::string_view(rd_kafka_topic_name(msg_->rkt)) : std::string_view();
}

std::optional<std::string_view> message::key() const {
  if (msg_->key == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(msg_->key), msg_->key_len);
}

std::optional<std::string_view> message::value() const {
  if (msg_->payload == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(msg_->payload), msg_->len);
}

std::int64_t message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(msg_.get(), &type);
}

std::optional<std::string_view> message::header_value(std::string_view name) const {
  rd_kafka_headers_t* hdrs = nullptr;  // owned by the message
  if (rd_kafka_message_headers(msg_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::optional<std::string_view> found;
  const char* n = nullptr;
  const void* v = nullptr;
  std::size_t size = 0;
  // Walks all headers rather than rd_kafka_header_get_last: `name` need not be NUL-terminated.
  for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &n, &v, &size) == 0; ++i)
    if (name == n) found = v ? std::string_view(static_cast<const char*>(v), size) : "";
  return found;
}

std::vector<header> message::headers() const {
  std::vector<header> out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* n = nullptr;
  const void* v = nullptr;
  std::size_t size = 0;
  for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &n, &v, &size) == 0; ++i)
    out.push_back({n, v ? std::string(static_cast<const char*>(v), size) : std::string()});
  return out;
}

std::string message::error_text() const {
  if (msg_->err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  return rd_kafka_message_errstr(msg_.get());
}

}  // namespace sluice::kafka
