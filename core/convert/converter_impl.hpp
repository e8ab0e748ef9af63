#pragma once
// Internal to core/convert: the state behind record_converter (parsers, padded buffers, caches)
// and the steps of one conversion. converter.cpp holds the entry point and keys,
// value_conversion.cpp the values (envelope, Debezium, tombstones).
// Thread-safety: not thread-safe; owned by one record_converter.
#include <simdjson.h>

#include <memory>
#include <string_view>
#include <vector>

#include "core/convert/converter.hpp"
#include "core/convert/schema_plan.hpp"
#include "core/convert/schemaless.hpp"

namespace sluice::convert {

namespace detail {

// A reusable padded copy of one JSON text and the parser reading it: simdjson reads up to
// SIMDJSON_PADDING bytes past the end, which Kafka's buffers do not promise. The buffer only
// grows, so after warm-up a record costs one memcpy and no allocation.
class padded_input {
 public:
  // Copies `bytes` (optionally wrapped in [ ], to read a scalar as an array element) and starts
  // iterating it. The document lives until the next call.
  simdjson::ondemand::document& iterate(std::string_view bytes, bool wrap_in_array = false);

 private:
  std::vector<char> buf_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
};

// Fails unless the document has been read to its end (simdjson On-Demand stops where we stop).
void check_end(simdjson::ondemand::document& doc);

}  // namespace detail

struct record_converter::impl {
  explicit impl(converter_settings s);

  converter_settings settings;
  detail::padded_input main;      // the key, then the value
  detail::padded_input sub;       // a part of `main` read again: Debezium before/after
  detail::padded_input deferred;  // an envelope payload that came before its schema
  detail::padded_input fast;      // an envelope's payload read alone (envelope_fast)
  // One cache per side: keys and values alternate, and each side repeats its own schema, which
  // the cache's last-entry check then finds without hashing.
  detail::schema_cache key_schemas, value_schemas;
  detail::schemaless_decoder schemaless;
  std::shared_ptr<const struct_schema> string_key, int64_key, int32_key, bytes_key;

  void convert_key(std::string_view bytes, sink_record& r);
  void convert_value(std::string_view bytes, sink_record& r);
  void tombstone(sink_record& r) const;

  // When `bytes` is {"schema":S,"payload":P} with S byte for byte the schema of the last key or
  // value (the compact form JsonConverter writes), reads only the payload and returns true; false
  // (r's side untouched or to be rewritten) sends the record the full way, which also reports
  // errors. Values need a plain struct schema; keys take primitive ones too.
  bool envelope_fast(std::string_view bytes, bool is_key, sink_record& r);
  // Reads {"schema": ..., "payload": ...} and hands the payload to key_payload/value_payload.
  void read_envelope(simdjson::ondemand::document& doc, bool is_key, sink_record& r);
  void key_payload(simdjson::ondemand::value v, const detail::parsed_schema* s, sink_record& r);
  void value_payload(simdjson::ondemand::value v, const detail::parsed_schema* s, sink_record& r);
  void schemaless_key(simdjson::ondemand::value v, sink_record& r);
  void schemaless_value(simdjson::ondemand::value v, sink_record& r);
  void debezium_with_schema(simdjson::ondemand::object payload, const detail::parsed_schema& s,
                            sink_record& r);
  // Checks the op and the settings it needs; returns its letter (c, r, u, d or t).
  char debezium_op(std::string_view op) const;
};

}  // namespace sluice::convert
