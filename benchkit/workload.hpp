#pragma once
// The benchmark workload shared by the sink and source benchmarks: rows of five columns
// (id bigint key, name text, amount numeric(12,2), placed_at timestamptz, paid bool), generated
// deterministically from the row number, as Connect JSON with the schema envelope and as CSV for
// the COPY baselines.
#include <cstdint>
#include <string>

namespace sluice::bench {

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

inline constexpr const char* table_ddl_columns =
    "id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, "
    "placed_at timestamptz NOT NULL, paid boolean";

}  // namespace sluice::bench
