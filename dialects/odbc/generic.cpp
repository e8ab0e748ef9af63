// Generic ODBC: standard SQL, and what the driver reports about itself (SQLGetInfo: identifier
// quote character, how unquoted and quoted names are cased, name limits, keywords) learned in
// adapt(). Tables are looked up with the ODBC catalog functions (SQLTables, SQLColumns,
// SQLPrimaryKeys) with SQL_ATTR_METADATA_ID on, so a quoted name is matched exactly rather than
// as a LIKE pattern. Upsert is the standard MERGE when the database is known to have it or the
// driver lists MERGE among its keywords; otherwise it is an error that names insert.mode and
// dialect.name.
#include <algorithm>
#include <fmt/format.h>
#include <sqlext.h>

#include "core/error.hpp"
#include "dialects/odbc/dialect_impls.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
namespace {

column_family family_for(int sql_type) {
  switch (sql_type) {
    case SQL_BIT: return column_family::boolean;
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT: return column_family::integer;
    case SQL_REAL: case SQL_FLOAT: case SQL_DOUBLE: return column_family::floating;
    case SQL_DECIMAL: case SQL_NUMERIC: return column_family::decimal;
    case SQL_CHAR: case SQL_VARCHAR: case SQL_LONGVARCHAR: case SQL_WCHAR: case SQL_WVARCHAR:
    case SQL_WLONGVARCHAR: return column_family::text;
    case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY: return column_family::binary;
    case SQL_TYPE_DATE: case SQL_DATE: return column_family::date;
    case SQL_TYPE_TIME: case SQL_TIME: return column_family::time;
    case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP: return column_family::timestamp;
    case SQL_GUID: return column_family::uuid;
    default: return column_family::other;
  }
}

// Databases with a standard MERGE statement, by the DBMS name their drivers report.
bool known_merge(std::string_view dbms, std::string_view version) {
  const std::string d = lower_ascii(dbms);
  for (std::string_view n : {"oracle", "microsoft sql server", "db2", "firebird", "h2", "hsql",
                             "teradata", "snowflake", "hdb", "sap hana", "informix", "exasol",
                             "vertica", "sybase", "adaptive server"})
    if (d.find(n) != std::string::npos) return true;
  // PostgreSQL has MERGE from version 15.
  return d.find("postgres") != std::string::npos && !version.empty() && std::atoi(std::string(version).c_str()) >= 15;
}

class generic_dialect final : public dialect {
 public:
  explicit generic_dialect(dialect_options o) : dialect(o) {}

  config::dialect family() const noexcept override { return config::dialect::generic; }
  std::string_view name() const noexcept override { return "generic ODBC"; }

  void adapt(connection& c) override {
    dbms_ = c.dbms_name();
    driver_ = c.driver_name();
    auto q = c.info_string(SQL_IDENTIFIER_QUOTE_CHAR);
    quote_ = q == " " ? std::string() : q.empty() ? "\"" : q;
    unquoted_case_ = c.info_uint(SQL_IDENTIFIER_CASE);
    quoted_sensitive_ = c.info_uint(SQL_QUOTED_IDENTIFIER_CASE) == SQL_IC_SENSITIVE;
    max_length_ = std::min(c.info_uint(SQL_MAX_TABLE_NAME_LEN) ? c.info_uint(SQL_MAX_TABLE_NAME_LEN) : 0xFFFFFFFFu,
                           c.info_uint(SQL_MAX_COLUMN_NAME_LEN) ? c.info_uint(SQL_MAX_COLUMN_NAME_LEN) : 0xFFFFFFFFu);
    if (max_length_ == 0xFFFFFFFFu) max_length_ = 0;
    const std::string keywords = "," + upper_ascii(c.info_string(SQL_KEYWORDS)) + ",";
    merge_ = known_merge(dbms_, c.dbms_version()) || keywords.find(",MERGE,") != std::string::npos;
  }

  void check_identifier(std::string_view n, std::string_view what) const override {
    dialect::check_identifier(n, what);
    if (!quote_.empty()) return;
    // A driver without identifier quoting: only plain names are safe to splice.
    bool plain = !n.empty() && !std::isdigit(static_cast<unsigned char>(n[0]));
    for (char ch : n) plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
    if (!plain)
      throw sluice::error({.what = fmt::format("cannot use this {} name", what),
                           .where = "generic ODBC",
                           .why = fmt::format("'{}' needs quoting and the driver reports no "
                                              "identifier quote character", n),
                           .fix = "use names of letters, digits and _ only, or set dialect.name "
                                  "to the database's own dialect",
                           .code = "42602"});
  }

  std::string stored_name(std::string_view n) const override {
    if (o_.quote_always) return std::string(n);
    if (unquoted_case_ == SQL_IC_UPPER) return upper_ascii(n);
    if (unquoted_case_ == SQL_IC_LOWER) return lower_ascii(n);
    return std::string(n);
  }

  bool same_column(std::string_view a, std::string_view b) const override {
    return quoted_sensitive_ ? a == b : iequal_ascii(a, b);
  }

  std::string sql_type(const field_schema& f, const column_role& role) const override {
    switch (f.logical) {
      case logical_kind::decimal: {
        const int scale = std::clamp(f.scale, 0, 38);
        return fmt::format("DECIMAL({},{})", std::clamp(f.precision > 0 ? f.precision : 38, std::max(scale, 1), 38), scale);
      }
      case logical_kind::date: return "DATE";
      case logical_kind::time:
      case logical_kind::micro_time: return "TIME";
      case logical_kind::timestamp:
      case logical_kind::micro_timestamp:
      case logical_kind::nano_timestamp:
      case logical_kind::zoned_timestamp: return "TIMESTAMP";
      case logical_kind::uuid: return "CHAR(36)";
      default: break;
    }
    switch (f.type) {
      case type_kind::int8:
      case type_kind::int16: return "SMALLINT";
      case type_kind::int32: return "INTEGER";
      case type_kind::int64: return "BIGINT";
      case type_kind::float32: return "REAL";
      case type_kind::float64: return "DOUBLE PRECISION";
      case type_kind::boolean: return "BOOLEAN";
      case type_kind::bytes: return role.key ? "VARBINARY(255)" : "BLOB";
      default: return role.key ? "VARCHAR(255)" : "VARCHAR(4000)";
    }
  }

  std::vector<std::string> create_table_sql(const table_id& t, const std::vector<field_schema>& fields,
                                            const std::vector<std::string>& pk) const override {
    // Standard SQL has no IF NOT EXISTS: a table created meanwhile fails with 42S01, which
    // is_already_exists() accepts.
    auto sql = dialect::create_table_sql(t, fields, pk);
    sql[0].replace(0, std::string_view("CREATE TABLE IF NOT EXISTS").size(), "CREATE TABLE");
    return sql;
  }

  std::optional<table_def> describe(connection& c, const table_id& t) const override {
    auto ident = [&](const std::string& n) {
      std::string s(open_quote());
      for (char ch : n) {
        if (!quote_.empty() && ch == quote_[0]) s += ch;
        s += ch;
      }
      return s + std::string(close_quote());
    };
    const std::string table = stored_name(t.table);
    const std::string schema = t.schema.empty() ? std::string() : stored_name(t.schema);
    auto catalog_call = [&](auto&& call) {
      statement s(c);
      SQLSetStmtAttr(s.raw(), SQL_ATTR_METADATA_ID, reinterpret_cast<SQLPOINTER>(SQL_TRUE), 0);
      auto w_schema = to_utf16(schema.empty() ? std::string() : ident(schema));
      auto w_table = to_utf16(ident(table));
      s.check(call(s.raw(), w_schema, w_table), "cannot read the ODBC catalog");
      return s.fetch_all();
    };
    auto wide = [](std::u16string& w) { return reinterpret_cast<SQLWCHAR*>(w.data()); };
    auto tables = catalog_call([&](SQLHSTMT h, std::u16string& sc, std::u16string& tb) {
      return SQLTablesW(h, nullptr, 0, sc.empty() ? nullptr : wide(sc), static_cast<SQLSMALLINT>(sc.size()),
                        wide(tb), static_cast<SQLSMALLINT>(tb.size()), nullptr, 0);
    });
    if (tables.empty()) return std::nullopt;
    table_def def;
    def.id = {tables[0][1].value_or(""), tables[0][2].value_or(table)};
    std::string found_schema = def.id.schema;
    auto cols = catalog_call([&](SQLHSTMT h, std::u16string&, std::u16string& tb) {
      auto sc = to_utf16(found_schema.empty() ? std::string() : ident(found_schema));
      return SQLColumnsW(h, nullptr, 0, sc.empty() ? nullptr : wide(sc), static_cast<SQLSMALLINT>(sc.size()),
                         wide(tb), static_cast<SQLSMALLINT>(tb.size()), nullptr, 0);
    });
    for (const auto& r : cols) {
      if (r.size() < 13) continue;
      column_def cd;
      cd.name = r[3].value_or("");
      cd.type = r[5].value_or("");
      cd.family = family_for(std::atoi(r[4].value_or("0").c_str()));
      cd.nullable = r[10].value_or("1") != "0";
      cd.has_default = r[12].has_value();
      if (cd.family == column_family::decimal) {
        cd.precision = std::atoi(r[6].value_or("0").c_str());
        cd.scale = std::atoi(r[8].value_or("0").c_str());
      }
      def.columns.push_back(std::move(cd));
    }
    auto pk = catalog_call([&](SQLHSTMT h, std::u16string&, std::u16string& tb) {
      auto sc = to_utf16(found_schema.empty() ? std::string() : ident(found_schema));
      return SQLPrimaryKeysW(h, nullptr, 0, sc.empty() ? nullptr : wide(sc), static_cast<SQLSMALLINT>(sc.size()),
                             wide(tb), static_cast<SQLSMALLINT>(tb.size()));
    });
    std::vector<std::pair<int, std::string>> keys;
    for (const auto& r : pk)
      if (r.size() >= 5) keys.emplace_back(std::atoi(r[4].value_or("0").c_str()), r[3].value_or(""));
    std::sort(keys.begin(), keys.end());
    for (auto& k : keys) def.primary_key.push_back(std::move(k.second));
    return def;
  }

  dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                 std::size_t key_count) const override {
    if (!merge_)
      throw sluice::error(
          {.what = "cannot upsert through generic ODBC",
           .where = fmt::format("table {}", display(t)),
           .why = fmt::format("the database ({}, driver {}) is not known to support MERGE and the "
                              "driver does not list it among its SQL keywords",
                              dbms_.empty() ? "unknown" : dbms_, driver_.empty() ? "unknown" : driver_),
           .fix = "set insert.mode=insert or insert.mode=update, or set dialect.name to the "
                  "database's own dialect (MySqlDatabaseDialect, SqliteDatabaseDialect, "
                  "SqlServerDatabaseDialect, PostgreSqlDatabaseDialect)"});
    dml d;
    d.sql = "MERGE INTO " + render_table(t) + " AS target USING (VALUES (";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      d.sql += i ? ", ?" : "?";
      d.params.push_back(i);
    }
    d.sql += ")) AS incoming (" + column_list(cols) + ") ON (" +
             key_match(cols, key_count, "target", "incoming") + ")";
    if (cols.size() > key_count) {
      d.sql += " WHEN MATCHED THEN UPDATE SET ";
      for (std::size_t i = key_count; i < cols.size(); ++i) {
        const auto q = quote(cols[i]);
        d.sql += (i > key_count ? ", " : "") + q + " = incoming." + q;
      }
    }
    d.sql += " WHEN NOT MATCHED THEN INSERT (" + column_list(cols) + ") VALUES (";
    for (std::size_t i = 0; i < cols.size(); ++i) d.sql += (i ? ", incoming." : "incoming.") + quote(cols[i]);
    d.sql += ")";
    return d;
  }

 protected:
  std::string_view open_quote() const noexcept override { return quote_; }
  std::string_view close_quote() const noexcept override { return quote_; }
  std::size_t max_identifier_length() const noexcept override { return max_length_; }

 private:
  std::string quote_ = "\"";
  std::string dbms_, driver_;
  std::uint32_t unquoted_case_ = SQL_IC_UPPER;
  bool quoted_sensitive_ = true;
  std::size_t max_length_ = 0;
  bool merge_ = false;
};

}  // namespace

std::unique_ptr<dialect> make_generic(dialect_options o) { return std::make_unique<generic_dialect>(o); }

}  // namespace sluice::odbc
