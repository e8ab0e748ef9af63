#include "dialects/postgres/copy_encoder.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "dialects/postgres/errors.hpp"
#include "dialects/postgres/numeric.hpp"
#include "dialects/postgres/text_values.hpp"
#include "dialects/postgres/type_oids.hpp"

namespace sluice::pg {

namespace {

using target = copy_encoder::target;

constexpr char header[] = "PGCOPY\n\377\r\n\0";  // 11 bytes, then flags and extension length
constexpr std::int64_t unix_to_pg_days = 10957;   // 1970-01-01 → 2000-01-01
constexpr std::int64_t unix_to_pg_micros = unix_to_pg_days * 86'400'000'000LL;
constexpr std::int64_t micros_per_day = 86'400'000'000LL;
// PostgreSQL's valid ranges (datatype/timestamp.h), relative to 2000-01-01; end is exclusive.
constexpr std::int64_t min_pg_date = -2451545;             // 4714-11-24 BC (Julian day 0)
constexpr std::int64_t end_pg_date = 2147483494 - 2451545;  // 5874898-01-01
constexpr std::int64_t min_pg_timestamp = -211813488000000000LL;
constexpr std::int64_t end_pg_timestamp = 9223371331200000000LL;  // 294277-01-01
constexpr std::size_t max_field_bytes = (std::size_t{1} << 30) - 1;  // PostgreSQL's 1 GB limit

std::optional<target> target_for(unsigned o) noexcept {
  switch (o) {
    case oid::int2: return target::int2;
    case oid::int4: return target::int4;
    case oid::int8: return target::int8;
    case oid::float4: return target::float4;
    case oid::float8: return target::float8;
    case oid::bool_: return target::boolean;
    case oid::text:
    case oid::varchar:
    case oid::bpchar:
    case oid::name: return target::text;
    case oid::json: return target::json;
    case oid::jsonb: return target::jsonb;
    case oid::bytea: return target::bytea;
    case oid::numeric: return target::numeric;
    case oid::date: return target::date;
    case oid::time: return target::time;
    case oid::timestamp:
    case oid::timestamptz: return target::timestamp;
    case oid::uuid: return target::uuid;
    default: return std::nullopt;
  }
}

std::string_view type_name(target t) noexcept {
  switch (t) {
    case target::int2: return "smallint";
    case target::int4: return "integer";
    case target::int8: return "bigint";
    case target::float4: return "real";
    case target::float8: return "double precision";
    case target::boolean: return "boolean";
    case target::text: return "text";
    case target::json: return "json";
    case target::jsonb: return "jsonb";
    case target::bytea: return "bytea";
    case target::numeric: return "numeric";
    case target::date: return "date";
    case target::time: return "time";
    case target::timestamp: return "timestamp";
    case target::uuid: return "uuid";
  }
  return "?";
}

std::string_view kind_name(const value& v) noexcept {
  switch (v.index()) {
    case 0: return "a null";
    case 1: return "a boolean";
    case 2: return "an integer";
    case 3: return "a floating-point number";
    case 4: return "a string";
    case 5: return "bytes";
    case 6: return "a decimal";
    case 7: return "a date";
    case 8: return "a time";
    case 9: return "a timestamp";
  }
  return "a value";
}

void put16(std::string& b, std::uint16_t v) {
  const char c[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  b.append(c, 2);
}
void put32(std::string& b, std::uint32_t v) {
  const char c[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  b.append(c, 4);
}
void put64(std::string& b, std::uint64_t v) {
  put32(b, static_cast<std::uint32_t>(v >> 32));
  put32(b, static_cast<std::uint32_t>(v));
}
void patch32(std::string& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<char>(v >> 24);
  b[at + 1] = static_cast<char>(v >> 16);
  b[at + 2] = static_cast<char>(v >> 8);
  b[at + 3] = static_cast<char>(v);
}

// Text a non-string value has in a text or JSON column.
std::optional<std::string> as_text(const value& v, bool json) {
  switch (v.index()) {
    case 1: return std::string(std::get<bool>(v) ? "true" : "false");
    case 2: return std::to_string(std::get<std::int64_t>(v));
    case 3: {
      const double d = std::get<double>(v);
      if (std::isfinite(d)) return fmt::format("{}", d);
      if (json) return std::nullopt;  // JSON has no NaN or Infinity
      return std::string(std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    }
    case 6: return std::get<decimal_value>(v).to_string();
    case 7:
      if (json) return std::nullopt;
      return format_date(std::get<date_value>(v).days);
    case 8:
      if (json) return std::nullopt;
      return format_time(std::get<time_value>(v).micros);
    case 9:
      if (json) return std::nullopt;
      return format_timestamp(std::get<timestamp_value>(v).micros);
    default: return std::nullopt;
  }
}

}  // namespace

bool copy_encoder::supports(unsigned o) noexcept { return target_for(o).has_value(); }

copy_encoder::copy_encoder(std::vector<unsigned> oids, std::vector<std::string> names)
    : names_(std::move(names)) {
  if (oids.size() != names_.size())
    throw sluice::error({.what = "cannot set up binary COPY",
                         .why = fmt::format("{} column types for {} column names", oids.size(),
                                            names_.size())});
  targets_.reserve(oids.size());
  for (std::size_t i = 0; i < oids.size(); ++i) {
    auto t = target_for(oids[i]);
    if (!t)
      throw sluice::error({.what = "cannot set up binary COPY",
                           .where = fmt::format("column \"{}\"", names_[i]),
                           .why = fmt::format("type OID {} has no binary encoder", oids[i]),
                           .fix = "send this column as text (COPY casts it)"});
    targets_.push_back(*t);
  }
}

void copy_encoder::begin() {
  buf_.clear();
  rows_ = 0;
  buf_.append(header, sizeof header - 1);  // sizeof counts the literal's own terminator
  put32(buf_, 0);                          // flags: no OIDs
  put32(buf_, 0);                          // header extension length
}

void copy_encoder::finish() { put16(buf_, 0xFFFF); }

void copy_encoder::add_row(const std::vector<const value*>& fields) {
  if (fields.size() != targets_.size())
    throw sluice::error({.what = "cannot encode row for COPY",
                         .why = fmt::format("{} fields for {} columns", fields.size(), targets_.size())});
  const std::size_t mark = buf_.size();
  try {
    put16(buf_, static_cast<std::uint16_t>(targets_.size()));
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i] == nullptr || is_null(*fields[i])) {
        put32(buf_, 0xFFFFFFFFu);
      } else {
        encode(i, *fields[i]);
      }
    }
  } catch (...) {
    buf_.resize(mark);  // the batch stays valid without this row
    throw;
  }
  ++rows_;
}

void copy_encoder::reject(std::size_t col, const value& v, std::string why, const char* code) const {
  // Control characters (a NUL would end what()) are shown escaped; long values are cut.
  std::string shown;
  for (char c : to_display(v)) {
    if (shown.size() >= 100) {
      shown += "…";
      break;
    }
    if (static_cast<unsigned char>(c) < 0x20) shown += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    else shown += c;
  }
  throw sluice::error({.what = "cannot write record field",
                       .where = fmt::format("column \"{}\" ({})", names_[col], type_name(targets_[col])),
                       .why = fmt::format("{} {}: {}", kind_name(v), shown, why),
                       .fix = std::string(fix_for(code)),
                       .code = code});
}

void copy_encoder::put_int(std::size_t col, const value& v, std::int64_t lo, std::int64_t hi, int bytes) {
  std::int64_t n = 0;
  switch (v.index()) {
    case 2: n = std::get<std::int64_t>(v); break;
    case 3: {
      const double d = std::get<double>(v);
      // 2^63 is exactly representable; every double below it converts without overflow.
      if (!(std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
            d < 9223372036854775808.0))
        reject(col, v, fmt::format("not a whole number within {}'s range", type_name(targets_[col])),
               std::isfinite(d) && std::trunc(d) == d ? "22003" : "22P02");
      n = static_cast<std::int64_t>(d);
      break;
    }
    case 4:
    case 6: {
      auto digits = v.index() == 4 ? parse_decimal(std::get<std::string>(v))
                                   : from_decimal(std::get<decimal_value>(v));
      bool out_of_range = false;
      std::optional<std::int64_t> i = digits ? to_int64(*digits, out_of_range) : std::nullopt;
      if (!i) {
        if (out_of_range)
          reject(col, v, fmt::format("out of range for {} ({}..{})", type_name(targets_[col]), lo, hi),
                 "22003");
        reject(col, v, "not a whole number", "22P02");
      }
      n = *i;
      break;
    }
    default:
      reject(col, v, fmt::format("cannot be written into a {} column", type_name(targets_[col])), "42804");
  }
  if (n < lo || n > hi)
    reject(col, v, fmt::format("out of range for {} ({}..{})", type_name(targets_[col]), lo, hi), "22003");
  put32(buf_, static_cast<std::uint32_t>(bytes));
  if (bytes == 2) put16(buf_, static_cast<std::uint16_t>(n));
  else if (bytes == 4) put32(buf_, static_cast<std::uint32_t>(n));
  else put64(buf_, static_cast<std::uint64_t>(n));
}

void copy_encoder::put_float(std::size_t col, const value& v, bool single) {
  double d = 0;
  switch (v.index()) {
    case 2: d = static_cast<double>(std::get<std::int64_t>(v)); break;
    case 3: d = std::get<double>(v); break;
    case 4:
    case 6: {
      auto parsed = v.index() == 4 ? parse_double(std::get<std::string>(v))
                                   : parse_double(std::get<decimal_value>(v).to_string());
      if (!parsed) reject(col, v, "not a number", "22P02");
      d = *parsed;
      break;
    }
    default:
      reject(col, v, fmt::format("cannot be written into a {} column", type_name(targets_[col])), "42804");
  }
  if (single) {
    const auto f = static_cast<float>(d);
    if (std::isfinite(d) && (!std::isfinite(f) || (f == 0 && d != 0)))
      reject(col, v, "out of range for real", "22003");
    put32(buf_, 4);
    put32(buf_, std::bit_cast<std::uint32_t>(f));
  } else {
    put32(buf_, 8);
    put64(buf_, std::bit_cast<std::uint64_t>(d));
  }
}

void copy_encoder::put_text(std::size_t col, const value& v, target t) {
  const bool json = t == target::json || t == target::jsonb;
  std::string converted;
  std::string_view body;
  if (const auto* s = std::get_if<std::string>(&v)) {
    body = *s;
  } else if (const auto* b = std::get_if<bytes_value>(&v); b && t == target::bytea) {
    body = b->data;
  } else if (t == target::bytea) {
    reject(col, v, "cannot be written into a bytea column", "42804");
  } else if (auto text = as_text(v, json)) {
    converted = std::move(*text);
    body = converted;
  } else {
    reject(col, v, fmt::format("cannot be written into a {} column", type_name(t)), "42804");
  }
  if (t != target::bytea && std::memchr(body.data(), '\0', body.size()))
    reject(col, v, "text cannot contain a NUL byte in PostgreSQL", "22021");
  const std::size_t len = body.size() + (t == target::jsonb ? 1 : 0);
  if (len > max_field_bytes) reject(col, v, "longer than PostgreSQL's 1 GB field limit", "54000");
  put32(buf_, static_cast<std::uint32_t>(len));
  if (t == target::jsonb) buf_ += '\1';  // jsonb binary format version
  buf_.append(body);
}

void copy_encoder::encode(std::size_t col, const value& v) {
  const target t = targets_[col];
  switch (t) {
    case target::int2: return put_int(col, v, -32768, 32767, 2);
    case target::int4:
      return put_int(col, v, std::numeric_limits<std::int32_t>::min(),
                     std::numeric_limits<std::int32_t>::max(), 4);
    case target::int8:
      return put_int(col, v, std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max(), 8);
    case target::float4: return put_float(col, v, true);
    case target::float8: return put_float(col, v, false);
    case target::text:
    case target::json:
    case target::jsonb:
    case target::bytea: return put_text(col, v, t);
    case target::boolean: {
      std::optional<bool> b;
      if (const auto* x = std::get_if<bool>(&v)) b = *x;
      else if (const auto* s = std::get_if<std::string>(&v)) b = parse_bool(*s);
      else if (const auto* i = std::get_if<std::int64_t>(&v); i && (*i == 0 || *i == 1)) b = *i == 1;
      if (!b) reject(col, v, "not a boolean (true/false, t/f, yes/no, on/off, 1/0)", "22P02");
      put32(buf_, 1);
      buf_ += *b ? '\1' : '\0';
      return;
    }
    case target::numeric: {
      std::optional<decimal_digits> d;
      switch (v.index()) {
        case 2: d = from_int(std::get<std::int64_t>(v)); break;
        case 3: d = from_double(std::get<double>(v)); break;
        case 4: d = parse_decimal(std::get<std::string>(v)); break;
        case 6: d = from_decimal(std::get<decimal_value>(v)); break;
        default: reject(col, v, "cannot be written into a numeric column", "42804");
      }
      if (!d) reject(col, v, "not a number", "22P02");
      const std::size_t at = buf_.size();
      put32(buf_, 0);
      if (!append_numeric_binary(buf_, *d)) reject(col, v, "beyond numeric's limits", "22003");
      patch32(buf_, at, static_cast<std::uint32_t>(buf_.size() - at - 4));
      return;
    }
    case target::date: {
      std::int64_t days = 0;
      int infinity = 0;
      if (const auto* x = std::get_if<date_value>(&v)) {
        days = x->days;
      } else if (const auto* ts = std::get_if<timestamp_value>(&v); ts && ts->micros % micros_per_day == 0) {
        days = ts->micros / micros_per_day;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        auto p = parse_date(*s);
        if (!p) reject(col, v, "not a date (YYYY-MM-DD)", "22007");
        days = p->value;
        infinity = p->infinity;
      } else {
        reject(col, v, "cannot be written into a date column (send a Date or YYYY-MM-DD text)", "42804");
      }
      std::int32_t out = infinity > 0 ? std::numeric_limits<std::int32_t>::max()
                                      : std::numeric_limits<std::int32_t>::min();
      if (infinity == 0) {
        const std::int64_t pg_days = days - unix_to_pg_days;
        if (pg_days < min_pg_date || pg_days >= end_pg_date)
          reject(col, v, "out of range for date (4714-11-24 BC … 5874897-12-31)", "22008");
        out = static_cast<std::int32_t>(pg_days);
      }
      put32(buf_, 4);
      put32(buf_, static_cast<std::uint32_t>(out));
      return;
    }
    case target::time: {
      std::int64_t micros = 0;
      if (const auto* x = std::get_if<time_value>(&v)) {
        micros = x->micros;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        auto p = parse_time(*s);
        if (!p) reject(col, v, "not a time of day (HH:MM:SS[.ffffff])", "22007");
        micros = *p;
      } else {
        reject(col, v, "cannot be written into a time column (send a Time or HH:MM:SS text)", "42804");
      }
      if (micros < 0 || micros > micros_per_day) reject(col, v, "out of range for time", "22008");
      put32(buf_, 8);
      put64(buf_, static_cast<std::uint64_t>(micros));
      return;
    }
    case target::timestamp: {
      std::int64_t micros = 0;
      int infinity = 0;
      if (const auto* x = std::get_if<timestamp_value>(&v)) {
        micros = x->micros;
      } else if (const auto* d = std::get_if<date_value>(&v)) {
        micros = static_cast<std::int64_t>(d->days) * micros_per_day;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        auto p = parse_timestamp(*s);
        if (!p) reject(col, v, "not an ISO-8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])", "22007");
        micros = p->value;
        infinity = p->infinity;
      } else {
        reject(col, v,
               "cannot be written into a timestamp column (send a Timestamp-typed field or ISO-8601 "
               "text; a bare number has no unit)",
               "42804");
      }
      std::int64_t out = infinity > 0 ? std::numeric_limits<std::int64_t>::max()
                                      : std::numeric_limits<std::int64_t>::min();
      if (infinity == 0) {
        if (micros < min_pg_timestamp + unix_to_pg_micros || micros - unix_to_pg_micros >= end_pg_timestamp)
          reject(col, v, "out of range for timestamp (4714-11-24 BC … 294276-12-31)", "22008");
        out = micros - unix_to_pg_micros;
      }
      put32(buf_, 8);
      put64(buf_, static_cast<std::uint64_t>(out));
      return;
    }
    case target::uuid: {
      if (const auto* b = std::get_if<bytes_value>(&v); b && b->data.size() == 16) {
        put32(buf_, 16);
        buf_.append(b->data);
        return;
      }
      const auto* s = std::get_if<std::string>(&v);
      if (!s) reject(col, v, "cannot be written into a uuid column (send UUID text or 16 bytes)", "42804");
      auto u = parse_uuid(*s);
      if (!u) reject(col, v, "not a UUID", "22P02");
      put32(buf_, 16);
      buf_.append(reinterpret_cast<const char*>(u->data()), u->size());
      return;
    }
  }
}

}  // namespace sluice::pg
