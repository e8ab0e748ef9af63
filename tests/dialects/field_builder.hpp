#pragma once
// One field of a record schema, as the dialect tests write them: f("id", type_kind::int64, false).
// Shared by the ODBC dialect unit and integration tests (three copies before).
#include <string>
#include <utility>

#include "core/schema.hpp"

namespace sluice::odbc {

inline field_schema f(std::string name, type_kind t, bool optional = true,
                      logical_kind l = logical_kind::none, int scale = 0, int precision = 0) {
  field_schema s;
  s.name = std::move(name);
  s.type = t;
  s.optional = optional;
  s.logical = l;
  s.scale = scale;
  s.precision = precision;
  return s;
}

}  // namespace sluice::odbc
