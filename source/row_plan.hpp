#pragma once
// How a polled table or query becomes records: the Connect schema of the value (and of the key),
// the SQL expression that fetches each column losslessly as text, and the decoding of that text
// into sluice values.
//
// Values are fetched in PostgreSQL's text form inside a transaction that pins the session's
// output settings (TimeZone UTC, DateStyle ISO, extra_float_digits 1, bytea_output hex), which
// is exact for every type: numeric keeps all its digits, floats print their shortest round-trip
// form, timestamps keep microseconds, bytea is hex.
// Timestamp columns: MicroTimestamp (default), Timestamp (timestamp.granularity=connect_logical
// set explicitly), or nanoseconds as int64 / string / ISO text; `timestamp` (without time zone)
// columns are read as wall-clock time in db.timezone.
// Thread-safety: immutable after build(); decode/encode functions use caller buffers only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.hpp"
#include "core/value.hpp"
#include "dialects/postgres/catalog.hpp"
#include "source/source_settings.hpp"

namespace sluice::source {

enum class decode_kind : std::uint8_t {
  boolean, integer, floating, decimal, numeric_integer, numeric_double, text, bytea, date,
  time, timestamp, timestamp_nanos_long, timestamp_nanos_string, timestamp_iso,
};

struct column_plan {
  std::string name;
  std::string select_expr;  // SQL text fetching the column (quoted name, maybe AT TIME ZONE)
  decode_kind kind = decode_kind::text;
};

class row_plan {
 public:
  // `schema_name` names the value schema (the table's name, or empty for a query).
  // Throws sluice::error when a key column does not exist or the key format cannot hold the key.
  static row_plan build(const std::vector<pg::column_info>& columns,
                        const std::vector<std::string>& primary_key, const source_settings& s,
                        const std::string& schema_name, const std::string& where);

  const std::vector<column_plan>& columns() const { return columns_; }
  const std::shared_ptr<const struct_schema>& value_schema() const { return value_schema_; }
  // Null when records have no key (no primary key and no key.columns).
  const std::shared_ptr<const struct_schema>& key_schema() const { return key_schema_; }
  const std::vector<std::size_t>& key_indices() const { return key_indices_; }
  int index_of(std::string_view column) const;

  // "expr AS \"name\", ..." for the SELECT list.
  std::string select_list() const;
  // The value of column i from its text (null when `null`). Throws sluice::error naming the
  // column when the text cannot be read as the column's type.
  value decode(std::size_t i, std::string_view text, bool null) const;

  // Record bytes: the value as Connect JSON (with the schema envelope when enabled), the key in
  // key.converter's format (nullopt when there is no key). `row` holds decode()d values,
  // `texts` the fetched text of each column (for the string key converter).
  void encode_value(const std::vector<value>& row, std::string& out) const;
  std::optional<std::string> encode_key(const std::vector<value>& row,
                                        const std::vector<std::string_view>& texts) const;

  // The columns this plan was built from; a poll rebuilds the plan when they change.
  const std::vector<pg::column_info>& source_columns() const { return source_columns_; }

 private:
  std::vector<pg::column_info> source_columns_;
  std::vector<column_plan> columns_;
  std::shared_ptr<const struct_schema> value_schema_, key_schema_;
  std::vector<std::size_t> key_indices_;
  std::string value_schema_json_, key_schema_json_;
  bool value_envelope_ = true, key_envelope_ = true;
  convert::format key_format_ = convert::format::json;
  std::string where_;
};

// Nanoseconds since the epoch as "yyyy-MM-ddTHH:mm:ss.nnnnnnnnn" (what Confluent's
// nanos_iso_datetime_string writes), from microseconds of wall-clock time.
std::string format_nanos_iso(std::int64_t wall_micros);

}  // namespace sluice::source
