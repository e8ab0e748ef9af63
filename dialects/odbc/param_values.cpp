#include "dialects/odbc/param_values.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/odbc/text.hpp"
#include "dialects/postgres/text_values.hpp"

namespace sluice::odbc {
namespace {

std::string_view kind_name(const value& v) {
  switch (v.index()) {
    case 1: return "a boolean";
    case 2: return "an integer";
    case 3: return "a floating-point number";
    case 4: return "a string";
    case 5: return "bytes";
    case 6: return "a decimal";
    case 7: return "a date";
    case 8: return "a time";
    case 9: return "a timestamp";
    default: return "a value";
  }
}

[[noreturn]] void reject(const param_target& t, const value& v, std::string_view why,
                         std::string code) {
  auto shown = to_display(v);
  if (shown.size() > 80) shown = shown.substr(0, 80) + "…";
  throw sluice::error({.what = "cannot write a value",
                       .where = fmt::format("column \"{}\"", t.column),
                       .why = fmt::format("{} ({}) {}", kind_name(v), shown, why),
                       .fix = "fix the producer's data, or set errors.tolerance=all to route such "
                              "records to the dead-letter queue",
                       .code = std::move(code)});
}

[[noreturn]] void wrong_type(const param_target& t, const value& v) {
  reject(t, v, fmt::format("cannot be written into a {} column", to_string(t.family)), "42804");
}

// Integral value of a decimal, or nullopt when it has a fraction or does not fit.
std::optional<std::int64_t> decimal_integer(const decimal_value& d) {
  std::string digits = d.unscaled;
  int scale = d.scale;
  while (scale > 0) {
    if (digits.empty() || digits.back() != '0') return std::nullopt;
    digits.pop_back();
    --scale;
  }
  for (; scale < 0; ++scale) digits += '0';
  return pg::parse_int64(digits.empty() || digits == "-" ? "0" : digits);
}

std::string double_text(double d) { return fmt::format("{}", d); }

void put_int(param_array& a, std::size_t col, const value& v, const param_target& t) {
  switch (v.index()) {
    case 1: a.set_int(col, std::get<bool>(v) ? 1 : 0); return;
    case 2: a.set_int(col, std::get<std::int64_t>(v)); return;
    case 3: {
      const double d = std::get<double>(v);
      if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18)
        reject(t, v, "is not a whole number an integer column can hold", "22003");
      a.set_int(col, static_cast<std::int64_t>(d));
      return;
    }
    case 4: {
      if (t.family == column_family::boolean) {
        auto b = pg::parse_bool(std::get<std::string>(v));
        if (!b) reject(t, v, "is not a boolean (true/false/1/0/yes/no)", "22018");
        a.set_int(col, *b ? 1 : 0);
        return;
      }
      auto n = pg::parse_int64(std::get<std::string>(v));
      if (!n) reject(t, v, "is not an integer", "22018");
      a.set_int(col, *n);
      return;
    }
    case 6: {
      auto n = decimal_integer(std::get<decimal_value>(v));
      if (!n) reject(t, v, "has a fraction or is out of range for an integer column", "22003");
      a.set_int(col, *n);
      return;
    }
    default: wrong_type(t, v);
  }
}

void put_double(param_array& a, std::size_t col, const value& v, const param_target& t) {
  switch (v.index()) {
    case 2: a.set_double(col, static_cast<double>(std::get<std::int64_t>(v))); return;
    case 3: a.set_double(col, std::get<double>(v)); return;
    case 4: {
      auto d = pg::parse_double(std::get<std::string>(v));
      if (!d) reject(t, v, "is not a number", "22018");
      a.set_double(col, *d);
      return;
    }
    case 6: {
      auto d = pg::parse_double(std::get<decimal_value>(v).to_string());
      if (!d) reject(t, v, "is not a number", "22018");
      a.set_double(col, *d);
      return;
    }
    default: wrong_type(t, v);
  }
}

void put_binary(param_array& a, std::size_t col, const value& v, const param_target& t) {
  switch (v.index()) {
    case 4: a.set_binary(col, std::get<std::string>(v)); return;
    case 5: a.set_binary(col, std::get<bytes_value>(v).data); return;
    default: wrong_type(t, v);
  }
}

// Appends the text of `v` for a column of family t.family to `out`.
void text_for(std::string& out, const value& v, const param_target& t) {
  using cf = column_family;
  switch (t.family) {
    case cf::boolean:
      switch (v.index()) {
        case 1: out += std::get<bool>(v) ? "1" : "0"; return;
        case 2: {
          const auto n = std::get<std::int64_t>(v);
          if (n != 0 && n != 1) reject(t, v, "is neither 0 nor 1", "22003");
          out += n ? "1" : "0";
          return;
        }
        case 4: {
          auto b = pg::parse_bool(std::get<std::string>(v));
          if (!b) reject(t, v, "is not a boolean (true/false/1/0/yes/no)", "22018");
          out += *b ? "1" : "0";
          return;
        }
        default: wrong_type(t, v);
      }
    case cf::date:
      switch (v.index()) {
        case 7: append_date(out, std::get<date_value>(v).days); return;
        case 9: {
          const auto us = std::get<timestamp_value>(v).micros;
          const auto days = us / 86400000000LL - (us % 86400000000LL < 0 ? 1 : 0);
          append_date(out, static_cast<std::int32_t>(days));
          return;
        }
        case 4: {
          auto p = pg::parse_date(std::get<std::string>(v));
          if (!p || p->infinity) reject(t, v, "is not a date (YYYY-MM-DD)", "22007");
          append_date(out, static_cast<std::int32_t>(p->value));
          return;
        }
        default: wrong_type(t, v);
      }
    case cf::time:
      switch (v.index()) {
        case 8: append_time(out, std::get<time_value>(v).micros); return;
        case 4: {
          auto p = pg::parse_time(std::get<std::string>(v));
          if (!p) reject(t, v, "is not a time of day (HH:MM:SS[.ffffff])", "22007");
          append_time(out, *p);
          return;
        }
        default: wrong_type(t, v);
      }
    case cf::timestamp:
      switch (v.index()) {
        case 9: append_timestamp(out, std::get<timestamp_value>(v).micros); return;
        case 7:
          append_date(out, std::get<date_value>(v).days);
          out += " 00:00:00";
          return;
        case 4: {
          auto p = pg::parse_timestamp(std::get<std::string>(v));
          if (!p || p->infinity)
            reject(t, v, "is not an ISO-8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])", "22007");
          append_timestamp(out, p->value);
          return;
        }
        default: wrong_type(t, v);
      }
    case cf::decimal:
      switch (v.index()) {
        case 2: out += std::to_string(std::get<std::int64_t>(v)); return;
        case 3: {
          const double d = std::get<double>(v);
          if (!std::isfinite(d)) reject(t, v, "is not finite", "22003");
          out += double_text(d);
          return;
        }
        case 4: out += std::get<std::string>(v); return;
        case 6: std::get<decimal_value>(v).append_to(out); return;
        default: wrong_type(t, v);
      }
    default: break;
  }
  // Text-like columns take every value in its text form.
  switch (v.index()) {
    case 1: out += std::get<bool>(v) ? "true" : "false"; return;
    case 2: out += std::to_string(std::get<std::int64_t>(v)); return;
    case 3: out += double_text(std::get<double>(v)); return;
    case 4: out += std::get<std::string>(v); return;
    case 5: {
      const auto& b = std::get<bytes_value>(v).data;
      if (!valid_utf8(b)) reject(t, v, "are not UTF-8 text", "22021");
      out += b;
      return;
    }
    case 6: std::get<decimal_value>(v).append_to(out); return;
    case 7: append_date(out, std::get<date_value>(v).days); return;
    case 8: append_time(out, std::get<time_value>(v).micros); return;
    case 9: append_timestamp(out, std::get<timestamp_value>(v).micros); return;
    default: wrong_type(t, v);
  }
}

}  // namespace

bind_as binding_for(column_family f) noexcept {
  switch (f) {
    case column_family::integer: return bind_as::int64;
    case column_family::floating: return bind_as::float64;
    case column_family::binary: return bind_as::binary;
    default: return bind_as::text;
  }
}

void put_value(param_array& a, std::size_t col, const value* v, const param_target& t) {
  if (!v || is_null(*v)) {
    a.set_null(col);
    return;
  }
  switch (t.kind) {
    case bind_as::int64: put_int(a, col, *v, t); return;
    case bind_as::float64: put_double(a, col, *v, t); return;
    case bind_as::binary: put_binary(a, col, *v, t); return;
    case bind_as::text: {
      // Strings into text columns go straight into the arena (the hot path).
      if (v->index() == 4 && (t.family == column_family::text || t.family == column_family::json ||
                              t.family == column_family::uuid || t.family == column_family::other ||
                              t.family == column_family::decimal)) {
        a.set_text(col, std::get<std::string>(*v));
        return;
      }
      // Formatted into one buffer per thread: no allocation per value.
      thread_local std::string scratch;
      scratch.clear();
      text_for(scratch, *v, t);
      a.set_text(col, scratch);
      return;
    }
  }
}

}  // namespace sluice::odbc
