#pragma once
// Kafka message bytes → sluice::sink_record, on the sink's hot path.
//
// record_converter understands what Kafka Connect's converters write: JSON with Connect's
// {"schema", "payload"} envelope (all Connect and Debezium logical types), schemaless JSON
// (types inferred), Debezium change events (with or without the envelope), and the
// String/Long/Integer/ByteArray converters for keys. Parsed schemas are cached by their exact
// text, so records of one topic share one struct_schema.
//
// Ownership: a record_converter owns its simdjson parsers, padded input buffers and schema caches;
// the records it returns own their values and share schemas by shared_ptr (safe to keep after
// the converter is gone).
// Thread-safety: not thread-safe; use one record_converter per consumer thread.
#include <memory>
#include <optional>
#include <string_view>

#include "core/record.hpp"

namespace sluice::convert {

// What key.converter / value.converter produce.
enum class format { json, string, int64, int32, bytes };

// Connect converter class (org.apache.kafka.connect.json.JsonConverter,
// org.apache.kafka.connect.storage.StringConverter, org.apache.kafka.connect.converters.
// LongConverter / IntegerConverter / ByteArrayConverter) or short name (json, string, long,
// integer, bytes) → format. Throws sluice::error naming `config_key` for anything else.
format format_from_class(std::string_view converter_class,
                         std::string_view config_key = "key.converter/value.converter");
// The Connect class name of a format, for messages.
std::string_view class_name(format f) noexcept;

struct converter_settings {
  format key_format = format::json;
  bool key_schemas_enable = true;    // key.converter.schemas.enable
  format value_format = format::json;
  bool value_schemas_enable = true;  // value.converter.schemas.enable
  bool delete_enabled = false;       // tombstone / Debezium "d" → record_op::remove
  bool truncate_enabled = false;     // Debezium "t" → record_op::truncate
};

class record_converter {
 public:
  explicit record_converter(converter_settings s);
  ~record_converter();
  record_converter(record_converter&&) noexcept;
  record_converter& operator=(record_converter&&) noexcept;

  // Converts one Kafka message (nullopt = a null key / null value).
  // Throws sluice::error (retryable=false) for a record that cannot be converted: where names the
  // topic, partition and offset; why says what is wrong and at which field ("value: field
  // \"amount\" (Decimal): expected a base64 string, found a boolean true"); fix names the
  // config key or the producer-side change that resolves it.
  sink_record convert(const kafka_position& pos, std::optional<std::string_view> key,
                      std::optional<std::string_view> value);
  // The same into `r`, whose pos the caller has set; every other field is overwritten. A record
  // reused from an earlier batch keeps the capacity of its vectors and of its text values, so a
  // steady stream converts without allocating (malloc and free were a fifth of a sink task's
  // consumer thread when every record was new). After a throw `r` holds a partial conversion.
  void convert(std::optional<std::string_view> key, std::optional<std::string_view> value,
               sink_record& r);

  const converter_settings& settings() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::convert
