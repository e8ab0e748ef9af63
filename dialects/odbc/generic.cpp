// Generic ODBC: standard SQL, and what the driver reports about itself (SQLGetInfo: identifier
// quote character, how unquoted and quoted names are cased, name limits, keywords) learned in
// adapt(). Tables are looked up with the ODBC catalog functions (SQLTables, SQLColumns,
// SQLPrimaryKeys), the name's _ and % escaped and the rows filtered for the exact name, so a name
// is never taken as a LIKE pattern. Upsert is the standard MERGE when the database is known to have it or the
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
    // Drivers disagree on SQL_ATTR_METADATA_ID (SQLite ignores quotes, psqlODBC upper-cases), so
    // names go as search patterns with _ and % escaped, and the rows are then filtered here:
    // an exact match first, else (a case-insensitive database) one that differs only in case.
    const std::string esc = c.info_string(SQL_SEARCH_PATTERN_ESCAPE);
    auto pattern = [&](const std::string& n) {
      if (esc.empty()) return n;
      std::string out;
      for (char ch : n) {
        if (ch == '_' || ch == '%' || esc.find(ch) != std::string::npos) out += esc;
        out += ch;
      }
      return out;
    };
    const std::string table = stored_name(t.table);
    const std::string schema = t.schema.empty() ? std::string() : stored_name(t.schema);
    auto wide = [](std::u16string& w) { return w.empty() ? nullptr : reinterpret_cast<SQLWCHAR*>(w.data()); };
    auto catalog = [&](const std::string& sc, const std::string& tb, int which) {
      statement s(c);
      auto w_sc = to_utf16(sc.empty() ? std::string() : pattern(sc));
      auto w_tb = to_utf16(pattern(tb));
      const auto n_sc = static_cast<SQLSMALLINT>(w_sc.size()), n_tb = static_cast<SQLSMALLINT>(w_tb.size());
      SQLRETURN rc;
      if (c.narrow()) {
        std::string n_sc = sc.empty() ? std::string() : pattern(sc), n_tb = which == 2 ? tb : pattern(tb);
        std::string p_sc = which == 2 ? sc : n_sc;
        auto ptr = [](std::string& x) { return x.empty() ? nullptr : reinterpret_cast<SQLCHAR*>(x.data()); };
        const auto l_sc = static_cast<SQLSMALLINT>(p_sc.size()), l_tb = static_cast<SQLSMALLINT>(n_tb.size());
        rc = which == 0   ? SQLTables(s.raw(), nullptr, 0, ptr(p_sc), l_sc, ptr(n_tb), l_tb, nullptr, 0)
             : which == 1 ? SQLColumns(s.raw(), nullptr, 0, ptr(p_sc), l_sc, ptr(n_tb), l_tb, nullptr, 0)
                          : SQLPrimaryKeys(s.raw(), nullptr, 0, ptr(p_sc), l_sc, ptr(n_tb), l_tb);
      } else if (which == 0) {
        rc = SQLTablesW(s.raw(), nullptr, 0, wide(w_sc), n_sc, wide(w_tb), n_tb, nullptr, 0);
      } else if (which == 1) {
        rc = SQLColumnsW(s.raw(), nullptr, 0, wide(w_sc), n_sc, wide(w_tb), n_tb, nullptr, 0);
      } else {  // SQLPrimaryKeys takes plain names, not patterns
        auto a = to_utf16(sc), b = to_utf16(tb);
        rc = SQLPrimaryKeysW(s.raw(), nullptr, 0, wide(a), static_cast<SQLSMALLINT>(a.size()), wide(b),
                             static_cast<SQLSMALLINT>(b.size()));
      }
      s.check(rc, "cannot read the ODBC catalog");
      return s.fetch_all();
    };
    auto same = [&](const std::optional<std::string>& got, const std::string& want, bool exact) {
      const std::string g = got.value_or("");
      return exact ? g == want : iequal_ascii(g, want);
    };
    auto tables = catalog(schema, table, 0);
    const text_row* hit = nullptr;
    for (bool exact : {true, false}) {
      if (exact == false && quoted_sensitive_) break;
      for (const auto& r : tables)
        if (r.size() >= 3 && same(r[2], table, exact) && (schema.empty() || same(r[1], schema, exact))) {
          hit = &r;
          break;
        }
      if (hit) break;
    }
    if (!hit) return std::nullopt;
    table_def def;
    def.id = {(*hit)[1].value_or(""), (*hit)[2].value_or(table)};
    for (const auto& r : catalog(def.id.schema, def.id.table, 1)) {
      if (r.size() < 13 || r[2].value_or("") != def.id.table || r[1].value_or("") != def.id.schema) continue;
      column_def cd;
      cd.name = r[3].value_or("");
      cd.type = r[5].value_or("");
      cd.family = family_of_sql_type(std::atoi(r[4].value_or("0").c_str()));
      cd.nullable = r[10].value_or("1") != "0";
      cd.has_default = r[12].has_value() && !r[12]->empty();
      if (cd.family == column_family::decimal) {
        cd.precision = std::atoi(r[6].value_or("0").c_str());
        cd.scale = std::atoi(r[8].value_or("0").c_str());
      }
      def.columns.push_back(std::move(cd));
    }
    std::vector<std::pair<int, std::string>> keys;
    for (const auto& r : catalog(def.id.schema, def.id.table, 2))
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
    // Each parameter stands where a target column gives it its type (ON, SET, INSERT VALUES),
    // as in UPDATE … WHERE: in a derived table, USING (VALUES (?, …)), nothing types it, and
    // PostgreSQL (psqlODBC sends parameters untyped) takes it as text: bigint = text fails.
    dml d;
    d.sql = "MERGE INTO " + render_table(t) + " AS target USING (VALUES (1)) AS incoming (one) ON (";
    for (std::size_t i = 0; i < key_count; ++i) {
      d.sql += (i ? " AND target." : "target.") + quote(cols[i]) + " = ?";
      d.params.push_back(i);
    }
    d.sql += ")";
    if (cols.size() > key_count) {
      d.sql += " WHEN MATCHED THEN UPDATE SET ";
      for (std::size_t i = key_count; i < cols.size(); ++i) {
        d.sql += (i > key_count ? ", " : "") + quote(cols[i]) + " = ?";
        d.params.push_back(i);
      }
    }
    d.sql += " WHEN NOT MATCHED THEN INSERT (" + column_list(cols) + ") VALUES (";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      d.sql += i ? ", ?" : "?";
      d.params.push_back(i);
    }
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
