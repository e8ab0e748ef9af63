#include "core/convert/payload_decoder.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "core/convert/codecs.hpp"
#include "core/convert/failure.hpp"

namespace sluice::convert::detail {

namespace od = simdjson::ondemand;

namespace {

constexpr std::string_view type_fix =
    "make the producer write values that match the schema, or set errors.tolerance=all to route "
    "such records to the dead-letter topic";

std::string describe(const field_plan& f) {
  if (f.variable_scale) return "VariableScaleDecimal";
  if (f.logical == logical_kind::decimal) return fmt::format("Decimal scale {}", f.scale);
  if (f.logical != logical_kind::none) return std::string(to_string(f.logical));
  return std::string(to_string(f.type));
}

[[noreturn]] void fail_type(const field_plan& f, std::string_view expected, od::value& v,
                            od::json_type t) {
  fail(fmt::format("field \"{}\" ({}): expected {}, found {}", f.path, describe(f), expected,
                   describe_found(v, t)),
       std::string(type_fix));
}

[[noreturn]] void fail_field(const field_plan& f, std::string_view why) {
  fail(fmt::format("field \"{}\" ({}): {}", f.path, describe(f), why), std::string(type_fix));
}

void set_missing(const field_plan& f, value* out, bool explicit_null) {
  // Connect treats an explicit null like a missing field: the default wins, then optional → null.
  if (f.default_value) {
    out[0] = *f.default_value;
    return;
  }
  if (!f.optional)
    fail(fmt::format("field \"{}\" ({}) is {} but the schema says it is required (not optional) and "
                     "gives no default",
                     f.path, describe(f), explicit_null ? "null" : "missing"),
         std::string(type_fix));
  for (std::uint32_t i = 0; i < f.width; ++i) out[i] = null_value{};
}

// A string the JSON type check let through can still fail on a bad escape: malformed JSON.
std::string_view read_string(od::value& v, const field_plan& f, std::string_view expected, od::json_type t) {
  if (t != od::json_type::string) fail_type(f, expected, v, t);
  std::string_view s;
  if (auto e = v.get_string().get(s)) fail_json(e, f.path);
  return s;
}

std::int64_t read_integer(od::value& v, const field_plan& f, od::json_type t) {
  if (t != od::json_type::number) fail_type(f, "an integer", v, t);
  std::int64_t i = 0;
  if (v.get_int64().get(i)) fail_type(f, "an integer within int64", v, t);
  return i;
}

void check_range(const field_plan& f, std::int64_t i, std::int64_t lo, std::int64_t hi) {
  if (i < lo || i > hi) fail_field(f, fmt::format("value {} is out of range [{}, {}]", i, lo, hi));
}

void decode_integer(od::value& v, const field_plan& f, od::json_type t, value* out) {
  const std::int64_t i = read_integer(v, f, t);
  constexpr auto i32_min = std::numeric_limits<std::int32_t>::min();
  constexpr auto i32_max = std::numeric_limits<std::int32_t>::max();
  switch (f.logical) {
    case logical_kind::date:
      check_range(f, i, i32_min, i32_max);
      *out = date_value{static_cast<std::int32_t>(i)};
      return;
    case logical_kind::time:  // Connect: int32 milliseconds of the day
      check_range(f, i, 0, 86'400'000);
      *out = time_value{i * 1000};
      return;
    case logical_kind::timestamp:  // milliseconds
      check_range(f, i, std::numeric_limits<std::int64_t>::min() / 1000,
                  std::numeric_limits<std::int64_t>::max() / 1000);
      *out = timestamp_value{i * 1000};
      return;
    case logical_kind::micro_timestamp: *out = timestamp_value{i}; return;
    case logical_kind::nano_timestamp: *out = timestamp_value{floor_div(i, 1000)}; return;
    case logical_kind::micro_time: *out = time_value{i}; return;
    default: break;
  }
  switch (f.type) {
    case type_kind::int8: check_range(f, i, -128, 127); break;
    case type_kind::int16: check_range(f, i, -32768, 32767); break;
    case type_kind::int32: check_range(f, i, i32_min, i32_max); break;
    default: break;
  }
  *out = i;
}

decimal_value decimal_from_base64(od::value& v, const field_plan& f, od::json_type t, int scale) {
  const std::string_view text = read_string(v, f, "a base64 string", t);
  // Per-thread scratch: the decoded bytes are transient, the digits are the output.
  thread_local std::string bytes;
  bytes.clear();
  if (!base64_decode(text, bytes)) fail_type(f, "a base64 string", v, t);
  decimal_value d;
  d.scale = scale;
  twos_complement_to_digits(bytes, d.unscaled);
  return d;
}

void decode_decimal(od::value& v, const field_plan& f, od::json_type t, value* out) {
  if (t == od::json_type::string) {
    *out = decimal_from_base64(v, f, t, f.scale);
    return;
  }
  if (t == od::json_type::number) {  // decimal.format=NUMERIC
    auto digits = decimal_text_to_unscaled(trim_json(v.raw_json_token()), f.scale);
    if (!digits)
      fail_field(f, fmt::format("number {} cannot be held at scale {} without rounding",
                                trim_json(v.raw_json_token()), f.scale));
    *out = decimal_value{std::move(*digits), f.scale};
    return;
  }
  fail_type(f, "a base64 string or a number", v, t);
}

void decode_variable_scale(od::value& v, const field_plan& f, od::json_type t, value* out) {
  od::object obj;
  if (t != od::json_type::object || v.get_object().get(obj))
    fail_type(f, "an object {\"scale\", \"value\"}", v, t);
  std::int64_t scale = 0;
  std::optional<decimal_value> d;
  for (auto member : obj) {
    od::field fld;
    std::string_view key;
    if (auto e = std::move(member).get(fld)) fail_json(e, f.path);
    if (auto e = fld.unescaped_key().get(key)) fail_json(e, f.path);
    od::value mv = fld.value();
    od::json_type mt;
    if (auto e = mv.type().get(mt)) fail_json(e, f.path);
    if (key == "scale") {
      if (mt != od::json_type::number || mv.get_int64().get(scale) || scale < -1000 || scale > 1000)
        fail_type(f, "an integer \"scale\"", mv, mt);
    } else if (key == "value") {
      d = decimal_from_base64(mv, f, mt, 0);
    }
  }
  if (!d) fail_field(f, "the object has no \"value\"");
  d->scale = static_cast<int>(scale);
  *out = std::move(*d);
}

void decode_json_text(od::value& v, const field_plan& f, od::json_type t, value* out) {
  std::string_view raw;
  if (t == od::json_type::array) {
    od::array a;
    if (auto e = v.get_array().get(a)) fail_json(e, f.path);
    if (auto e = a.raw_json().get(raw)) fail_json(e, f.path);
  } else if (t == od::json_type::object && f.type == type_kind::map) {
    od::object o;
    if (auto e = v.get_object().get(o)) fail_json(e, f.path);
    if (auto e = o.raw_json().get(raw)) fail_json(e, f.path);
  } else {
    fail_type(f, f.type == type_kind::map ? "an object or an array" : "an array", v, t);
  }
  *out = std::string(trim_json(raw));
}

}  // namespace

std::string_view trim_json(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string describe_found(od::value& v, od::json_type t) {
  switch (t) {
    case od::json_type::object: return "an object";
    case od::json_type::array: return "an array";
    default: break;
  }
  std::string_view token = trim_json(v.raw_json_token());
  constexpr std::size_t max_shown = 40;
  std::string shown(token.substr(0, max_shown));
  if (token.size() > max_shown) shown += "...";
  switch (t) {
    case od::json_type::string: return "a string " + shown;
    case od::json_type::number: return "a number " + shown;
    case od::json_type::boolean: return "a boolean " + shown;
    default: return "null";
  }
}

[[noreturn]] void fail_json(simdjson::error_code e, std::string_view near) {
  fail(near.empty() ? fmt::format("malformed JSON: {}", simdjson::error_message(e))
                    : fmt::format("malformed JSON at \"{}\": {}", near, simdjson::error_message(e)),
       "the bytes are not valid JSON: check the producer's serializer and the key.converter / "
       "value.converter setting");
}

void decode_field(od::value v, const field_plan& f, value* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) fail_json(e, f.path);
  if (t == od::json_type::null) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) fail_json(e, f.path);
    if (!is_null) fail_json(simdjson::N_ATOM_ERROR, f.path);
    set_missing(f, out, true);
    return;
  }
  switch (f.type) {
    case type_kind::int8:
    case type_kind::int16:
    case type_kind::int32:
    case type_kind::int64: decode_integer(v, f, t, out); return;
    case type_kind::float32:
    case type_kind::float64: {
      double d = 0;
      if (t != od::json_type::number || v.get_double().get(d)) fail_type(f, "a number", v, t);
      // Connect reads FLOAT32 with floatValue(): keep exactly what a float can hold.
      *out = f.type == type_kind::float32 ? static_cast<double>(static_cast<float>(d)) : d;
      return;
    }
    case type_kind::boolean: {
      bool b = false;
      if (t != od::json_type::boolean || v.get_bool().get(b)) fail_type(f, "true or false", v, t);
      *out = b;
      return;
    }
    case type_kind::string: {
      const std::string_view s = read_string(v, f, "a string", t);
      if (f.logical == logical_kind::zoned_timestamp) {
        auto micros = parse_iso_timestamp(s);
        if (!micros) fail_type(f, "an ISO-8601 timestamp like 2024-01-31T12:00:00.123456Z", v, t);
        *out = timestamp_value{*micros};
      } else if (auto* text = std::get_if<std::string>(out); text && text->capacity() <= 2 * s.size() + 32) {
        text->assign(s);  // a reused record's buffer; one far too large for this value is let go
      } else {
        *out = std::string(s);
      }
      return;
    }
    case type_kind::bytes: {
      if (f.logical == logical_kind::decimal) {
        decode_decimal(v, f, t, out);
        return;
      }
      const std::string_view s = read_string(v, f, "a base64 string", t);
      bytes_value b;
      if (!base64_decode(s, b.data)) fail_type(f, "a base64 string", v, t);
      *out = std::move(b);
      return;
    }
    case type_kind::array:
    case type_kind::map: decode_json_text(v, f, t, out); return;
    case type_kind::struct_: {
      if (f.variable_scale) {
        decode_variable_scale(v, f, t, out);
        return;
      }
      od::object obj;
      if (t != od::json_type::object || v.get_object().get(obj)) fail_type(f, "an object", v, t);
      decode_struct(obj, *f.nested, out);
      return;
    }
  }
}

void decode_struct(od::object obj, const struct_plan& plan, value* out) {
  // Which schema fields the payload had: bits on the stack for up to 512 fields, so only
  // wider structs allocate.
  const std::size_t n = plan.fields.size();
  constexpr std::size_t inline_fields = 512;
  std::uint64_t inline_bits[inline_fields / 64] = {};
  std::vector<std::uint64_t> wide_bits;
  std::uint64_t* seen = inline_bits;
  if (n > inline_fields) {
    wide_bits.assign((n + 63) / 64, 0);
    seen = wide_bits.data();
  }
  std::size_t position = 0;
  std::string_view last_key;
  for (auto member : obj) {
    od::field fld;
    if (auto e = std::move(member).get(fld)) fail_json(e, last_key);
    std::string_view key;
    if (auto e = fld.unescaped_key().get(key)) fail_json(e, last_key);
    last_key = key;
    const int i = plan.find(key, position++);
    if (i < 0) continue;  // not in the schema: Connect ignores it too
    const auto k = static_cast<std::size_t>(i);
    const field_plan& f = plan.fields[k];
    decode_field(fld.value(), f, out + f.slot);
    seen[k / 64] |= std::uint64_t{1} << (k % 64);
  }
  for (std::size_t k = 0; k < n; ++k)
    if (((seen[k / 64] >> (k % 64)) & 1) == 0) set_missing(plan.fields[k], out + plan.fields[k].slot, false);
}

}  // namespace sluice::convert::detail
