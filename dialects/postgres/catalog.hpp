#pragma once
// Exact-name table metadata from pg_catalog. Names are passed as query parameters and compared
// with `=` (case-sensitive), never pattern-matched or spliced into SQL, so "Foo" and "foo" are two
// tables and a name with quotes, dots or semicolons is just a name.
// Thread-safety: uses the given connection only; one thread at a time per connection.
#include <optional>
#include <string>
#include <vector>

#include "dialects/postgres/connection.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::pg {

struct column_info {
  std::string name;
  std::string type;        // format_type(): "numeric(12,2)", "timestamp with time zone", domain name
  unsigned type_oid = 0;   // the column's type; for a domain, its base type (what COPY expects)
  bool nullable = true;
  bool has_default = false;  // DEFAULT, identity or generated
};

struct table_info {
  table_ref ref;  // schema resolved, names as stored
  std::vector<column_info> columns;  // in attnum order
  std::vector<std::string> primary_key;  // in key order; empty when there is none

  // The column named exactly `name`, or nullptr.
  const column_info* column(std::string_view name) const noexcept;
};

// The table (or view, materialized view, partitioned or foreign table) PostgreSQL would resolve
// for this identifier: in t.schema when given, else the first schema of current_schemas(false)
// holding it. Names are compared after stored_name(…, q). nullopt when absent.
std::optional<table_info> describe_table(connection& c, const table_ref& t, quoting q);

}  // namespace sluice::pg
