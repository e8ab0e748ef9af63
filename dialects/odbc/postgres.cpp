// PostgreSQL through psqlODBC: the same rules as the native dialect (dialects/postgres: names,
// types, DDL and the exact-name catalog lookup are reused from there), so the conformance suite
// can compare the ODBC path with libpq's. Upsert by INSERT … ON CONFLICT (key) DO UPDATE.
#include <fmt/format.h>

#include "dialects/odbc/dialect_impls.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "dialects/postgres/types.hpp"

namespace sluice::odbc {
namespace {

// ? = relation name, schema or NULL (twice). With no schema, the search_path order decides.
constexpr const char* find_relation_sql = R"(
SELECT n.nspname, c.oid::text
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = CAST(? AS text)
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND (CASE WHEN CAST(? AS text) IS NULL THEN n.nspname = ANY (pg_catalog.current_schemas(false))
             ELSE n.nspname = CAST(? AS text) END)
 ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname::text) NULLS LAST
 LIMIT 1)";

constexpr const char* columns_sql = R"(
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::text,
       CASE WHEN a.attnotnull THEN 0 ELSE 1 END,
       CASE WHEN a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' THEN 1 ELSE 0 END
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = CAST(? AS oid) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum)";

constexpr const char* primary_key_sql = R"(
SELECT a.attname
  FROM pg_catalog.pg_index i
  CROSS JOIN LATERAL pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE i.indrelid = CAST(? AS oid) AND i.indisprimary
 ORDER BY k.ord)";

column_family family_for(unsigned oid) {
  namespace o = pg::oid;
  switch (oid) {
    case o::bool_: return column_family::boolean;
    case o::int2: case o::int4: case o::int8: case o::oid: return column_family::integer;
    case o::float4: case o::float8: return column_family::floating;
    case o::numeric: return column_family::decimal;
    case o::text: case o::varchar: case o::bpchar: case o::name: return column_family::text;
    case o::json: case o::jsonb: return column_family::json;
    case o::uuid: return column_family::uuid;
    case o::bytea: return column_family::binary;
    case o::date: return column_family::date;
    case o::time: return column_family::time;
    case o::timestamp: case o::timestamptz: return column_family::timestamp;
    default: return column_family::other;
  }
}

class postgres_dialect final : public dialect {
 public:
  explicit postgres_dialect(dialect_options o)
      : dialect(o), q_(o.quote_always ? pg::quoting::always : pg::quoting::never) {}

  config::dialect family() const noexcept override { return config::dialect::postgresql; }
  std::string_view name() const noexcept override { return "PostgreSQL (ODBC)"; }

  void check_identifier(std::string_view n, std::string_view what) const override {
    dialect::check_identifier(n, what);
    pg::quote_ident(pg::stored_name(n, q_));  // the native dialect's checks, same messages
  }
  std::string stored_name(std::string_view n) const override { return pg::stored_name(n, q_); }

  std::string sql_type(const field_schema& f, const column_role&) const override {
    return pg::sql_type_for(f);
  }

  std::string quote_literal(std::string_view text) const override { return pg::quote_literal(text); }

  std::vector<std::string> create_table_sql(const table_id& t, const std::vector<field_schema>& fields,
                                            const std::vector<std::string>& pk) const override {
    for (const auto& f : fields) check_identifier(f.name, "column");
    return {pg::create_table_sql({t.schema, t.table}, fields, pk, q_)};
  }
  std::string add_column_sql(const table_id& t, const field_schema& f) const override {
    check_identifier(f.name, "column");
    return pg::add_column_sql({t.schema, t.table}, f, q_);
  }

  std::optional<table_def> describe(connection& c, const table_id& t) const override {
    const std::optional<std::string> schema =
        t.schema.empty() ? std::nullopt : std::optional<std::string>(stored_name(t.schema));
    auto rel = c.query(find_relation_sql, {stored_name(t.table), schema, schema});
    if (rel.empty()) return std::nullopt;
    table_def def;
    def.id = {*rel[0][0], stored_name(t.table)};
    const std::string oid = *rel[0][1];
    for (const auto& r : c.query(columns_sql, {oid})) {
      column_def cd;
      cd.name = r[0].value_or("");
      cd.type = r[1].value_or("");
      cd.family = family_for(static_cast<unsigned>(std::stoul(r[2].value_or("0"))));
      cd.nullable = r[3].value_or("1") == "1";
      cd.has_default = r[4].value_or("0") == "1";
      if (cd.family == column_family::decimal) parse_precision_scale(cd.type, cd.precision, cd.scale);
      def.columns.push_back(std::move(cd));
    }
    for (const auto& r : c.query(primary_key_sql, {oid})) def.primary_key.push_back(r[0].value_or(""));
    return def;
  }

  field_schema field_for(const column_def& c) const override {
    auto f = field_for_family(c);
    if (c.family == column_family::integer && c.type == "integer") f.type = type_kind::int32;
    return f;
  }

  dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                 std::size_t key_count) const override {
    dml d = insert_sql(t, cols);
    std::vector<std::string> keys(cols.begin(), cols.begin() + static_cast<std::ptrdiff_t>(key_count));
    d.sql += " ON CONFLICT (" + column_list(keys) + ") DO ";
    if (cols.size() == key_count) {
      d.sql += "NOTHING";
      return d;
    }
    d.sql += "UPDATE SET ";
    for (std::size_t i = key_count; i < cols.size(); ++i) {
      const auto q = quote(cols[i]);
      d.sql += (i > key_count ? ", " : "") + q + " = EXCLUDED." + q;
    }
    return d;
  }

  std::string truncate_sql(const table_id& t) const override { return "TRUNCATE " + render_table(t); }

 protected:
  std::size_t max_identifier_length() const noexcept override { return pg::max_identifier_bytes; }
  bool limit_in_bytes() const noexcept override { return true; }

 private:
  pg::quoting q_;
};

}  // namespace

std::unique_ptr<dialect> make_postgres(dialect_options o) { return std::make_unique<postgres_dialect>(o); }

}  // namespace sluice::odbc
