#pragma once
// The vocabulary every ODBC dialect shares: what family a column's type belongs to (so the sink
// can check a record field against it and choose how to bind values), how a value is bound, and
// tables as the database describes them.
// Thread-safety: plain values and pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.hpp"

namespace sluice::odbc {

enum class column_family : std::uint8_t {
  integer, boolean, floating, decimal, text, binary, date, time, timestamp, json, uuid, other
};
std::string_view to_string(column_family f) noexcept;

// How a parameter travels to the driver (see param_array.hpp).
enum class bind_as : std::uint8_t {
  int64,    // SQL_C_SBIGINT
  float64,  // SQL_C_DOUBLE
  text,     // SQL_C_WCHAR; the server converts to the column type
  binary,   // SQL_C_BINARY
};

struct column_def {
  std::string name;        // as stored
  std::string type;        // as the database spells it: "varchar(255)", "DECIMAL(12,2)", "datetime2"
  column_family family = column_family::other;
  bool nullable = true;
  bool has_default = false;
  int precision = 0;  // decimal: digits; 0 unknown
  int scale = 0;      // decimal: digits after the point
  int fraction_digits = -1;  // timestamp: fractional-second digits, when only the driver's
                             // description is known (a custom query's columns); -1 unknown
  bool whole_minutes = false;  // timestamp: described as holding minutes only (16 characters,
                               // no seconds: SQL Server's smalldatetime in a custom query)
};

// What a timestamp window value keeps when it is bound as text: every finer part is cut (the
// value floored), so the database's conversion of that text to the column's type cannot round it
// up past the instant it stands for. Coarsest first.
enum class timestamp_grain {
  minutes,   // "YYYY-MM-DD HH:MM:00"
  seconds,   // "YYYY-MM-DD HH:MM:SS"
  ticks300,  // SQL Server datetime: milliseconds floored to one the type renders (…0, …3, …7)
  millis,    // "YYYY-MM-DD HH:MM:SS.fff"
  micros,    // "YYYY-MM-DD HH:MM:SS.ffffff"
  ticks100,  // "YYYY-MM-DD HH:MM:SS.fffffff": SQL Server datetime2(7) / datetimeoffset(7)
};

struct table_id {
  std::string schema;  // database (MySQL), attached database (SQLite), schema; empty = default
  std::string table;
  bool operator==(const table_id&) const = default;
};

struct table_def {
  table_id id;  // as stored (the exact names the database resolved)
  std::vector<column_def> columns;       // in table order
  std::vector<std::string> primary_key;  // in key order; empty when none
};

// Whether a record field of a Connect type can be written into a column of this family without
// loss or guesswork: strings go anywhere (the server or sluice parses them: schemaless JSON
// carries dates and numbers as text); other types only into their own family or into text.
bool accepts(const field_schema& f, column_family c) noexcept;

// The family of an ODBC SQL data type (SQL_INTEGER, SQL_TYPE_TIMESTAMP …), for result columns
// described by the driver (SQLDescribeCol, SQLColumns).
column_family family_of_sql_type(int sql_type) noexcept;

}  // namespace sluice::odbc
