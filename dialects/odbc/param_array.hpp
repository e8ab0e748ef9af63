#pragma once
// Column-wise parameter arrays for batched writes: one SQLExecute sends many rows
// (SQL_ATTR_PARAMSET_SIZE, SQL_PARAM_BIND_BY_COLUMN), not a statement per row.
//
// Rows are appended cell by cell into per-column storage (integers and doubles in arrays, text
// as UTF-16 — or UTF-8 where the connection allows, see connection::utf8_params — and bytes in
// one arena per column), then packed into the fixed-width buffers ODBC's
// column-wise binding wants when executed. Long values would make every row as wide as the
// longest one, so execute() splits the rows into chunks whose buffers stay under a byte budget.
//
// The SQLite ODBC driver reads the length of every binary cell of an array from the first row,
// so on SQLite a statement with a binary parameter runs one row per execute.
//
// Per-row status (SQL_ATTR_PARAM_STATUS_PTR) is read after a failure: when the driver marks some
// rows failed and others done, failed_row() names the first failed one, so the caller can set
// that record aside without bisecting. MariaDB Connector/ODBC 3.1, psqlODBC 13 and the SQLite
// ODBC driver report a failed array as a whole (every row marked, or none), so for them
// failed_row() is empty and the caller bisects.
//
// Ownership: owns its buffers and reuses their capacity across batches.
// Thread-safety: none.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sql.h>

#include "dialects/odbc/types.hpp"

namespace sluice::odbc {

class statement;

class param_array {
 public:
  // New shape: one column per kind, no rows. `utf8_text`: text cells are bound as UTF-8
  // (SQL_C_CHAR) instead of UTF-16 (SQL_C_WCHAR).
  void reset(std::vector<bind_as> kinds, bool utf8_text = false);
  // Keeps the shape and capacity, drops the rows.
  void clear_rows();
  // Starts a row whose cells are NULL until set.
  void add_row();
  // Removes the row being built (a value of it could not be converted).
  void drop_last_row();

  void set_null(std::size_t col);
  void set_int(std::size_t col, std::int64_t v);
  void set_double(std::size_t col, double v);
  void set_text(std::size_t col, std::string_view utf8);
  void set_binary(std::size_t col, std::string_view bytes);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t columns() const noexcept { return cols_.size(); }
  bind_as kind(std::size_t col) const noexcept { return cols_[col].kind; }

  // Executes the prepared `s` once per chunk of rows (parameter i+1 = column i). Returns the
  // affected row count the driver reports. Throws the translated error of the first failing
  // chunk; failed_row() then tells the row the driver marked, if it marked one. The 8 MiB
  // budget (rows counted at their column's longest value) keeps a chunk that MariaDB
  // Connector/ODBC sends as one bulk command under the server's max_allowed_packet (16 MiB by
  // default).
  std::int64_t execute(statement& s, std::size_t max_chunk_bytes = 8u << 20);
  std::optional<std::size_t> failed_row() const noexcept { return failed_row_; }
  // Executes `s`, a statement of `n` rows (dml with_rows), once with rows [lo, lo + n): parameter
  // r * columns() + i + 1 is column i of row lo + r. A failure names no row (the caller bisects).
  std::int64_t execute_rows(statement& s, std::size_t lo, std::size_t n);
  // Executes `s`, a statement taking its rows as one JSON parameter (dml::json_sql), once with
  // rows [lo, lo + n) rendered as [[cell, …], …]. Returns nullopt without executing when a cell
  // has no exact JSON form (bytes, a non-finite double, text holding NUL) or text is not UTF-8
  // (reset's utf8_text): the caller then uses execute_rows. A failure names no row.
  std::optional<std::int64_t> execute_json(statement& s, std::size_t lo, std::size_t n);
  // Renders execute_json's parameter for rows [lo, lo + n) ahead of time (false: the rows have
  // no exact JSON form, as above). execute_json of the same range then sends it as it is; any
  // change to the rows drops it. Lets one thread fill and render while another executes.
  bool render_json(std::size_t lo, std::size_t n);

 private:
  struct column {
    bind_as kind = bind_as::text;
    std::vector<std::int64_t> ints;
    std::vector<double> doubles;
    std::u16string text;                               // arena of text cells
    std::string bytes;                                 // arena of binary (and UTF-8 text) cells
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // per row: offset, length in units
    std::vector<SQLLEN> ind;                           // per row: SQL_NULL_DATA or byte length
    std::vector<char> packed;                          // fixed-width buffer of one chunk
    std::size_t width = 0;                             // bytes per element in `packed`
  };
  void bind_chunk(statement& s, std::size_t lo, std::size_t n);

  std::vector<column> cols_;
  std::size_t rows_ = 0;
  std::vector<SQLUSMALLINT> status_;
  SQLULEN processed_ = 0;
  std::optional<std::size_t> failed_row_;
  bool utf8_ = false;
  std::string json_;  // execute_json's parameter, capacity kept across batches
  std::optional<std::pair<std::size_t, std::size_t>> rendered_;  // rows json_ holds: lo, n
};

}  // namespace sluice::odbc
