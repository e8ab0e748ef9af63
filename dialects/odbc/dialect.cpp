#include "dialects/odbc/dialect.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/custom_query.hpp"
#include "dialects/odbc/dialect_impls.hpp"
#include "dialects/odbc/param_values.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {

dialect::wrapped_query dialect::wrap_query(std::string_view query) const {
  return {"", dialects::derived_table(query, "sluice_query", family() == config::dialect::mysql)};
}

bool iequal_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void dialect::adapt(connection&) {}

std::string printable(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out;
}

void dialect::check_identifier(std::string_view name, std::string_view what) const {
  auto bad = [&](std::string why, std::string fix) {
    throw sluice::error({.what = fmt::format("cannot use this {} name", what),
                         .where = fmt::format("{} {}", this->name(), what),
                         .why = fmt::format("'{}' {}", printable(name), why), .fix = std::move(fix),
                         .code = "42602"});
  };
  if (name.empty()) bad("is empty", "check table.name.format, pk.fields and the record's field names");
  if (name.find('\0') != std::string_view::npos)
    bad("contains a NUL character", "rename the field or topic, or map it with table.name.format");
  if (!valid_utf8(name)) bad("is not valid UTF-8", "rename the field or topic");
  const std::size_t limit = max_identifier_length();
  const std::size_t length = limit_in_bytes() ? name.size() : code_points(name);
  if (limit && length > limit)
    bad(fmt::format("is {} {} long; {} allows at most {} (it would be cut, and then no longer "
                    "match)", length, limit_in_bytes() ? "bytes" : "characters", this->name(), limit),
        "shorten the name, e.g. with table.name.format for tables or by renaming the field");
}

std::string dialect::stored_name(std::string_view name) const { return std::string(name); }

std::string dialect::quote(std::string_view name, std::string_view what) const {
  check_identifier(name, what);
  const std::string stored = stored_name(name);
  const auto close = close_quote();
  std::string out(open_quote());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored.compare(i, close.size(), close) == 0) out += close;
    out += stored[i];
  }
  out += close;
  return out;
}

table_id dialect::parse_table(std::string_view spec) const {
  std::vector<std::string> parts(1);
  const auto open = open_quote(), close = close_quote();
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (!open.empty() && !quoted && spec.compare(i, open.size(), open) == 0 && parts.back().empty()) {
      quoted = was_quoted = true;
      i += open.size() - 1;
    } else if (quoted && !close.empty() && spec.compare(i, close.size(), close) == 0) {
      if (spec.compare(i + close.size(), close.size(), close) == 0) {
        parts.back() += close;
        i += 2 * close.size() - 1;
      } else {
        quoted = false;
        i += close.size() - 1;
      }
    } else if (!quoted && spec[i] == '.') {
      if (parts.back().empty() && !was_quoted) break;
      parts.emplace_back();
      was_quoted = false;
    } else {
      parts.back() += spec[i];
    }
  }
  auto bad = [&](std::string why) {
    throw sluice::error({.what = "cannot understand the table name", .where = std::string(spec),
                         .why = std::move(why),
                         .fix = fmt::format("write table.name.format as table or schema.table, "
                                            "quoting a part that holds dots with {}{}",
                                            open, close)});
  };
  if (quoted) bad("a quote is not closed");
  for (const auto& p : parts)
    if (p.empty()) bad("a part of the name is empty");
  if (parts.size() > 2) bad("it has more than two parts");
  if (parts.size() == 1) return {"", parts[0]};
  return {parts[0], parts[1]};
}

std::string dialect::render_table(const table_id& t) const {
  if (t.schema.empty()) return quote(t.table, "table");
  return quote(t.schema, "schema") + "." + quote(t.table, "table");
}

std::string dialect::display(const table_id& t) const {
  auto one = [&](const std::string& s) {
    std::string out(open_quote());
    out += s;
    out += close_quote();
    return out;
  };
  return t.schema.empty() ? one(t.table) : one(t.schema) + "." + one(t.table);
}

bool dialect::same_column(std::string_view a, std::string_view b) const { return a == b; }

field_schema dialect::field_for(const column_def& c) const { return field_for_family(c); }

bind_as dialect::binding(const column_def& c) const { return binding_for(c.family); }

std::string dialect::quote_literal(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::vector<std::string> dialect::create_table_sql(const table_id& t,
                                                   const std::vector<field_schema>& fields,
                                                   const std::vector<std::string>& pk) const {
  column_role role;
  for (const auto& f : fields) {
    if (std::find(pk.begin(), pk.end(), f.name) == pk.end()) continue;
    (f.type == type_kind::string || f.type == type_kind::bytes ? role.key_text_columns
                                                               : role.key_other_columns)++;
  }
  std::string s = "CREATE TABLE IF NOT EXISTS " + render_table(t) + " (";
  bool first = true;
  for (const auto& f : fields) {
    column_role r = role;
    r.key = std::find(pk.begin(), pk.end(), f.name) != pk.end();
    s += first ? "\n  " : ",\n  ";
    first = false;
    s += quote(f.name) + " " + sql_type(f, r);
    if (f.default_sql_literal) s += " DEFAULT " + quote_literal(*f.default_sql_literal);
    if (!f.optional || r.key) s += " NOT NULL";
  }
  if (!pk.empty()) s += ",\n  PRIMARY KEY (" + column_list(pk) + ")";
  s += ")";
  return {s};
}

std::string dialect::add_column_sql(const table_id& t, const field_schema& f) const {
  std::string s = "ALTER TABLE " + render_table(t) + " ADD COLUMN " + quote(f.name) + " " +
                  sql_type(f, {});
  if (f.default_sql_literal) s += " DEFAULT " + quote_literal(*f.default_sql_literal);
  if (!f.optional && f.default_sql_literal) s += " NOT NULL";
  return s;
}

bool dialect::is_already_exists(const sluice::error& e) const {
  const auto& c = e.info().code;
  // PostgreSQL's losers of a CREATE TABLE IF NOT EXISTS race fail with 42P07, 42710 (the row
  // type exists) or 23505 (on pg_type); of ADD COLUMN IF NOT EXISTS with 42701.
  if (c == "42S01" || c == "42S21" || c == "42P07" || c == "42710" || c == "42701" || c == "23505")
    return true;
  const std::string why = lower_ascii(e.info().why);
  return why.find("already exists") != std::string::npos ||
         why.find("duplicate column") != std::string::npos;
}

std::string dialect::column_list(const std::vector<std::string>& cols) const {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) out += (i ? ", " : "") + quote(cols[i]);
  return out;
}

std::string dialect::key_match(const std::vector<std::string>& cols, std::size_t key_count,
                               std::string_view left, std::string_view right) const {
  std::string out;
  for (std::size_t i = 0; i < key_count; ++i) {
    if (i) out += " AND ";
    const auto q = quote(cols[i]);
    out += fmt::format("{}.{} = {}.{}", left, q, right, q);
  }
  return out;
}

dml dialect::insert_sql(const table_id& t, const std::vector<std::string>& cols) const {
  dml d;
  d.sql = "INSERT INTO " + render_table(t) + " (" + column_list(cols) + ") VALUES ";
  d.tuple_begin = d.sql.size();
  d.sql += "(";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    d.sql += i ? ", ?" : "?";
    d.params.push_back(i);
  }
  d.sql += ")";
  d.tuple_end = d.sql.size();
  return d;
}

dml with_rows(const dml& one_row, std::size_t rows) {
  if (rows <= 1 || one_row.tuple_end == 0) return one_row;
  const auto tuple = std::string_view(one_row.sql).substr(one_row.tuple_begin, one_row.tuple_end - one_row.tuple_begin);
  dml d;
  d.sql.reserve(one_row.sql.size() + (tuple.size() + 2) * rows);
  d.sql.append(one_row.sql, 0, one_row.tuple_end);
  for (std::size_t r = 1; r < rows; ++r) {
    d.sql += ", ";
    d.sql += tuple;
  }
  d.tuple_begin = one_row.tuple_begin;
  d.tuple_end = d.sql.size();
  d.sql.append(one_row.sql, one_row.tuple_end);
  for (std::size_t r = 0; r < rows; ++r) d.params.insert(d.params.end(), one_row.params.begin(), one_row.params.end());
  return d;
}

dml dialect::update_sql(const table_id& t, const std::vector<std::string>& cols,
                        std::size_t key_count) const {
  dml d;
  if (cols.size() <= key_count) return d;  // nothing but the key: nothing to update
  d.sql = "UPDATE " + render_table(t) + " SET ";
  for (std::size_t i = key_count; i < cols.size(); ++i) {
    d.sql += (i > key_count ? ", " : "") + quote(cols[i]) + " = ?";
    d.params.push_back(i);
  }
  d.sql += " WHERE ";
  for (std::size_t i = 0; i < key_count; ++i) {
    d.sql += (i ? " AND " : "") + quote(cols[i]) + " = ?";
    d.params.push_back(i);
  }
  return d;
}

dml dialect::delete_sql(const table_id& t, const std::vector<std::string>& key_cols) const {
  dml d;
  d.sql = "DELETE FROM " + render_table(t) + " WHERE ";
  for (std::size_t i = 0; i < key_cols.size(); ++i) {
    d.sql += (i ? " AND " : "") + quote(key_cols[i]) + " = ?";
    d.params.push_back(i);
  }
  return d;
}

std::string dialect::truncate_sql(const table_id& t) const { return "DELETE FROM " + render_table(t); }

std::string dialect::savepoint_sql(std::string_view n) const { return fmt::format("SAVEPOINT {}", n); }
std::string dialect::rollback_to_savepoint_sql(std::string_view n) const {
  return fmt::format("ROLLBACK TO SAVEPOINT {}", n);
}
std::string dialect::release_savepoint_sql(std::string_view n) const {
  return fmt::format("RELEASE SAVEPOINT {}", n);
}

void parse_precision_scale(std::string_view type, int& precision, int& scale) {
  precision = scale = 0;
  const auto open = type.find('(');
  if (open == std::string_view::npos) return;
  const char* b = type.data() + open + 1;
  const char* e = type.data() + type.size();
  auto r = std::from_chars(b, e, precision);
  while (r.ptr < e && *r.ptr == ' ') ++r.ptr;
  if (r.ptr < e && *r.ptr == ',') {
    ++r.ptr;
    while (r.ptr < e && *r.ptr == ' ') ++r.ptr;
    std::from_chars(r.ptr, e, scale);
  }
}

field_schema field_for_family(const column_def& c) {
  field_schema f;
  f.name = c.name;
  f.optional = c.nullable;
  const std::string t = lower_ascii(c.type);
  switch (c.family) {
    case column_family::integer:
      if (t.starts_with("tinyint")) f.type = type_kind::int8;
      else if (t.starts_with("smallint") || t == "int2") f.type = type_kind::int16;
      else if (t.starts_with("bigint") || t == "int8") f.type = type_kind::int64;
      else if (t.starts_with("int") || t.starts_with("mediumint") || t.starts_with("serial"))
        f.type = type_kind::int32;
      else f.type = type_kind::int64;
      break;
    case column_family::boolean: f.type = type_kind::boolean; break;
    case column_family::floating:
      f.type = t == "real" || t == "float4" ? type_kind::float32 : type_kind::float64;
      break;
    case column_family::decimal:
      if (c.precision > 0) {
        f.type = type_kind::bytes;
        f.logical = logical_kind::decimal;
        f.precision = c.precision;
        f.scale = c.scale;
      } else {
        f.type = type_kind::string;  // Connect's Decimal needs one scale for every row
      }
      break;
    case column_family::binary: f.type = type_kind::bytes; break;
    case column_family::date: f.type = type_kind::int32; f.logical = logical_kind::date; break;
    case column_family::time: f.type = type_kind::int32; f.logical = logical_kind::time; break;
    case column_family::timestamp:
      f.type = type_kind::int64;
      f.logical = logical_kind::timestamp;
      break;
    case column_family::json: f.type = type_kind::string; f.logical = logical_kind::json; break;
    case column_family::uuid: f.type = type_kind::string; f.logical = logical_kind::uuid; break;
    default: f.type = type_kind::string; break;
  }
  return f;
}

std::unique_ptr<dialect> make_dialect(config::dialect kind, dialect_options o) {
  switch (kind) {
    case config::dialect::mysql: return make_mysql(o);
    case config::dialect::sqlite: return make_sqlite(o);
    case config::dialect::sqlserver: return make_sqlserver(o);
    case config::dialect::postgresql: return make_postgres(o);
    case config::dialect::generic: return make_generic(o);
  }
  return make_generic(o);
}

}  // namespace sluice::odbc
