#pragma once
// The shape of the rows a benchmark generates: named, typed columns with one integer key column.
// Three ways to get one: the default five-column workload (benchkit/workload.hpp), a --columns
// spec ("12", or "id:bigint,name:text,price:numeric(10,2),..."), or the columns of an existing
// table. Every value comes from workload.hpp's make_row(id, version), so the default shape's
// records are byte for byte those of bench_produce.
// Thread-safety: a value type; the encoders are pure functions.
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::benchkit {

enum class column_type { int64, int32, text, numeric, timestamp, boolean, float64 };

struct column {
  std::string name;
  column_type type = column_type::text;
  int precision = 12, scale = 2;  // numeric only
  bool not_null = true;
};

struct shape {
  std::vector<column> columns;
  std::size_t key = 0;  // index of the integer primary-key column

  const column& key_column() const { return columns[key]; }
  // "id bigint PRIMARY KEY, name text NOT NULL, ..." for CREATE TABLE.
  std::string ddl_columns() const;
  // "id bigint, name text, ..." (all nullable) for staging tables.
  std::string plain_columns() const;
  // "id, name, ..." quoted.
  std::string column_list() const;
  // "id:bigint,name:text,..." for reports.
  std::string describe() const;
};

shape default_shape();
// "N" (N columns: an id key, then text, numeric, timestamp, boolean, integer, double in turn) or a
// comma list of name:type with type one of bigint, integer, text, numeric(P,S), timestamptz,
// boolean, double; the first integer column is the key. Throws sluice::error naming --columns.
shape parse_columns(const std::string& spec);
// The SQL type name PostgreSQL's information_schema gives (data_type, numeric precision/scale)
// mapped to a column_type; false for types the generator cannot fill.
bool from_pg_type(const std::string& data_type, column& out);

// One record of the benchmark: the row `id` at `version` (0 when first written).
std::string key_json(const shape& s, std::int64_t id);
std::string value_json(const shape& s, std::int64_t id, std::int64_t version);
// Text values per column (COPY CSV / text parameters); csv_line joins them with a newline.
std::vector<std::string> text_values(const shape& s, std::int64_t id, std::int64_t version);
std::string csv_line(const shape& s, std::int64_t id, std::int64_t version);
// Approximate bytes of one record as produced (key + value), for MB/s.
std::size_t record_bytes(const shape& s);

}  // namespace sluice::benchkit
