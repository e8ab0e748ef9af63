#include "dialects/odbc/types.hpp"

#include <sql.h>
#include <sqlext.h>

namespace sluice::odbc {

std::string_view to_string(column_family f) noexcept {
  switch (f) {
    case column_family::integer: return "integer";
    case column_family::boolean: return "boolean";
    case column_family::floating: return "floating point";
    case column_family::decimal: return "decimal";
    case column_family::text: return "text";
    case column_family::binary: return "binary";
    case column_family::date: return "date";
    case column_family::time: return "time";
    case column_family::timestamp: return "timestamp";
    case column_family::json: return "json";
    case column_family::uuid: return "uuid";
    case column_family::other: return "other";
  }
  return "other";
}

bool accepts(const field_schema& f, column_family c) noexcept {
  using cf = column_family;
  if (c == cf::other || c == cf::text || c == cf::json) return true;
  switch (f.logical) {
    case logical_kind::decimal: return c == cf::decimal || c == cf::floating || c == cf::integer;
    case logical_kind::date: return c == cf::date || c == cf::timestamp;
    case logical_kind::time:
    case logical_kind::micro_time: return c == cf::time;
    case logical_kind::timestamp:
    case logical_kind::micro_timestamp:
    case logical_kind::nano_timestamp:
    case logical_kind::zoned_timestamp: return c == cf::timestamp || c == cf::date;
    case logical_kind::json: return false;  // text families handled above
    case logical_kind::uuid: return c == cf::uuid;
    case logical_kind::none: break;
  }
  switch (f.type) {
    case type_kind::int8: case type_kind::int16: case type_kind::int32: case type_kind::int64:
      return c == cf::integer || c == cf::decimal || c == cf::floating || c == cf::boolean;
    case type_kind::float32: case type_kind::float64: return c == cf::floating || c == cf::decimal;
    case type_kind::boolean: return c == cf::boolean || c == cf::integer;
    case type_kind::string: return true;
    case type_kind::bytes: return c == cf::binary;
    default: return false;
  }
}

column_family family_of_sql_type(int sql_type) noexcept {
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

}  // namespace sluice::odbc
