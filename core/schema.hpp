#pragma once
// Kafka Connect's schema model: primitive types, logical types (Decimal, Date, Time, Timestamp)
// and structs. A schema is immutable once built and shared between records by shared_ptr, so a
// batch of records with the same envelope schema holds one copy.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

enum class type_kind : std::uint8_t {
  int8, int16, int32, int64, float32, float64, boolean, string, bytes, array, map, struct_
};

// Logical types layered on a primitive type (Connect's org.apache.kafka.connect.data.*),
// plus the Debezium time types that carry more precision than Connect's milliseconds.
enum class logical_kind : std::uint8_t {
  none,
  decimal,          // bytes: unscaled big-endian two's complement; parameter "scale"
  date,             // int32: days since 1970-01-01
  time,             // int32: milliseconds since midnight
  timestamp,        // int64: milliseconds since the epoch (UTC)
  micro_timestamp,  // int64: microseconds since the epoch (io.debezium.time.MicroTimestamp)
  nano_timestamp,   // int64: nanoseconds since the epoch (io.debezium.time.NanoTimestamp)
  micro_time,       // int64: microseconds since midnight (io.debezium.time.MicroTime)
  zoned_timestamp,  // string: ISO-8601 with offset (io.debezium.time.ZonedTimestamp)
  json,             // string holding JSON (io.debezium.data.Json)
  uuid,             // string holding a UUID (io.debezium.data.Uuid)
};

struct struct_schema;

struct field_schema {
  std::string name;
  type_kind type = type_kind::string;
  logical_kind logical = logical_kind::none;
  bool optional = true;
  int scale = 0;       // Decimal scale
  int precision = 0;   // Decimal precision when known ("connect.decimal.precision"), else 0
  std::optional<std::string> default_sql_literal;  // default value, rendered as text
  std::shared_ptr<const struct_schema> nested;     // for struct_
};

struct struct_schema {
  std::string name;  // schema name, e.g. "orders.Value"; may be empty
  std::vector<field_schema> fields;

  // Index of the field named exactly `name` (case-sensitive), or -1.
  int index_of(std::string_view name) const noexcept;
};

std::string_view to_string(type_kind t) noexcept;
std::string_view to_string(logical_kind t) noexcept;
// Connect logical type name ("org.apache.kafka.connect.data.Decimal") → logical_kind.
logical_kind logical_from_name(std::string_view name) noexcept;
// The Connect schema name for a logical type, or "" for none.
std::string_view logical_name(logical_kind t) noexcept;

}  // namespace sluice
