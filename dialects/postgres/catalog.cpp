#include "dialects/postgres/catalog.hpp"

#include <charconv>

namespace sluice::pg {

namespace {

// $1 = relation name, $2 = schema or NULL. With no schema, the search_path order decides.
constexpr const char* find_relation_sql = R"(
SELECT n.nspname, c.oid::text
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = $1
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND (CASE WHEN $2::text IS NULL THEN n.nspname = ANY (pg_catalog.current_schemas(false))
             ELSE n.nspname = $2::text END)
 ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname::text) NULLS LAST
 LIMIT 1)";

constexpr const char* columns_sql = R"(
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::text,
       NOT a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum)";

constexpr const char* primary_key_sql = R"(
SELECT a.attname
  FROM pg_catalog.pg_index i
  CROSS JOIN LATERAL pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE i.indrelid = $1::oid AND i.indisprimary
 ORDER BY k.ord)";

unsigned to_oid(std::string_view s) {
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

const column_info* table_info::column(std::string_view name) const noexcept {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::optional<table_info> describe_table(connection& c, const table_ref& t, quoting q) {
  std::optional<std::string> schema;
  if (!t.schema.empty()) schema = stored_name(t.schema, q);
  const std::string table = stored_name(t.table, q);
  result rel = c.exec_params(find_relation_sql, {table, schema});
  if (rel.rows() == 0) return std::nullopt;

  table_info info;
  info.ref = {std::string(rel.text(0, 0)), table};
  const std::string oid(rel.text(0, 1));

  result cols = c.exec_params(columns_sql, {oid});
  info.columns.reserve(static_cast<std::size_t>(cols.rows()));
  for (int r = 0; r < cols.rows(); ++r) {
    info.columns.push_back({.name = std::string(cols.text(r, 0)),
                            .type = std::string(cols.text(r, 1)),
                            .type_oid = to_oid(cols.text(r, 2)),
                            .nullable = cols.text(r, 3) == "t",
                            .has_default = cols.text(r, 4) == "t"});
  }
  result pk = c.exec_params(primary_key_sql, {oid});
  for (int r = 0; r < pk.rows(); ++r) info.primary_key.emplace_back(pk.text(r, 0));
  return info;
}

}  // namespace sluice::pg
