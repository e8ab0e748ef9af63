#include "core/convert/connect_json.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/convert/codecs.hpp"
#include "core/error.hpp"

namespace sluice::convert {

namespace {

using detail::floor_div;

constexpr std::string_view value_type_names[] = {"null",    "boolean", "int64", "double",
                                                 "string",  "bytes",   "decimal", "date",
                                                 "time",    "timestamp"};

[[noreturn]] void fail_encode(std::string_view path, std::string why) {
  throw sluice::error({.what = "cannot encode record as Connect JSON",
                       .where = fmt::format("field \"{}\"", path),
                       .why = std::move(why),
                       .fix = "the row must hold one value per schema field, of the field's type"});
}

std::size_t flat_width(const field_schema& f) {
  if (f.type != type_kind::struct_ || !f.nested) return 1;
  std::size_t n = 0;
  for (const auto& c : f.nested->fields) n += flat_width(c);
  return n;
}

std::size_t flat_width(const struct_schema& s) {
  std::size_t n = 0;
  for (const auto& f : s.fields) n += flat_width(f);
  return n;
}

void append_field_schema(const field_schema& f, std::string& out);

void append_struct_schema(const struct_schema& s, bool optional, std::string& out) {
  out += R"({"type":"struct","fields":[)";
  for (std::size_t i = 0; i < s.fields.size(); ++i) {
    if (i > 0) out += ',';
    append_field_schema(s.fields[i], out);
  }
  out += "],\"optional\":";
  out += optional ? "true" : "false";
  if (!s.name.empty()) {
    out += ",\"name\":";
    append_json_string(s.name, out);
  }
}

void append_field_schema(const field_schema& f, std::string& out) {
  if (f.type == type_kind::array || f.type == type_kind::map)
    fail_encode(f.name, "array and map fields cannot be encoded; rows hold them as JSON text, so "
                        "declare the field as string with logical json");
  if (f.type == type_kind::struct_) {
    if (!f.nested) fail_encode(f.name, "a struct field without its nested schema");
    append_struct_schema(*f.nested, f.optional, out);
  } else {
    out += R"({"type":")";
    out += to_string(f.type);
    out += "\",\"optional\":";
    out += f.optional ? "true" : "false";
    if (f.logical != logical_kind::none) {
      out += ",\"name\":";
      append_json_string(logical_name(f.logical), out);
      out += ",\"version\":1";
    }
    if (f.logical == logical_kind::decimal) {
      fmt::format_to(std::back_inserter(out), R"(,"parameters":{{"scale":"{}")", f.scale);
      if (f.precision > 0)
        fmt::format_to(std::back_inserter(out), R"(,"connect.decimal.precision":"{}")", f.precision);
      out += '}';
    }
  }
  out += ",\"field\":";
  append_json_string(f.name, out);
  out += '}';
}

template <class T>
const T& expect(const field_schema& f, const value& v) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  fail_encode(f.name, fmt::format("the field is {}{}{} but the value is a {}", to_string(f.type),
                                  f.logical == logical_kind::none ? "" : " ",
                                  f.logical == logical_kind::none ? "" : to_string(f.logical),
                                  value_type_names[v.index()]));
}

void append_double(const field_schema& f, double d, std::string& out) {
  if (!std::isfinite(d))
    fail_encode(f.name, fmt::format("{} cannot be written as JSON (Connect's JSON has no NaN or "
                                    "Infinity)", d));
  const std::size_t start = out.size();
  if (f.type == type_kind::float32) fmt::format_to(std::back_inserter(out), "{}", static_cast<float>(d));
  else fmt::format_to(std::back_inserter(out), "{}", d);
  // Write 1.0, not 1, as Jackson does, so schemaless readers infer a floating type.
  if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
}

void append_integer(const field_schema& f, const value& v, std::string& out) {
  std::int64_t n = 0;
  switch (f.logical) {
    case logical_kind::date: n = expect<date_value>(f, v).days; break;
    case logical_kind::time: n = floor_div(expect<time_value>(f, v).micros, 1000); break;
    case logical_kind::timestamp: n = floor_div(expect<timestamp_value>(f, v).micros, 1000); break;
    case logical_kind::micro_timestamp: n = expect<timestamp_value>(f, v).micros; break;
    case logical_kind::nano_timestamp: n = expect<timestamp_value>(f, v).micros * 1000; break;
    case logical_kind::micro_time: n = expect<time_value>(f, v).micros; break;
    default: n = expect<std::int64_t>(f, v); break;
  }
  fmt::format_to(std::back_inserter(out), "{}", n);
}

void append_bytes(const field_schema& f, const value& v, std::string& out) {
  out += '"';
  if (f.logical == logical_kind::decimal) {
    const auto& d = expect<decimal_value>(f, v);
    auto digits = detail::rescale_unscaled(d.unscaled, d.scale, f.scale);
    if (!digits)
      fail_encode(f.name, fmt::format("{} does not fit scale {} without rounding", d.to_string(), f.scale));
    auto bytes = detail::digits_to_twos_complement(*digits);
    if (!bytes) fail_encode(f.name, fmt::format("\"{}\" is not a decimal number", d.unscaled));
    detail::base64_encode(*bytes, out);
  } else {
    detail::base64_encode(expect<bytes_value>(f, v).data, out);
  }
  out += '"';
}

// Writes the field's value(s) from row[i...]; advances i past them.
void append_value(const field_schema& f, const std::vector<value>& row, std::size_t& i, std::string& out);

void append_struct_payload(const struct_schema& s, const std::vector<value>& row, std::size_t& i,
                           std::string& out) {
  out += '{';
  for (std::size_t k = 0; k < s.fields.size(); ++k) {
    if (k > 0) out += ',';
    append_json_string(s.fields[k].name, out);
    out += ':';
    append_value(s.fields[k], row, i, out);
  }
  out += '}';
}

void append_value(const field_schema& f, const std::vector<value>& row, std::size_t& i, std::string& out) {
  if (f.type == type_kind::struct_) {
    const std::size_t width = flat_width(f);
    bool all_null = true;
    for (std::size_t k = i; k < i + width; ++k) all_null = all_null && is_null(row[k]);
    if (all_null && f.optional) {
      out += "null";
      i += width;
    } else {
      append_struct_payload(*f.nested, row, i, out);
    }
    return;
  }
  const value& v = row[i++];
  if (is_null(v)) {
    if (!f.optional) fail_encode(f.name, "the value is null but the field is not optional");
    out += "null";
    return;
  }
  switch (f.type) {
    case type_kind::int8:
    case type_kind::int16:
    case type_kind::int32:
    case type_kind::int64: append_integer(f, v, out); return;
    case type_kind::float32:
    case type_kind::float64:
      if (const auto* n = std::get_if<std::int64_t>(&v)) append_double(f, static_cast<double>(*n), out);
      else append_double(f, expect<double>(f, v), out);
      return;
    case type_kind::boolean: out += expect<bool>(f, v) ? "true" : "false"; return;
    case type_kind::string:
      if (const auto* ts = std::get_if<timestamp_value>(&v); ts && f.logical == logical_kind::zoned_timestamp)
        append_json_string(detail::format_iso_timestamp(ts->micros), out);
      else append_json_string(expect<std::string>(f, v), out);
      return;
    case type_kind::bytes: append_bytes(f, v, out); return;
    default: fail_encode(f.name, fmt::format("{} fields cannot be encoded", to_string(f.type)));
  }
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  std::size_t run = 0;  // start of the pending run of characters that need no escaping
  for (std::size_t k = 0; k < text.size(); ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run, k - run));
    run = k + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.append(text.substr(run));
  out += '"';
}

std::string encode_schema_json(const struct_schema& s) {
  std::string out;
  append_struct_schema(s, false, out);
  out += '}';
  return out;
}

void append_payload_json(const struct_schema& s, const std::vector<value>& row, std::string& out) {
  if (row.size() != flat_width(s))
    throw sluice::error({.what = "cannot encode record as Connect JSON",
                         .where = fmt::format("schema \"{}\"", s.name),
                         .why = fmt::format("the row has {} values but the schema has {} fields",
                                            row.size(), flat_width(s)),
                         .fix = "pass one value per (flattened) schema field"});
  std::size_t i = 0;
  append_struct_payload(s, row, i, out);
}

std::string encode_connect_json(const struct_schema& s, const std::vector<value>& row,
                                bool with_schema_envelope) {
  std::string out;
  if (!with_schema_envelope) {
    append_payload_json(s, row, out);
    return out;
  }
  out += "{\"schema\":";
  append_struct_schema(s, false, out);
  out += "},\"payload\":";
  append_payload_json(s, row, out);
  out += '}';
  return out;
}

}  // namespace sluice::convert
