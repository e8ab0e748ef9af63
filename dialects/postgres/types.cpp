#include "dialects/postgres/types.hpp"

#include <charconv>

#include <fmt/format.h>

#include "dialects/postgres/type_oids.hpp"

namespace sluice::pg {

namespace {

// PostgreSQL's numeric accepts precision 1..1000 and scale -1000..1000.
std::string numeric_type(const field_schema& f) {
  if (f.precision >= 1 && f.precision <= 1000 && f.scale >= -1000 && f.scale <= 1000)
    return fmt::format("numeric({},{})", f.precision, f.scale);
  return "numeric";
}

std::string column_sql(const field_schema& f, quoting q, bool not_null) {
  std::string s = render_name(f.name, q) + " " + sql_type_for(f);
  if (f.default_sql_literal) s += " DEFAULT " + quote_literal(*f.default_sql_literal);
  if (not_null) s += " NOT NULL";
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

}  // namespace

std::string sql_type_for(const field_schema& f) {
  switch (f.logical) {
    case logical_kind::decimal: return numeric_type(f);
    case logical_kind::date: return "date";
    case logical_kind::time:
    case logical_kind::micro_time: return "time";
    case logical_kind::timestamp:
    case logical_kind::micro_timestamp:
    case logical_kind::nano_timestamp:
    case logical_kind::zoned_timestamp: return "timestamptz";
    case logical_kind::json: return "jsonb";
    case logical_kind::uuid: return "uuid";
    case logical_kind::none: break;
  }
  switch (f.type) {
    case type_kind::int8:
    case type_kind::int16: return "smallint";
    case type_kind::int32: return "integer";
    case type_kind::int64: return "bigint";
    case type_kind::float32: return "real";
    case type_kind::float64: return "double precision";
    case type_kind::boolean: return "boolean";
    case type_kind::string: return "text";
    case type_kind::bytes: return "bytea";
    case type_kind::array:
    case type_kind::map:
    case type_kind::struct_: return "jsonb";
  }
  return "text";
}

field_schema field_for_column(const column_info& c) {
  field_schema f;
  f.name = c.name;
  f.optional = c.nullable;
  switch (c.type_oid) {
    case oid::bool_: f.type = type_kind::boolean; break;
    case oid::int2: f.type = type_kind::int16; break;
    case oid::int4: f.type = type_kind::int32; break;
    case oid::int8:
    case oid::oid: f.type = type_kind::int64; break;
    case oid::float4: f.type = type_kind::float32; break;
    case oid::float8: f.type = type_kind::float64; break;
    case oid::bytea: f.type = type_kind::bytes; break;
    case oid::date: f.type = type_kind::int32; f.logical = logical_kind::date; break;
    case oid::time: f.type = type_kind::int32; f.logical = logical_kind::time; break;
    case oid::timestamp:
    case oid::timestamptz: f.type = type_kind::int64; f.logical = logical_kind::timestamp; break;
    case oid::json:
    case oid::jsonb: f.type = type_kind::string; f.logical = logical_kind::json; break;
    case oid::uuid: f.type = type_kind::string; f.logical = logical_kind::uuid; break;
    case oid::numeric: {
      // format_type gives "numeric(p,s)" or "numeric(p)" for a constrained column, else "numeric".
      const auto open = c.type.find('(');
      if (open == std::string::npos) {
        f.type = type_kind::string;
        break;
      }
      int p = 0, s = 0;
      const char* b = c.type.data() + open + 1;
      const char* e = c.type.data() + c.type.size();
      auto r = std::from_chars(b, e, p);
      if (r.ptr < e && *r.ptr == ',') std::from_chars(r.ptr + 1, e, s);
      f.type = type_kind::bytes;
      f.logical = logical_kind::decimal;
      f.precision = p;
      f.scale = s;
      break;
    }
    default: f.type = type_kind::string; break;
  }
  return f;
}

std::string quote_literal(std::string_view text) {
  const bool backslash = text.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    if (c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string create_table_sql(const table_ref& t, const std::vector<field_schema>& fields,
                             const std::vector<std::string>& pk, quoting q) {
  std::string s = "CREATE TABLE IF NOT EXISTS " + render_table(t, q) + " (";
  bool first = true;
  for (const auto& f : fields) {
    s += first ? "\n  " : ",\n  ";
    first = false;
    s += column_sql(f, q, !f.optional || contains(pk, f.name));
  }
  if (!pk.empty()) {
    s += ",\n  PRIMARY KEY (";
    for (std::size_t i = 0; i < pk.size(); ++i) s += (i ? ", " : "") + render_name(pk[i], q);
    s += ")";
  }
  s += ")";
  return s;
}

std::string add_column_sql(const table_ref& t, const field_schema& f, quoting q) {
  return "ALTER TABLE " + render_table(t, q) + " ADD COLUMN IF NOT EXISTS " +
         column_sql(f, q, !f.optional && f.default_sql_literal.has_value());
}

}  // namespace sluice::pg
