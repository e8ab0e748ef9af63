#pragma once
// Internal to core/convert: decodes a Connect JSON payload with simdjson On-Demand, guided by a
// compiled schema (schema_plan.hpp), straight into the flat row of sluice::value — no DOM, no
// intermediate copies; strings are copied once, into the value that owns them.
// Every failure is a detail::failure naming the field path and what was expected and found.
// Thread-safety: stateless functions.
#include <simdjson.h>

#include <string_view>

#include "core/convert/schema_plan.hpp"

namespace sluice::convert::detail {

// Decodes `v` as field `f` into out[0 .. f.width). Slots a nested struct leaves out become null.
void decode_field(simdjson::ondemand::value v, const field_plan& f, value* out);

// Decodes an object per `plan` into out[0 .. plan.width), which the caller has sized; fields the
// schema does not know are skipped (as Connect does), missing ones take their default or null.
void decode_struct(simdjson::ondemand::object obj, const struct_plan& plan, value* out);

// A malformed-JSON failure; `near` names the field or part being read, when known.
[[noreturn]] void fail_json(simdjson::error_code e, std::string_view near);

// A JSON token or raw_json() slice without the whitespace simdjson leaves after it.
std::string_view trim_json(std::string_view s) noexcept;

// "a string \"abc\"", "a number 1.5", "an object": what was found, for messages.
std::string describe_found(simdjson::ondemand::value& v, simdjson::ondemand::json_type t);

}  // namespace sluice::convert::detail
