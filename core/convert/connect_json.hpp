#pragma once
// Kafka Connect's JSON format (what org.apache.kafka.connect.json.JsonConverter writes), for the
// source side and for tests: a struct_schema as Connect's JSON schema object, and a flat row as
// the payload, optionally inside the {"schema": ..., "payload": ...} envelope.
//
// Values are written as record_converter reads them back: Decimal as base64 of the unscaled
// two's complement bytes (rescaled to the field's scale), Date as days, Time and Timestamp as
// milliseconds, MicroTimestamp/MicroTime as microseconds, NanoTimestamp as nanoseconds,
// ZonedTimestamp as ISO-8601 UTC. A nested struct field consumes as many row values as it has
// (flattened) fields. Schema defaults are not written. Array and map fields are refused: rows
// hold them as JSON text, so declare such a field as string with logical json.
// Throws sluice::error naming the field when a value does not fit its field.
// Thread-safety: stateless.
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "core/value.hpp"

namespace sluice::convert {

std::string encode_schema_json(const struct_schema& s);

std::string encode_connect_json(const struct_schema& s, const std::vector<value>& row,
                                bool with_schema_envelope);

// The payload object alone, appended to `out` (the source side caches the schema text and
// reuses its buffer).
void append_payload_json(const struct_schema& s, const std::vector<value>& row, std::string& out);

// Appends `text` as a JSON string literal.
void append_json_string(std::string_view text, std::string& out);

}  // namespace sluice::convert
