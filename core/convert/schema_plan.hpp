#pragma once
// Internal to core/convert: a Connect schema compiled into what the payload decoder needs, and the
// cache that makes the common case (every record of a topic repeats the same schema text) cost
// one length check and one memcmp instead of a parse.
//
// A struct_plan lists a struct's fields in schema order with the slot each one fills in the flat
// row; a nested struct is flattened into its parent ("address" {"city"} → "address_city"), so one
// Connect value becomes one flat row of sluice::value.
// Ownership: parsed_schema objects are immutable and shared (shared_ptr) between the cache and
// records in flight. Thread-safety: schema_cache is not thread-safe (one per record_converter).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/record.hpp"

namespace sluice::convert::detail {

struct struct_plan;

struct field_plan {
  std::string name;  // key in the payload object ("" for a primitive schema)
  std::string path;  // for messages: "after.address.city"
  type_kind type = type_kind::string;
  logical_kind logical = logical_kind::none;
  bool optional = true;
  bool variable_scale = false;  // io.debezium.data.VariableScaleDecimal {scale, value}
  int scale = 0;
  std::uint32_t slot = 0;   // first slot in the enclosing struct's flat row
  std::uint32_t width = 1;  // slots it fills: 1, or a nested struct's flattened width
  std::optional<value> default_value;
  std::unique_ptr<struct_plan> nested;  // struct_ only
};

struct struct_plan {
  std::vector<field_plan> fields;
  std::uint32_t width = 0;
  // Index of the field named `key`, trying `hint` (its position in the payload) first because
  // Connect writes fields in schema order. -1 when the schema has no such field.
  int find(std::string_view key, std::size_t hint) const noexcept;
};

// Debezium's change-event envelope: the row schemas of `after` and `before`.
struct debezium_plan {
  std::shared_ptr<const struct_schema> after_schema, before_schema;  // may be the same object
  struct_plan after, before;
};

struct parsed_schema {
  bool is_struct = false;
  // struct: the flattened row; primitive: one field named "" (a key the sink names from pk.fields)
  std::shared_ptr<const struct_schema> row_schema;
  struct_plan row;
  std::optional<debezium_plan> debezium;  // struct with op, source and before/after
};

// Compiles Connect's JSON schema object (the "schema" member of the envelope) into a plan.
// Throws detail::failure naming the offending field.
std::shared_ptr<const parsed_schema> parse_connect_schema(std::string_view schema_json);

class schema_cache {
 public:
  // The compiled schema for this exact text, compiling it the first time it is seen.
  const std::shared_ptr<const parsed_schema>& get(std::string_view schema_json);
  std::size_t size() const noexcept { return map_.size(); }
  // The entry get() returned last (its text and compiled schema), or null.
  const std::pair<const std::string, std::shared_ptr<const parsed_schema>>* last() const noexcept {
    return last_;
  }

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using map_type = std::unordered_map<std::string, std::shared_ptr<const parsed_schema>, text_hash,
                                      std::equal_to<>>;
  // Bounds memory when a producer sends ever-changing schemas; records in flight keep theirs.
  static constexpr std::size_t max_entries = 1024;
  map_type map_;
  const map_type::value_type* last_ = nullptr;  // node pointers survive rehashing
};

}  // namespace sluice::convert::detail
