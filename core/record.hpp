#pragma once
// A record after conversion: where it came from in Kafka, what to do with it, and its key and
// value as flat rows of named fields (nested structs are flattened by the converter where the
// target needs it). Records of one batch share schemas.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "core/value.hpp"

namespace sluice {

enum class record_op : std::uint8_t {
  upsert,    // insert or update with the value (Connect record, Debezium c/r/u)
  remove,    // delete by key (tombstone with delete.enabled, Debezium d)
  truncate,  // Debezium t with truncate.enabled
};

struct kafka_position {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;  // the record's Kafka timestamp
};

struct sink_record {
  kafka_position pos;
  record_op op = record_op::upsert;
  std::shared_ptr<const struct_schema> key_schema;    // null when the key has no struct form
  std::vector<sluice::value> key;                           // fields of key_schema, or one primitive
  std::shared_ptr<const struct_schema> value_schema;  // null for tombstones / deletes
  std::vector<sluice::value> value;                         // fields of value_schema
  std::size_t size_bytes = 0;                         // size of key + value bytes in Kafka
};

}  // namespace sluice
