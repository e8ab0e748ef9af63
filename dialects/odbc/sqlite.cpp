// SQLite: double-quote quoting; table and column names compare without regard to ASCII case (as
// SQLite resolves them); types by SQLite's affinity rules; upsert by
// INSERT … ON CONFLICT (key) DO UPDATE — not INSERT OR REPLACE, which deletes the old row (firing
// delete triggers and cascades) and loses columns the record does not carry; one ALTER TABLE per
// added column (SQLite adds one at a time).
#include <algorithm>
#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/odbc/dialect_impls.hpp"

namespace sluice::odbc {
namespace {

bool has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// The family of a declared type: specific names first, then SQLite's affinity rules
// (https://www.sqlite.org/datatype3.html §3.1).
column_family family_for(std::string_view declared) {
  const std::string t = upper_ascii(declared);
  if (has(t, "BOOL")) return column_family::boolean;
  if (has(t, "DATETIME") || has(t, "TIMESTAMP")) return column_family::timestamp;
  if (t.starts_with("DATE")) return column_family::date;
  if (t.starts_with("TIME")) return column_family::time;
  if (has(t, "DECIMAL") || has(t, "NUMERIC")) return column_family::decimal;
  if (has(t, "JSON")) return column_family::json;
  if (has(t, "UUID")) return column_family::uuid;
  if (has(t, "INT")) return column_family::integer;
  if (has(t, "CHAR") || has(t, "CLOB") || has(t, "TEXT")) return column_family::text;
  if (has(t, "BLOB")) return column_family::binary;
  if (has(t, "REAL") || has(t, "FLOA") || has(t, "DOUB")) return column_family::floating;
  return column_family::other;  // no type or NUMERIC affinity: any value
}

class sqlite_dialect final : public dialect {
 public:
  explicit sqlite_dialect(dialect_options o) : dialect(o) {}

  config::dialect family() const noexcept override { return config::dialect::sqlite; }
  std::string_view name() const noexcept override { return "SQLite"; }

  void check_identifier(std::string_view n, std::string_view what) const override {
    dialect::check_identifier(n, what);
    if (what == "table" && lower_ascii(n).starts_with("sqlite_"))
      throw sluice::error({.what = "cannot use this table name", .where = "SQLite table",
                           .why = fmt::format("'{}' starts with sqlite_, which SQLite keeps for "
                                              "itself", n),
                           .fix = "map the topic to another name with table.name.format",
                           .code = "42602"});
  }

  bool same_column(std::string_view a, std::string_view b) const override { return iequal_ascii(a, b); }

  void adapt(connection& c) override {
    // json_each and json_extract come with SQLite's JSON functions (built in since 3.38,
    // optional before): without them every batch goes through VALUES lists.
    try {
      auto r = c.query("SELECT json_extract(j.value, '$[0]') FROM json_each('[[7]]') AS j");
      json_rows_ = !r.empty() && !r[0].empty() && r[0][0] == "7";
    } catch (const sluice::error&) {
      json_rows_ = false;
    }
  }

  dml insert_sql(const table_id& t, const std::vector<std::string>& cols) const override {
    dml d = dialect::insert_sql(t, cols);
    if (!json_rows_) return d;
    // WHERE true: an INSERT … SELECT followed by ON CONFLICT needs it to parse.
    d.json_sql = "INSERT INTO " + render_table(t) + " (" + column_list(cols) + ") SELECT ";
    for (std::size_t i = 0; i < cols.size(); ++i)
      d.json_sql += fmt::format("{}json_extract(j.value, '$[{}]')", i ? ", " : "", i);
    d.json_sql += " FROM json_each(?) AS j WHERE true";
    return d;
  }

  std::string sql_type(const field_schema& f, const column_role&) const override {
    switch (f.logical) {
      // NUMERIC affinity: exact for integers, 15 significant digits otherwise (SQLite has no
      // decimal type); the declared scale is read back by the source.
      case logical_kind::decimal:
        return fmt::format("DECIMAL({},{})", f.precision > 0 ? f.precision : 38, std::max(f.scale, 0));
      case logical_kind::date: return "DATE";
      case logical_kind::time:
      case logical_kind::micro_time: return "TIME";
      case logical_kind::timestamp:
      case logical_kind::micro_timestamp:
      case logical_kind::nano_timestamp:
      case logical_kind::zoned_timestamp: return "DATETIME";
      // TEXT affinity, so JSON "123" or a UUID is never turned into a number.
      case logical_kind::json:
      case logical_kind::uuid: return "TEXT";
      case logical_kind::none: break;
    }
    switch (f.type) {
      case type_kind::int8: return "TINYINT";
      case type_kind::int16: return "SMALLINT";
      case type_kind::int32: return "INT";
      // Not "INTEGER": an INTEGER PRIMARY KEY would alias the rowid and take NULL as "assign one".
      case type_kind::int64: return "BIGINT";
      case type_kind::float32: return "REAL";
      case type_kind::float64: return "DOUBLE";
      case type_kind::boolean: return "BOOLEAN";
      case type_kind::string: return "TEXT";
      case type_kind::bytes: return "BLOB";
      default: return "TEXT";
    }
  }

  field_schema field_for(const column_def& c) const override {
    auto f = field_for_family(c);
    const std::string t = lower_ascii(c.type);
    if (c.family == column_family::integer && (t == "integer" || t.empty())) f.type = type_kind::int64;
    if (c.family == column_family::floating) f.type = t == "real" ? type_kind::float32 : type_kind::float64;
    return f;
  }

  bind_as binding(const column_def& c) const override {
    // Booleans are stored as 0/1 integers.
    if (c.family == column_family::boolean) return bind_as::int64;
    return dialect::binding(c);
  }

  std::optional<table_def> describe(connection& c, const table_id& t) const override {
    const std::string table = stored_name(t.table);
    // Unqualified names resolve in temp first, then main (attached databases after, by name).
    std::vector<std::string> schemas;
    if (!t.schema.empty()) schemas.push_back(stored_name(t.schema));
    else schemas = {"temp", "main"};
    for (const auto& schema : schemas) {
      auto found = c.query(fmt::format("SELECT name FROM {}.sqlite_master WHERE type IN ('table', "
                                       "'view') AND name = ? COLLATE NOCASE",
                                       quote(schema, "schema")),
                           {table});
      if (found.empty()) continue;
      table_def def;
      def.id = {t.schema.empty() ? std::string() : schema, *found[0][0]};
      auto cols = c.query("SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM "
                          "pragma_table_info(?, ?) ORDER BY cid",
                          {*found[0][0], schema});
      std::vector<std::pair<int, std::string>> pk;
      for (const auto& r : cols) {
        column_def cd;
        cd.name = r[0].value_or("");
        cd.type = r[1].value_or("");
        cd.family = family_for(cd.type);
        cd.nullable = r[2].value_or("0") == "0";
        cd.has_default = r[3].value_or("0") == "1";
        if (cd.family == column_family::decimal) parse_precision_scale(cd.type, cd.precision, cd.scale);
        const int k = std::stoi(r[4].value_or("0"));
        if (k > 0) pk.emplace_back(k, cd.name);
        def.columns.push_back(std::move(cd));
      }
      std::sort(pk.begin(), pk.end());
      for (auto& p : pk) def.primary_key.push_back(std::move(p.second));
      return def;
    }
    return std::nullopt;
  }

  std::string comparable_timestamp(const std::string& expr) const override {
    // Milliseconds: SQLite's own date functions go no finer.
    return "strftime('%Y-%m-%d %H:%M:%f', " + expr + ")";
  }

  dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                 std::size_t key_count) const override {
    dml d = insert_sql(t, cols);
    std::vector<std::string> keys(cols.begin(), cols.begin() + static_cast<std::ptrdiff_t>(key_count));
    std::string tail = " ON CONFLICT (" + column_list(keys) + ") DO ";
    if (cols.size() == key_count) {
      tail += "NOTHING";
    } else {
      tail += "UPDATE SET ";
      for (std::size_t i = key_count; i < cols.size(); ++i) {
        const auto q = quote(cols[i]);
        tail += (i > key_count ? ", " : "") + q + " = excluded." + q;
      }
    }
    d.sql += tail;
    if (!d.json_sql.empty()) d.json_sql += tail;
    return d;
  }

 protected:
  std::size_t max_identifier_length() const noexcept override { return 0; }
  // The SQLite ODBC driver compiles the statement again for every row of a parameter array; a
  // statement holds at most 32,766 variables (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
  std::size_t rows_per_statement(std::size_t params_per_row) const override {
    return std::clamp<std::size_t>(32000 / std::max<std::size_t>(params_per_row, 1), 1, 1000);
  }

 private:
  bool json_rows_ = false;
};

}  // namespace

std::unique_ptr<dialect> make_sqlite(dialect_options o) { return std::make_unique<sqlite_dialect>(o); }

}  // namespace sluice::odbc
