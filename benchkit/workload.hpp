#pragma once
// The benchmark workload shared by the sink and source benchmarks: rows of five columns
// (id bigint key, name text, amount numeric(12,2), placed_at timestamptz, paid bool), generated
// deterministically from the row number, as Connect JSON with the schema envelope and as CSV for
// the COPY baselines.
#include <cstdint>
#include <string>

namespace sluice::benchkit {

struct row {
  std::int64_t id;
  std::string name;
  std::int64_t amount_cents;
  std::int64_t placed_at_ms;
  bool paid;
};

row make_row(std::int64_t id, std::int64_t version = 0);
std::string key_json(std::int64_t id);    // Connect JSON: int64 key with schema
std::string value_json(const row& r);     // Connect JSON: struct with schema
std::string csv_line(const row& r);       // id,name,amount,placed_at,paid\n

// The pieces the value encodings share with benchkit/shape.cpp (any column layout).
std::string decimal_base64(std::int64_t unscaled);  // Connect Decimal bytes, base64
std::string csv_timestamp(std::int64_t unix_ms);    // 2023-11-14 22:13:20.000+00

inline constexpr const char* table_ddl_columns =
    "id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, "
    "placed_at timestamptz NOT NULL, paid boolean";

}  // namespace sluice::benchkit
