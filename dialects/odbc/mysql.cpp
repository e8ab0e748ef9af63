// MySQL / MariaDB: backtick quoting, 64-character names of the Basic Multilingual Plane, tables
// looked up as lower_case_table_names says the server resolves them, upsert by
// INSERT … ON DUPLICATE KEY UPDATE, tables created utf8mb4 with binary collation (so keys that
// differ only in case or accents stay distinct rows, as they are distinct Kafka keys).
#include <algorithm>
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/odbc/dialect_impls.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
namespace {

constexpr std::size_t key_bytes = 3072;  // InnoDB's index key limit (DYNAMIC rows)

column_family family_for(std::string_view data_type, std::string_view column_type) {
  const std::string d = lower_ascii(data_type), ct = lower_ascii(column_type);
  if (d == "tinyint" && ct.starts_with("tinyint(1)")) return column_family::boolean;
  if (d == "bit" && (ct == "bit(1)" || ct == "bit")) return column_family::boolean;
  if (d == "tinyint" || d == "smallint" || d == "mediumint" || d == "int" || d == "integer" ||
      d == "bigint" || d == "year" || d == "bit")
    return column_family::integer;
  if (d == "float" || d == "double" || d == "real") return column_family::floating;
  if (d == "decimal" || d == "numeric") return column_family::decimal;
  if (d == "char" || d == "varchar" || d == "tinytext" || d == "text" || d == "mediumtext" ||
      d == "longtext" || d == "enum" || d == "set")
    return column_family::text;
  if (d == "json") return column_family::json;
  if (d == "uuid") return column_family::uuid;
  if (d == "binary" || d == "varbinary" || d == "tinyblob" || d == "blob" || d == "mediumblob" ||
      d == "longblob")
    return column_family::binary;
  if (d == "date") return column_family::date;
  if (d == "time") return column_family::time;
  if (d == "datetime" || d == "timestamp") return column_family::timestamp;
  return column_family::other;
}

class mysql_dialect final : public dialect {
 public:
  explicit mysql_dialect(dialect_options o) : dialect(o) {}

  config::dialect family() const noexcept override { return config::dialect::mysql; }
  std::string_view name() const noexcept override { return "MySQL/MariaDB"; }

  void adapt(connection& c) override {
    auto rows = c.query("SELECT @@lower_case_table_names, VERSION()");
    if (!rows.empty() && rows[0][0]) lower_case_table_names_ = std::stoi(*rows[0][0]);
    // The bulk command is MariaDB Connector/ODBC's (libmaodbc); another driver (Oracle's MySQL
    // Connector/ODBC) may run an array a statement per row, where VALUES lists are far faster.
    const bool mariadb_driver = lower_ascii(c.driver_name()).find("maodbc") != std::string::npos;
    bulk_arrays_ = mariadb_driver && !rows.empty() && rows[0].size() > 1 && rows[0][1] &&
                   bulk_capable(*rows[0][1]);
  }

  void check_identifier(std::string_view n, std::string_view what) const override {
    dialect::check_identifier(n, what);
    auto bad = [&](std::string why) {
      throw sluice::error({.what = fmt::format("cannot use this {} name", what),
                           .where = fmt::format("MySQL/MariaDB {}", what),
                           .why = fmt::format("'{}' {}", n, why),
                           .fix = "rename the field or topic, or map it with table.name.format",
                           .code = "42602"});
    };
    // The server stores identifiers in utf8mb3 and rejects (or silently strips) others.
    if (has_supplementary(n)) bad("has characters beyond U+FFFF (emoji …), which MySQL/MariaDB names cannot hold");
    if (n.back() == ' ') bad("ends with a space, which MySQL/MariaDB names cannot");
  }

  bool same_column(std::string_view a, std::string_view b) const override { return iequal_ascii(a, b); }

  std::string sql_type(const field_schema& f, const column_role& role) const override {
    // A key's string columns share the index's 3072 bytes, at 4 bytes per utf8mb4 character.
    const std::size_t budget = key_bytes - std::min<std::size_t>(key_bytes / 2, 8 * role.key_other_columns);
    const std::size_t key_chars =
        std::min<std::size_t>(768, budget / (4 * std::max<std::size_t>(role.key_text_columns, 1)));
    switch (f.logical) {
      case logical_kind::decimal: {
        const int scale = std::clamp(f.scale, 0, 30);
        const int precision = std::clamp(f.precision > 0 ? f.precision : 65, std::max(scale, 1), 65);
        return fmt::format("DECIMAL({},{})", precision, scale);
      }
      case logical_kind::date: return "DATE";
      case logical_kind::time:
      case logical_kind::micro_time: return "TIME(6)";
      case logical_kind::timestamp:
      case logical_kind::micro_timestamp:
      case logical_kind::nano_timestamp:
      case logical_kind::zoned_timestamp: return "DATETIME(6)";
      case logical_kind::json: return role.key ? fmt::format("VARCHAR({})", key_chars) : "JSON";
      case logical_kind::uuid: return "CHAR(36)";
      case logical_kind::none: break;
    }
    switch (f.type) {
      case type_kind::int8: return "TINYINT";
      case type_kind::int16: return "SMALLINT";
      case type_kind::int32: return "INT";
      case type_kind::int64: return "BIGINT";
      case type_kind::float32: return "FLOAT";
      case type_kind::float64: return "DOUBLE";
      case type_kind::boolean: return "BOOLEAN";
      // Never TEXT in a key: MySQL cannot index it without a prefix length.
      case type_kind::string: return role.key ? fmt::format("VARCHAR({})", key_chars) : "LONGTEXT";
      case type_kind::bytes: return role.key ? fmt::format("VARBINARY({})", key_chars * 4) : "LONGBLOB";
      default: return "LONGTEXT";  // arrays, maps, structs as JSON text
    }
  }

  field_schema field_for(const column_def& c) const override {
    auto f = field_for_family(c);
    const std::string t = lower_ascii(c.type);
    if (c.family == column_family::floating) f.type = t.starts_with("float") ? type_kind::float32 : type_kind::float64;
    return f;
  }

  std::string quote_literal(std::string_view text) const override {
    // The session's sql_mode keeps backslash escapes on (connection.cpp), so both are escaped.
    std::string out = "'";
    for (char c : text) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    return out + "'";
  }

  std::vector<std::string> create_table_sql(const table_id& t, const std::vector<field_schema>& fields,
                                            const std::vector<std::string>& pk) const override {
    auto sql = dialect::create_table_sql(t, fields, pk);
    sql[0] += " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
    return sql;
  }

  std::optional<table_def> describe(connection& c, const table_id& t) const override {
    const std::optional<std::string> schema =
        t.schema.empty() ? std::nullopt : std::optional<std::string>(stored_name(t.schema));
    const std::string table = stored_name(t.table);
    // lower_case_table_names: 0 names are case-sensitive (stored and compared as given);
    // 1 stored in lower case and compared so; 2 stored as given, compared in lower case.
    std::string match;
    switch (lower_case_table_names_) {
      case 0: match = "BINARY TABLE_SCHEMA = BINARY COALESCE(?, DATABASE()) AND BINARY TABLE_NAME = BINARY ?"; break;
      case 1: match = "BINARY TABLE_SCHEMA = BINARY LOWER(COALESCE(?, DATABASE())) AND BINARY TABLE_NAME = BINARY LOWER(?)"; break;
      default: match = "LOWER(TABLE_SCHEMA) = LOWER(COALESCE(?, DATABASE())) AND LOWER(TABLE_NAME) = LOWER(?)"; break;
    }
    auto found = c.query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE " + match,
                         {schema, table});
    if (found.empty()) return std::nullopt;
    table_def def;
    def.id = {*found[0][0], *found[0][1]};
    auto cols = c.query(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, "
        "CASE WHEN COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%' OR "
        "EXTRA LIKE '%GENERATED%' THEN 1 ELSE 0 END, NUMERIC_PRECISION, NUMERIC_SCALE "
        "FROM information_schema.COLUMNS WHERE BINARY TABLE_SCHEMA = BINARY ? AND "
        "BINARY TABLE_NAME = BINARY ? ORDER BY ORDINAL_POSITION",
        {def.id.schema, def.id.table});
    for (const auto& r : cols) {
      column_def cd;
      cd.name = r[0].value_or("");
      cd.type = r[2].value_or(r[1].value_or(""));
      cd.family = family_for(r[1].value_or(""), r[2].value_or(""));
      cd.nullable = r[3].value_or("YES") == "YES";
      cd.has_default = r[4].value_or("0") == "1";
      if (cd.family == column_family::decimal) {
        cd.precision = r[5] ? std::stoi(*r[5]) : 0;
        cd.scale = r[6] ? std::stoi(*r[6]) : 0;
      }
      def.columns.push_back(std::move(cd));
    }
    auto pk = c.query(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE BINARY TABLE_SCHEMA = "
        "BINARY ? AND BINARY TABLE_NAME = BINARY ? AND CONSTRAINT_NAME = 'PRIMARY' "
        "ORDER BY ORDINAL_POSITION",
        {def.id.schema, def.id.table});
    for (const auto& r : pk) def.primary_key.push_back(r[0].value_or(""));
    return def;
  }

  dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                 std::size_t key_count) const override {
    dml d = insert_sql(t, cols);
    d.sql += " ON DUPLICATE KEY UPDATE ";
    if (cols.size() == key_count) {
      // Only key columns: a duplicate leaves the row as it is.
      d.sql += quote(cols[0]) + " = " + quote(cols[0]);
      return d;
    }
    for (std::size_t i = key_count; i < cols.size(); ++i) {
      const auto q = quote(cols[i]);
      d.sql += (i > key_count ? ", " : "") + q + " = VALUES(" + q + ")";
    }
    return d;
  }

  bool is_already_exists(const sluice::error& e) const override {
    return dialect::is_already_exists(e) || e.info().code == "42S21" || e.info().code == "42S01";
  }

 protected:
  std::string_view open_quote() const noexcept override { return "`"; }
  std::string_view close_quote() const noexcept override { return "`"; }
  std::size_t max_identifier_length() const noexcept override { return 64; }
  // A MariaDB server from 10.2 on takes a parameter array as one bulk command
  // (COM_STMT_BULK_EXECUTE), which MariaDB Connector/ODBC (and only it, see adapt()) uses for a
  // one-row statement bound to an array: 1.8x the rows/s of 1000-row VALUES lists in a 300k-row
  // sink drain, where 27% of the samples were the connector working through the lists.
  // A MySQL server has no bulk command, and the connector runs the array one statement per row:
  // there, VALUES lists of up to 1000 rows (a statement holds at most 65,535 placeholders).
  std::size_t rows_per_statement(std::size_t params_per_row) const override {
    if (bulk_arrays_) return 1;
    return std::clamp<std::size_t>(60000 / std::max<std::size_t>(params_per_row, 1), 1, 1000);
  }

 private:
  // "10.11.6-MariaDB-0+deb12u1" → MariaDB 10.2 or later.
  static bool bulk_capable(std::string_view version) {
    if (version.find("MariaDB") == std::string_view::npos) return false;
    int major = 0, minor = 0;
    if (std::sscanf(std::string(version).c_str(), "%d.%d", &major, &minor) != 2) return false;
    return major > 10 || (major == 10 && minor >= 2);
  }

  int lower_case_table_names_ = 0;
  bool bulk_arrays_ = false;
};

}  // namespace

std::unique_ptr<dialect> make_mysql(dialect_options o) { return std::make_unique<mysql_dialect>(o); }

}  // namespace sluice::odbc
