#pragma once
// What differs between the databases sluice reaches through ODBC, behind one interface:
// identifier rules (quote character, case folding, maximum length), Connect ↔ SQL types, the DDL
// of auto.create / auto.evolve, the table lookup that finds the table the database itself would
// resolve for an identifier, and the SQL of every write (insert, upsert, update, delete).
// Implementations: mysql (MySQL/MariaDB), sqlite, sqlserver, postgres (PostgreSQL through
// psqlODBC) and generic (standard SQL and what the driver reports about itself).
//
// Identifiers keep their exact case: every name is quoted when rendered, whatever
// quote.sql.identifiers says; `never` only folds names the way the database folds unquoted ones
// (PostgreSQL: lower case; generic: as the driver reports; the others keep case). A name a
// database cannot hold (too long, NUL, MariaDB's characters beyond U+FFFF) is an error, never
// truncated. DML statements name their parameters' columns in `params` so the writer can bind in
// that order.
//
// Ownership: plain objects; a writer owns its own dialect. Thread-safety: const members are pure
// except describe(), which uses the given connection; adapt() must not race with anything.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/connection_url.hpp"
#include "core/error.hpp"
#include "core/schema.hpp"
#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/types.hpp"

namespace sluice::odbc {

struct dialect_options {
  bool quote_always = true;    // quote.sql.identifiers=always (false: never)
  bool merge_holdlock = true;  // mssql.use.merge.holdlock
};

// A column's place in the key, for key-length limits (MySQL 3072 bytes, SQL Server 900 bytes).
struct column_role {
  bool key = false;
  std::size_t key_text_columns = 0;   // string and bytes key columns of the table
  std::size_t key_other_columns = 0;  // other key columns
};

// A statement and, in parameter order, the index (into the column list given) of each `?`.
struct dml {
  std::string sql;
  std::vector<std::size_t> params;
  // Where the one `( ?, … )` row of an INSERT sits in `sql` (both 0 for other statements), so
  // with_rows() can repeat it.
  std::size_t tuple_begin = 0, tuple_end = 0;
  // The same statement taking all its rows as one parameter: a JSON array of rows, each an
  // array of the values of `params` in order (empty when the dialect has no such form). Used
  // where the driver compiles a statement again on every execute (SQLite): one short statement
  // per batch instead of a long VALUES list per thousand rows.
  std::string json_sql;
};

// `one_row` (an INSERT or upsert of one row) as a statement of `rows` rows, VALUES (…), (…), …;
// its parameters are the row's, repeated per row.
dml with_rows(const dml& one_row, std::size_t rows);

class dialect {
 public:
  virtual ~dialect() = default;

  virtual config::dialect family() const noexcept = 0;
  virtual std::string_view name() const noexcept = 0;  // "MySQL/MariaDB" …

  // Learns what a live connection tells (MySQL: lower_case_table_names; generic: quote
  // character, identifier case, MERGE support, name limits). Called once, before other use.
  virtual void adapt(connection& c);

  // ---- identifiers ----
  // Throws sluice::error when the database cannot hold `name` exactly (`what`: "table", "column").
  virtual void check_identifier(std::string_view name, std::string_view what) const;
  // The name the database stores for `name` under quote.sql.identifiers.
  virtual std::string stored_name(std::string_view name) const;
  // check_identifier + stored_name + quoting with embedded quote characters doubled.
  std::string quote(std::string_view name, std::string_view what = "column") const;
  // "a.b" → {a, b}; a part in this dialect's quotes may hold dots; one part → table only.
  table_id parse_table(std::string_view spec) const;
  std::string render_table(const table_id& t) const;
  std::string display(const table_id& t) const;  // for messages, as the user wrote it
  // Whether the database takes two column names as the same column (MySQL, SQLite and SQL
  // Server compare column names without regard to ASCII case).
  virtual bool same_column(std::string_view a, std::string_view b) const;

  // ---- types ----
  virtual std::string sql_type(const field_schema& f, const column_role& role) const = 0;
  // The Connect field a column reads as (for the source and schemaless records).
  virtual field_schema field_for(const column_def& c) const;
  // How values for a column are bound.
  virtual bind_as binding(const column_def& c) const;
  virtual std::string quote_literal(std::string_view text) const;

  // ---- DDL ----
  // Creates the table unless it exists; NOT NULL for key and non-optional fields.
  virtual std::vector<std::string> create_table_sql(const table_id& t,
                                                    const std::vector<field_schema>& fields,
                                                    const std::vector<std::string>& pk) const;
  // Adds one column: nullable, or NOT NULL with the field's default (a NOT NULL column without a
  // default cannot be added to a table with rows).
  virtual std::string add_column_sql(const table_id& t, const field_schema& f) const;
  // Whether an error of CREATE TABLE / ADD COLUMN means another task did it first.
  virtual bool is_already_exists(const sluice::error& e) const;

  // ---- lookup ----
  virtual std::optional<table_def> describe(connection& c, const table_id& t) const = 0;

  // ---- DML (columns: stored names; the first key_count are the key) ----
  virtual dml insert_sql(const table_id& t, const std::vector<std::string>& cols) const;
  // Throws sluice::error naming insert.mode when the database offers no upsert.
  virtual dml upsert_sql(const table_id& t, const std::vector<std::string>& cols,
                         std::size_t key_count) const = 0;
  virtual dml update_sql(const table_id& t, const std::vector<std::string>& cols,
                         std::size_t key_count) const;
  virtual dml delete_sql(const table_id& t, const std::vector<std::string>& key_cols) const;
  // How many rows one INSERT / upsert statement carries (with_rows), 1 = one per parameter set.
  // Drivers that run a parameter array as a statement per row (the SQLite ODBC driver compiles
  // the statement again for every row; MariaDB's does on a MySQL server, which has no bulk
  // command) are far faster with many rows per statement.
  virtual std::size_t rows_per_statement(std::size_t params_per_row) const {
    (void)params_per_row;
    return 1;
  }
  // Empties a table inside a transaction (MySQL's TRUNCATE would commit it).
  virtual std::string truncate_sql(const table_id& t) const;

  // ---- source polling ----
  // `expr` (a timestamp column or parameter) in a form that compares and orders as time; SQLite
  // keeps timestamps as text, whose order depends on how each was written.
  virtual std::string comparable_timestamp(const std::string& expr) const { return expr; }
  // A custom query as the source of a poll: `with` goes before the poll's SELECT, `from` after
  // its FROM. By default the query is a derived table "(query) AS sluice_query" and `with` is
  // empty. `query` has no trailing blanks or semicolons.
  struct wrapped_query {
    std::string with;
    std::string from;
  };
  virtual wrapped_query wrap_query(std::string_view query) const;
  // What a timestamp window value keeps when it is compared with the tracked column(s)
  // `tracked` (COALESCE'd in this order): the bound text is converted to the column's type, and
  // some types refuse more digits than they hold, or round. Microseconds unless the dialect
  // knows better.
  virtual timestamp_grain timestamp_param_grain(const std::vector<const column_def*>& tracked) const {
    (void)tracked;
    return timestamp_grain::micros;
  }

  // ---- transactions ----
  virtual std::string savepoint_sql(std::string_view name) const;
  virtual std::string rollback_to_savepoint_sql(std::string_view name) const;
  virtual std::string release_savepoint_sql(std::string_view name) const;  // "" = none needed

 protected:
  explicit dialect(dialect_options o) : o_(o) {}
  virtual std::string_view open_quote() const noexcept { return "\""; }
  virtual std::string_view close_quote() const noexcept { return "\""; }
  // Longest identifier in characters (bytes for PostgreSQL); 0 = no limit.
  virtual std::size_t max_identifier_length() const noexcept = 0;
  virtual bool limit_in_bytes() const noexcept { return false; }
  std::string column_list(const std::vector<std::string>& cols) const;
  std::string key_match(const std::vector<std::string>& cols, std::size_t key_count,
                        std::string_view left, std::string_view right) const;

  dialect_options o_;
};

std::unique_ptr<dialect> make_dialect(config::dialect kind, dialect_options o = {});

// The Connect field for a column from its family and type name (shared by the dialects).
field_schema field_for_family(const column_def& c);
// Decimal precision and scale from a type spelling "decimal(12,2)" / "NUMERIC(10)".
void parse_precision_scale(std::string_view type, int& precision, int& scale);

}  // namespace sluice::odbc
