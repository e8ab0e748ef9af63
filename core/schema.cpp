#include "core/schema.hpp"

namespace sluice {

int struct_schema::index_of(std::string_view n) const noexcept {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

std::string_view to_string(type_kind t) noexcept {
  switch (t) {
    case type_kind::int8: return "int8";
    case type_kind::int16: return "int16";
    case type_kind::int32: return "int32";
    case type_kind::int64: return "int64";
    case type_kind::float32: return "float";
    case type_kind::float64: return "double";
    case type_kind::boolean: return "boolean";
    case type_kind::string: return "string";
    case type_kind::bytes: return "bytes";
    case type_kind::array: return "array";
    case type_kind::map: return "map";
    case type_kind::struct_: return "struct";
  }
  return "?";
}

namespace {
struct logical_entry {
  logical_kind kind;
  std::string_view name;
  std::string_view label;
};
constexpr logical_entry logical_table[] = {
    {logical_kind::decimal, "org.apache.kafka.connect.data.Decimal", "Decimal"},
    {logical_kind::date, "org.apache.kafka.connect.data.Date", "Date"},
    {logical_kind::time, "org.apache.kafka.connect.data.Time", "Time"},
    {logical_kind::timestamp, "org.apache.kafka.connect.data.Timestamp", "Timestamp"},
    {logical_kind::micro_timestamp, "io.debezium.time.MicroTimestamp", "MicroTimestamp"},
    {logical_kind::nano_timestamp, "io.debezium.time.NanoTimestamp", "NanoTimestamp"},
    {logical_kind::micro_time, "io.debezium.time.MicroTime", "MicroTime"},
    {logical_kind::zoned_timestamp, "io.debezium.time.ZonedTimestamp", "ZonedTimestamp"},
    {logical_kind::json, "io.debezium.data.Json", "Json"},
    {logical_kind::uuid, "io.debezium.data.Uuid", "Uuid"},
};
}  // namespace

std::string_view to_string(logical_kind t) noexcept {
  for (const auto& e : logical_table)
    if (e.kind == t) return e.label;
  return "none";
}

logical_kind logical_from_name(std::string_view name) noexcept {
  for (const auto& e : logical_table)
    if (e.name == name) return e.kind;
  // Debezium's millisecond types are Connect's in all but name.
  if (name == "io.debezium.time.Timestamp") return logical_kind::timestamp;
  if (name == "io.debezium.time.Date") return logical_kind::date;
  if (name == "io.debezium.time.Time") return logical_kind::time;
  return logical_kind::none;
}

std::string_view logical_name(logical_kind t) noexcept {
  for (const auto& e : logical_table)
    if (e.kind == t) return e.name;
  return "";
}

}  // namespace sluice
