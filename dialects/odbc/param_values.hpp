#pragma once
// Record values into parameter-array cells, converted for the target column only where nothing
// is lost: integers into numeric, floating and text columns; whole doubles and decimals into
// integer columns; text into typed columns by strict parsing (schemaless JSON carries dates,
// timestamps and numbers as strings; timestamps are re-rendered as UTC "YYYY-MM-DD HH:MM:SS.ffffff"
// since servers differ in the ISO forms they read); Date into timestamp columns.
// A value that cannot be written throws sluice::error naming the column and value, with a
// SQLSTATE-like code (22003 out of range, 22007 bad date/time text, 22018 bad number text, 22021
// bad UTF-8, 42804 wrong type) and the errors.tolerance fix; the row is left to the caller to drop.
// Thread-safety: pure functions.
#include <string_view>

#include "core/value.hpp"
#include "dialects/odbc/param_array.hpp"
#include "dialects/odbc/types.hpp"

namespace sluice::odbc {

struct param_target {
  bind_as kind = bind_as::text;
  column_family family = column_family::text;
  std::string_view column;  // for messages
};

// The binding sluice uses for a column of this family.
bind_as binding_for(column_family f) noexcept;

// Sets cell `col` of the row being built. `v` null = SQL NULL.
void put_value(param_array& a, std::size_t col, const value* v, const param_target& t);

}  // namespace sluice::odbc
