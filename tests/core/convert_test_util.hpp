#pragma once
// Shared helpers for the converter tests: schema builders and a matcher for sluice::error.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/convert/connect_json.hpp"
#include "core/convert/converter.hpp"
#include "core/error.hpp"

namespace sluice::convert::testing {

inline const kafka_position test_pos{"orders", 3, 42, 1700000000000};

inline field_schema field(std::string name, type_kind t, logical_kind l = logical_kind::none,
                          bool optional = true, int scale = 0) {
  return field_schema{.name = std::move(name), .type = t, .logical = l, .optional = optional, .scale = scale};
}

inline converter_settings json_settings(bool schemas, bool deletes = false, bool truncates = false) {
  return {.key_format = format::json, .key_schemas_enable = schemas, .value_format = format::json,
          .value_schemas_enable = schemas, .delete_enabled = deletes, .truncate_enabled = truncates};
}

// Runs `f`, expects a sluice::error, and returns its info (empty info when nothing was thrown).
inline error_info error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sluice::error& e) {
    return e.info();
  }
  ADD_FAILURE() << "expected a sluice::error";
  return {};
}

}  // namespace sluice::convert::testing
