// SQL Server: [bracket] quoting, 128-character names, upsert by MERGE (WITH (HOLDLOCK) unless
// mssql.use.merge.holdlock=false: without it two concurrent MERGEs of one new key can both take
// the insert branch), key strings as varchar(900) shared by the key's columns (the 900-byte index
// key limit), datetime2 timestamps. No server runs on the build machine: SQL and types are
// unit-tested only.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "dialects/odbc/dialect_impls.hpp"

namespace sluice::odbc {
namespace {

constexpr std::size_t key_bytes = 900;

// The tokens of T-SQL text that matter to wrapping a query: words and punctuation, with the
// parenthesis depth each stands at. Strings, quoted and bracketed identifiers and comments are
// skipped whole (identifiers count as words), so no keyword is found inside them.
struct tsql_token {
  std::size_t begin = 0;
  std::string_view text;
  int depth = 0;
  bool word = false;
};

std::vector<tsql_token> tsql_tokens(std::string_view s) {
  std::vector<tsql_token> out;
  int depth = 0;
  std::size_t i = 0;
  auto quoted = [&](char close) {  // i at the opening quote; doubled closers are escapes
    for (++i; i < s.size(); ++i) {
      if (s[i] != close) continue;
      if (i + 1 < s.size() && s[i + 1] == close) { ++i; continue; }
      ++i;
      return;
    }
  };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t at = i;
    if (std::isspace(c)) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int nest = 0;  // T-SQL block comments nest
      while (i < s.size()) {
        if (s.compare(i, 2, "/*") == 0) { ++nest; i += 2; }
        else if (s.compare(i, 2, "*/") == 0) { i += 2; if (--nest == 0) break; }
        else ++i;
      }
    } else if (c == '\'') {
      quoted('\'');
    } else if (c == '"' || c == '[') {
      quoted(c == '[' ? ']' : '"');
      out.push_back({at, s.substr(at, i - at), depth, true});
    } else if (std::isalnum(c) || c == '_' || c == '@' || c == '#' || c == '$' || c >= 0x80) {
      while (i < s.size()) {
        const auto d = static_cast<unsigned char>(s[i]);
        if (!(std::isalnum(d) || d == '_' || d == '@' || d == '#' || d == '$' || d >= 0x80)) break;
        ++i;
      }
      out.push_back({at, s.substr(at, i - at), depth, true});
    } else {
      if (c == ')') --depth;
      out.push_back({at, s.substr(at, 1), depth, false});
      if (c == '(') ++depth;
      ++i;
    }
  }
  return out;
}

bool is_keyword(const tsql_token& t, std::string_view k) {
  return t.word && iequal_ascii(t.text, k);
}

column_family family_for(std::string_view data_type) {
  const std::string d = lower_ascii(data_type);
  if (d == "bit") return column_family::boolean;
  if (d == "tinyint" || d == "smallint" || d == "int" || d == "bigint") return column_family::integer;
  if (d == "real" || d == "float") return column_family::floating;
  if (d == "decimal" || d == "numeric" || d == "money" || d == "smallmoney") return column_family::decimal;
  if (d == "char" || d == "varchar" || d == "nchar" || d == "nvarchar" || d == "text" ||
      d == "ntext" || d == "xml" || d == "sysname")
    return column_family::text;
  if (d == "binary" || d == "varbinary" || d == "image") return column_family::binary;
  if (d == "date") return column_family::date;
  if (d == "time") return column_family::time;
  if (d == "datetime" || d == "datetime2" || d == "smalldatetime" || d == "datetimeoffset")
    return column_family::timestamp;
  if (d == "uniqueidentifier") return column_family::uuid;
  return column_family::other;
}

class sqlserver_dialect final : public dialect {
 public:
  explicit sqlserver_dialect(dialect_options o) : dialect(o) {}

  config::dialect family() const noexcept override { return config::dialect::sqlserver; }
  std::string_view name() const noexcept override { return "SQL Server"; }

  bool same_column(std::string_view a, std::string_view b) const override { return iequal_ascii(a, b); }

  std::string sql_type(const field_schema& f, const column_role& role) const override {
    const std::size_t budget = key_bytes - std::min<std::size_t>(key_bytes / 2, 8 * role.key_other_columns);
    const std::size_t key_len = budget / std::max<std::size_t>(role.key_text_columns, 1);
    switch (f.logical) {
      case logical_kind::decimal: {
        const int scale = std::clamp(f.scale, 0, 38);
        const int precision = std::clamp(f.precision > 0 ? f.precision : 38, std::max(scale, 1), 38);
        return fmt::format("decimal({},{})", precision, scale);
      }
      case logical_kind::date: return "date";
      case logical_kind::time:
      case logical_kind::micro_time: return "time(6)";
      case logical_kind::timestamp:
      case logical_kind::micro_timestamp:
      case logical_kind::nano_timestamp:
      case logical_kind::zoned_timestamp: return "datetime2(6)";
      case logical_kind::json: return role.key ? fmt::format("varchar({})", key_len) : "nvarchar(max)";
      case logical_kind::uuid: return "uniqueidentifier";
      case logical_kind::none: break;
    }
    switch (f.type) {
      case type_kind::int8:  // tinyint is unsigned (0..255) in SQL Server
      case type_kind::int16: return "smallint";
      case type_kind::int32: return "int";
      case type_kind::int64: return "bigint";
      case type_kind::float32: return "real";
      case type_kind::float64: return "float";
      case type_kind::boolean: return "bit";
      case type_kind::string: return role.key ? fmt::format("varchar({})", key_len) : "nvarchar(max)";
      case type_kind::bytes: return role.key ? fmt::format("varbinary({})", key_len) : "varbinary(max)";
      default: return "nvarchar(max)";
    }
  }

  field_schema field_for(const column_def& c) const override {
    auto f = field_for_family(c);
    if (c.family == column_family::integer && lower_ascii(c.type) == "tinyint") f.type = type_kind::int16;
    if (c.family == column_family::floating) f.type = lower_ascii(c.type) == "real" ? type_kind::float32 : type_kind::float64;
    return f;
  }

  bind_as binding(const column_def& c) const override {
    if (c.family == column_family::boolean) return bind_as::int64;
    return dialect::binding(c);
  }

  std::string quote_literal(std::string_view text) const override { return "N" + dialect::quote_literal(text); }

  std::vector<std::string> create_table_sql(const table_id& t, const std::vector<field_schema>& fields,
                                            const std::vector<std::string>& pk) const override {
    auto sql = dialect::create_table_sql(t, fields, pk);
    // No CREATE TABLE IF NOT EXISTS in SQL Server.
    const std::string create = sql[0].substr(std::string_view("CREATE TABLE IF NOT EXISTS ").size());
    sql[0] = fmt::format("IF OBJECT_ID({}, N'U') IS NULL CREATE TABLE {}",
                         quote_literal(render_table(t)), create);
    return sql;
  }

  std::string add_column_sql(const table_id& t, const field_schema& f) const override {
    std::string s = "ALTER TABLE " + render_table(t) + " ADD " + quote(f.name) + " " + sql_type(f, {});
    if (f.default_sql_literal) s += " DEFAULT " + quote_literal(*f.default_sql_literal);
    if (!f.optional && f.default_sql_literal) s += " NOT NULL";
    return s;
  }

  // T-SQL refuses two things inside a derived table: a WITH (Msg 156) and an ORDER BY without
  // TOP, OFFSET or FOR XML (Msg 1033). A custom query's leading common table expressions move in
  // front of the poll's SELECT, where they stay visible to the derived table; a final ORDER BY
  // is dropped, as the poll orders the rows itself (OFFSET 0 ROWS would make it legal too, but
  // would also keep the window's WHERE from reaching into the query). Anything not understood is
  // left as it is, for the server to report.
  wrapped_query wrap_query(std::string_view query) const override {
    const auto tokens = tsql_tokens(query);
    std::size_t i = 0;
    while (i < tokens.size() && tokens[i].text == ";") ++i;  // ";WITH", as T-SQL habit writes it
    std::string with;
    std::string_view body = query;
    if (i < tokens.size() && is_keyword(tokens[i], "WITH")) {
      const std::size_t with_begin = tokens[i].begin;
      auto close_of = [&](std::size_t open) {  // the ')' matching tokens[open] == "("
        for (std::size_t k = open + 1; k < tokens.size(); ++k)
          if (tokens[k].text == ")" && !tokens[k].word && tokens[k].depth == tokens[open].depth) return k;
        return tokens.size();
      };
      std::size_t k = i + 1;
      bool ok = false;
      while (k < tokens.size() && tokens[k].word) {  // name [(columns)] AS (query) [, …]
        ++k;
        if (k < tokens.size() && tokens[k].text == "(" && !tokens[k].word) k = close_of(k) + 1;
        if (k >= tokens.size() || !is_keyword(tokens[k], "AS")) break;
        ++k;
        if (k >= tokens.size() || tokens[k].text != "(" || tokens[k].word) break;
        k = close_of(k) + 1;
        if (k >= tokens.size()) break;
        if (tokens[k].text == "," && !tokens[k].word) {
          ++k;
          continue;
        }
        ok = tokens[k].word;  // the statement that uses them
        break;
      }
      if (ok) {
        // Up to the last definition's ')': a comment between it and the statement stays behind.
        with = std::string(query.substr(with_begin, tokens[k - 1].begin + 1 - with_begin)) + " ";
        body = query.substr(tokens[k].begin);
        i = k;
      }
    }
    // A final ORDER BY at the top level, with no TOP, OFFSET or FOR beside it.
    std::optional<std::size_t> order;
    bool exempt = false;
    for (std::size_t k = i; k < tokens.size(); ++k) {
      if (tokens[k].depth != 0) continue;
      if (is_keyword(tokens[k], "TOP")) exempt = true;
      if (is_keyword(tokens[k], "ORDER") && k + 1 < tokens.size() && is_keyword(tokens[k + 1], "BY")) order = k;
      if (order && (is_keyword(tokens[k], "OFFSET") || is_keyword(tokens[k], "FOR"))) exempt = true;
    }
    if (order && !exempt) {
      body = body.substr(0, tokens[*order].begin - static_cast<std::size_t>(body.data() - query.data()));
      while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.remove_suffix(1);
    }
    auto wrapped = dialect::wrap_query(body);
    wrapped.with = std::move(with);
    return wrapped;
  }

  // SQL Server converts the window's text to the tracked column's type. `datetime` refuses more
  // than three fractional digits (Msg 241) and rounds to the nearest 1/300 s; `smalldatetime`
  // rounds to the nearest minute. So values are floored to what the type holds: a datetime's
  // milliseconds to one it renders (…0, …3 or …7, each exactly one 1/300 s tick), a
  // smalldatetime to its minute. A row's own timestamp, which the driver reads back in just that
  // form, is unchanged by the flooring and converts back to itself: `ts > last` neither re-reads
  // nor skips. COALESCE takes the type of highest precedence: the finest column decides. A custom
  // query's column is known only by its description (datetime and datetime2(3) both say 3
  // digits; as a datetime2(3) may hold any millisecond, those keep theirs). datetime2 and
  // datetimeoffset hold 100 ns at their default precision (7), and the driver reads them back in
  // seven digits: the window keeps all seven (a row's value converts back to itself; at a lower
  // precision the seventh digit is 0, and the value the same).
  timestamp_grain timestamp_param_grain(const std::vector<const column_def*>& tracked) const override {
    if (tracked.empty()) return timestamp_grain::micros;
    auto finest = timestamp_grain::minutes;
    for (const auto* c : tracked) {
      const auto t = lower_ascii(c->type);
      auto g = timestamp_grain::micros;
      if (t == "datetime2" || t == "datetimeoffset" || (t.empty() && c->fraction_digits == 7))
        g = timestamp_grain::ticks100;
      else if (t == "datetime") g = timestamp_grain::ticks300;
      else if (t == "smalldatetime") g = timestamp_grain::minutes;
      else if (t.empty() && c->fraction_digits == 0)
        g = c->whole_minutes ? timestamp_grain::minutes : timestamp_grain::seconds;
      else if (t.empty() && c->fraction_digits > 0 && c->fraction_digits <= 3) g = timestamp_grain::millis;
      finest = std::max(finest, g);
    }
    return finest;
  }

  std::optional<table_def> describe(connection& c, const table_id& t) const override {
    const std::optional<std::string> schema =
        t.schema.empty() ? std::nullopt : std::optional<std::string>(stored_name(t.schema));
    // Compared in the database's own collation: the table SQL Server would resolve.
    auto found = c.query("SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE "
                         "TABLE_SCHEMA = COALESCE(?, SCHEMA_NAME()) AND TABLE_NAME = ?",
                         {schema, stored_name(t.table)});
    if (found.empty()) return std::nullopt;
    table_def def;
    def.id = {*found[0][0], *found[0][1]};
    auto cols = c.query(
        "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, CASE WHEN COLUMN_DEFAULT IS NULL AND "
        "COLUMNPROPERTY(OBJECT_ID(QUOTENAME(TABLE_SCHEMA) + '.' + QUOTENAME(TABLE_NAME)), "
        "COLUMN_NAME, 'IsIdentity') = 0 THEN 0 ELSE 1 END, NUMERIC_PRECISION, NUMERIC_SCALE "
        "FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
        "ORDER BY ORDINAL_POSITION",
        {def.id.schema, def.id.table});
    for (const auto& r : cols) {
      column_def cd;
      cd.name = r[0].value_or("");
      cd.type = r[1].value_or("");
      cd.family = family_for(cd.type);
      cd.nullable = r[2].value_or("YES") == "YES";
      cd.has_default = r[3].value_or("0") == "1";
      if (cd.family == column_family::decimal) {
        cd.precision = r[4] ? std::stoi(*r[4]) : 0;
        cd.scale = r[5] ? std::stoi(*r[5]) : 0;
      }
      def.columns.push_back(std::move(cd));
    }
    auto pk = c.query(
        "SELECT k.COLUMN_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS c JOIN "
        "INFORMATION_SCHEMA.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND "
        "k.CONSTRAINT_NAME = c.CONSTRAINT_NAME WHERE c.CONSTRAINT_TYPE = 'PRIMARY KEY' AND "
        "c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY k.ORDINAL_POSITION",
        {def.id.schema, def.id.table});
    for (const auto& r : pk) def.primary_key.push_back(r[0].value_or(""));
    return def;
  }

  dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                 std::size_t key_count) const override {
    dml d;
    d.sql = "MERGE INTO " + render_table(t) + (o_.merge_holdlock ? " WITH (HOLDLOCK)" : "") +
            " AS target USING (SELECT ";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      d.sql += (i ? ", ? AS " : "? AS ") + quote(cols[i]);
      d.params.push_back(i);
    }
    d.sql += ") AS incoming ON (" + key_match(cols, key_count, "target", "incoming") + ")";
    if (cols.size() > key_count) {
      d.sql += " WHEN MATCHED THEN UPDATE SET ";
      for (std::size_t i = key_count; i < cols.size(); ++i) {
        const auto q = quote(cols[i]);
        d.sql += (i > key_count ? ", " : "") + q + " = incoming." + q;
      }
    }
    d.sql += " WHEN NOT MATCHED THEN INSERT (" + column_list(cols) + ") VALUES (";
    for (std::size_t i = 0; i < cols.size(); ++i) d.sql += (i ? ", incoming." : "incoming.") + quote(cols[i]);
    d.sql += ");";  // MERGE must end with a semicolon
    return d;
  }

  std::string savepoint_sql(std::string_view n) const override { return fmt::format("SAVE TRANSACTION {}", n); }
  std::string rollback_to_savepoint_sql(std::string_view n) const override {
    return fmt::format("ROLLBACK TRANSACTION {}", n);
  }
  std::string release_savepoint_sql(std::string_view) const override { return {}; }

 protected:
  std::string_view open_quote() const noexcept override { return "["; }
  std::string_view close_quote() const noexcept override { return "]"; }
  std::size_t max_identifier_length() const noexcept override { return 128; }
};

}  // namespace

std::unique_ptr<dialect> make_sqlserver(dialect_options o) {
  return std::make_unique<sqlserver_dialect>(o);
}

}  // namespace sluice::odbc
