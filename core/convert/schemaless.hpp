#pragma once
// Internal to core/convert: rows from JSON without a schema (schemas.enable=false). Types are
// inferred per value: integer → int64 (beyond int64 → Decimal scale 0), other numbers → float64,
// string → string, boolean → boolean, null → optional string holding null, object/array →
// string holding its JSON text (logical json). Fields keep document order.
//
// Reading is split in two so the converter can look at the members (is this a Debezium event?)
// before building anything: scan() records views into the input and parser, materialize()
// builds the row. Schemas are cached per distinct list of field names and types.
// Ownership: views from scan() live until the parser or input buffer is reused.
// Thread-safety: not thread-safe (one per record_converter).
#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/record.hpp"

namespace sluice::convert::detail {

class schemaless_decoder {
 public:
  enum class kind : char {
    null_ = 'n', boolean = 'b', int64 = 'i', float64 = 'f', string = 's', big_integer = 'd', json = 'j'
  };
  struct entry {
    std::string_view name;
    kind k = kind::null_;
    bool b = false;
    std::int64_t i = 0;
    double d = 0;
    std::string_view text;  // string contents, JSON text of an object/array, digits of a big integer
  };

  // Replaces the entries with the members of `obj`.
  void scan(simdjson::ondemand::object obj);
  // Replaces the entries with one entry named "" (a primitive key).
  void scan_single(simdjson::ondemand::value v);
  void scan_single(simdjson::ondemand::document& doc);

  const std::vector<entry>& entries() const noexcept { return entries_; }
  const entry* find(std::string_view name) const noexcept;

  // The schema of the scanned entries (cached) and their values, appended to `out`.
  std::shared_ptr<const struct_schema> materialize(std::vector<value>& out);

 private:
  std::vector<entry> entries_;
  std::string fingerprint_;  // per field: kind, name, '\0' — reused across records
  std::unordered_map<std::string, std::shared_ptr<const struct_schema>> cache_;
  const std::pair<const std::string, std::shared_ptr<const struct_schema>>* last_ = nullptr;
  static constexpr std::size_t max_entries = 1024;
};

}  // namespace sluice::convert::detail
