#include "source/row_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/convert/connect_json.hpp"
#include "core/error.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "dialects/postgres/numeric.hpp"
#include "dialects/postgres/text_values.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "dialects/postgres/types.hpp"

namespace sluice::source {
namespace {

// Connect's integer type for a NUMERIC(p, 0) (Confluent's GenericDatabaseDialect rules).
type_kind integer_for_precision(int p) {
  if (p > 9) return type_kind::int64;
  if (p > 4) return type_kind::int32;
  if (p > 2) return type_kind::int16;
  return type_kind::int8;
}

constexpr int max_integer_precision = 18;  // Confluent's MAX_INTEGER_TYPE_PRECISION
constexpr int numeric_scale_low = -84;     // Confluent's NUMERIC_TYPE_SCALE_LOW

// Applies numeric.mapping to a Decimal field; returns how the column decodes.
decode_kind map_numeric(field_schema& f, numeric_mapping m) {
  const int p = f.precision, sc = f.scale;
  auto as_integer = [&] {
    f.type = integer_for_precision(p);
    f.logical = logical_kind::none;
    return decode_kind::numeric_integer;
  };
  auto as_double = [&] {
    f.type = type_kind::float64;
    f.logical = logical_kind::none;
    return decode_kind::numeric_double;
  };
  const bool integral = sc <= 0 && sc >= numeric_scale_low;
  switch (m) {
    case numeric_mapping::none: break;
    case numeric_mapping::precision_only:
      if (sc == 0 && p <= max_integer_precision) return as_integer();
      break;
    case numeric_mapping::best_fit:
      if (p <= max_integer_precision) {
        if (integral) return as_integer();
        if (sc > 0) return as_double();
      }
      break;
    case numeric_mapping::best_fit_eager_double:
      if (sc > 0) return as_double();
      if (p <= max_integer_precision && integral) return as_integer();
      break;
  }
  return decode_kind::decimal;
}

void set_timestamp_field(field_schema& f, granularity g, decode_kind& kind) {
  switch (g) {
    case granularity::lossless:
      f.type = type_kind::int64;
      f.logical = logical_kind::micro_timestamp;
      kind = decode_kind::timestamp;
      break;
    case granularity::connect_logical:
      f.type = type_kind::int64;
      f.logical = logical_kind::timestamp;
      kind = decode_kind::timestamp;
      break;
    case granularity::nanos_long:
      f.type = type_kind::int64;
      f.logical = logical_kind::none;
      kind = decode_kind::timestamp_nanos_long;
      break;
    case granularity::nanos_string:
      f.type = type_kind::string;
      f.logical = logical_kind::none;
      kind = decode_kind::timestamp_nanos_string;
      break;
    case granularity::nanos_iso:
      f.type = type_kind::string;
      f.logical = logical_kind::none;
      kind = decode_kind::timestamp_iso;
      break;
  }
}

[[noreturn]] void bad_text(const std::string& where, const std::string& column, std::string_view text,
                           std::string_view type) {
  throw error({.what = "cannot read a row", .where = fmt::format("{} column \"{}\"", where, column),
               .why = fmt::format("\"{}\" cannot be read as {}", text.substr(0, 80), type),
               .fix = "report this value: sluice reads PostgreSQL's text output of this type"});
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Instants beyond what int64 nanoseconds can hold (and ±infinity) are clamped to that range so
// every granularity can write them.
constexpr std::int64_t max_micros = std::numeric_limits<std::int64_t>::max() / 1000;
constexpr std::int64_t min_micros = std::numeric_limits<std::int64_t>::min() / 1000;

std::int64_t timestamp_micros(const pg::parsed_time_point& t) {
  if (t.infinity > 0) return max_micros;
  if (t.infinity < 0) return min_micros;
  return std::clamp(t.value, min_micros, max_micros);
}

void append_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::string format_nanos_iso(std::int64_t wall_micros) {
  const std::int64_t day = 86400LL * 1000000;
  std::int64_t days = wall_micros / day, rem = wall_micros % day;
  if (rem < 0) {
    rem += day;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  pg::civil_from_days(days, y, m, d);
  const std::int64_t secs = rem / 1000000, frac = rem % 1000000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}000", y, m, d, secs / 3600,
                     (secs / 60) % 60, secs % 60, frac);
}

row_plan row_plan::build(const std::vector<pg::column_info>& columns,
                         const std::vector<std::string>& primary_key, const source_settings& s,
                         const std::string& schema_name, const std::string& where) {
  row_plan p;
  p.where_ = where;
  p.source_columns_ = columns;
  p.value_envelope_ = s.value_schemas_enable;
  p.key_envelope_ = s.key_schemas_enable;
  p.key_format_ = s.key_format;
  auto schema = std::make_shared<struct_schema>();
  schema->name = schema_name;
  const std::string zone = pg::quote_literal(s.db_timezone);
  const bool time_in_millis = s.ts_granularity == granularity::connect_logical;
  for (const auto& c : columns) {
    field_schema f = pg::field_for_column(c);
    column_plan cp{.name = c.name, .select_expr = pg::quote_ident(c.name)};
    switch (c.type_oid) {
      case pg::oid::bool_: cp.kind = decode_kind::boolean; break;
      case pg::oid::int2:
      case pg::oid::int4:
      case pg::oid::int8:
      case pg::oid::oid: cp.kind = decode_kind::integer; break;
      case pg::oid::float4:
      case pg::oid::float8: cp.kind = decode_kind::floating; break;
      case pg::oid::numeric:
        cp.kind = f.logical == logical_kind::decimal ? map_numeric(f, s.numerics) : decode_kind::text;
        break;
      case pg::oid::bytea: cp.kind = decode_kind::bytea; break;
      case pg::oid::date: cp.kind = decode_kind::date; break;
      case pg::oid::time:
        cp.kind = decode_kind::time;
        f.type = time_in_millis ? type_kind::int32 : type_kind::int64;
        f.logical = time_in_millis ? logical_kind::time : logical_kind::micro_time;
        break;
      case pg::oid::timestamptz:
        set_timestamp_field(f, s.ts_granularity, cp.kind);
        // ISO text is wall-clock time in db.timezone, as Confluent writes it.
        if (cp.kind == decode_kind::timestamp_iso)
          cp.select_expr = fmt::format("({} AT TIME ZONE {})", cp.select_expr, zone);
        break;
      case pg::oid::timestamp:
        set_timestamp_field(f, s.ts_granularity, cp.kind);
        // A timestamp without time zone is wall-clock time in db.timezone: the instant is that.
        if (cp.kind != decode_kind::timestamp_iso)
          cp.select_expr = fmt::format("({} AT TIME ZONE {})", cp.select_expr, zone);
        break;
      default: cp.kind = decode_kind::text; break;
    }
    schema->fields.push_back(std::move(f));
    p.columns_.push_back(std::move(cp));
  }
  p.value_schema_ = schema;
  p.value_schema_json_ = convert::encode_schema_json(*schema);

  const std::vector<std::string>& key_cols = s.key_columns.empty() ? primary_key : s.key_columns;
  if (!key_cols.empty()) {
    auto key = std::make_shared<struct_schema>();
    for (const auto& k : key_cols) {
      const int i = schema->index_of(k);
      if (i < 0)
        throw error({.what = "cannot build record keys", .where = where,
                     .why = fmt::format("key column \"{}\" is not a column of the {}", k,
                                        schema_name.empty() ? "query" : "table"),
                     .fix = "fix key.columns (names are case-sensitive)"});
      p.key_indices_.push_back(static_cast<std::size_t>(i));
      key->fields.push_back(schema->fields[static_cast<std::size_t>(i)]);
    }
    if (s.key_format != convert::format::json) {
      const auto kind = p.columns_[p.key_indices_[0]].kind;
      const bool fits =
          p.key_indices_.size() == 1 &&
          (s.key_format == convert::format::string ||
           ((s.key_format == convert::format::int64 || s.key_format == convert::format::int32) &&
            (kind == decode_kind::integer || kind == decode_kind::numeric_integer)) ||
           (s.key_format == convert::format::bytes && kind == decode_kind::bytea));
      if (!fits)
        throw error({.what = "cannot build record keys", .where = where,
                     .why = fmt::format("key.converter={} cannot hold a key of {} column(s) ({})",
                                        convert::class_name(s.key_format), key_cols.size(),
                                        key_cols.front()),
                     .fix = "use key.converter=org.apache.kafka.connect.json.JsonConverter, or "
                            "set key.columns to one column of a matching type"});
    }
    p.key_schema_ = key;
    p.key_schema_json_ = convert::encode_schema_json(*key);
  }
  return p;
}

int row_plan::index_of(std::string_view column) const { return value_schema_->index_of(column); }

std::string row_plan::select_list() const {
  std::string out;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i) out += ", ";
    out += columns_[i].select_expr;
    if (columns_[i].select_expr != pg::quote_ident(columns_[i].name))
      out += " AS " + pg::quote_ident(columns_[i].name);
  }
  return out;
}

value row_plan::decode(std::size_t i, std::string_view text, bool null) const {
  if (null) return null_value{};
  const auto& c = columns_[i];
  switch (c.kind) {
    case decode_kind::boolean:
      if (text == "t") return true;
      if (text == "f") return false;
      bad_text(where_, c.name, text, "a boolean");
    case decode_kind::integer:
      if (auto v = pg::parse_int64(text)) return *v;
      bad_text(where_, c.name, text, "an integer");
    case decode_kind::floating:
    case decode_kind::numeric_double:
      if (auto v = pg::parse_double(text)) return *v;
      bad_text(where_, c.name, text, "a number");
    case decode_kind::decimal: {
      auto d = pg::parse_decimal(text);
      if (!d || d->k != pg::decimal_digits::kind::finite)
        bad_text(where_, c.name, text, "a finite decimal (Connect's Decimal has no NaN or Infinity)");
      std::string unscaled = d->negative ? "-" : "";
      unscaled += d->digits.empty() ? "0" : d->digits;
      return decimal_value{std::move(unscaled), d->scale};
    }
    case decode_kind::numeric_integer: {
      auto d = pg::parse_decimal(text);
      bool out_of_range = false;
      if (d)
        if (auto v = pg::to_int64(*d, out_of_range)) return *v;
      bad_text(where_, c.name, text, "a 64-bit integer");
    }
    case decode_kind::text: return std::string(text);
    case decode_kind::bytea: {
      if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0)
        bad_text(where_, c.name, text, "hex bytea");
      bytes_value b;
      b.data.reserve(text.size() / 2 - 1);
      for (std::size_t k = 2; k < text.size(); k += 2) {
        const int hi = hex_digit(text[k]), lo = hex_digit(text[k + 1]);
        if (hi < 0 || lo < 0) bad_text(where_, c.name, text, "hex bytea");
        b.data += static_cast<char>(hi << 4 | lo);
      }
      return b;
    }
    case decode_kind::date: {
      auto d = pg::parse_date(text);
      if (!d) bad_text(where_, c.name, text, "a date");
      if (d->infinity)
        return date_value{d->infinity > 0 ? std::numeric_limits<std::int32_t>::max()
                                          : std::numeric_limits<std::int32_t>::min()};
      return date_value{static_cast<std::int32_t>(d->value)};
    }
    case decode_kind::time:
      if (auto t = pg::parse_time(text)) return time_value{*t};
      bad_text(where_, c.name, text, "a time");
    case decode_kind::timestamp:
    case decode_kind::timestamp_nanos_long:
    case decode_kind::timestamp_nanos_string:
    case decode_kind::timestamp_iso: {
      auto t = pg::parse_timestamp(text);
      if (!t) bad_text(where_, c.name, text, "a timestamp");
      const std::int64_t us = timestamp_micros(*t);
      if (c.kind == decode_kind::timestamp) return timestamp_value{us};
      if (c.kind == decode_kind::timestamp_nanos_long) return us * 1000;
      if (c.kind == decode_kind::timestamp_nanos_string) return std::to_string(us * 1000);
      return format_nanos_iso(us);
    }
  }
  bad_text(where_, c.name, text, "its type");
}

void row_plan::encode_value(const std::vector<value>& row, std::string& out) const {
  out.clear();
  if (value_envelope_) {
    out += "{\"schema\":";
    out += value_schema_json_;
    out += ",\"payload\":";
    convert::append_payload_json(*value_schema_, row, out);
    out += '}';
  } else {
    convert::append_payload_json(*value_schema_, row, out);
  }
}

std::optional<std::string> row_plan::encode_key(const std::vector<value>& row,
                                                const std::vector<std::string_view>& texts) const {
  if (!key_schema_) return std::nullopt;
  std::string out;
  const std::size_t first = key_indices_.front();
  switch (key_format_) {
    case convert::format::json: {
      std::vector<value> key;
      key.reserve(key_indices_.size());
      for (auto i : key_indices_) key.push_back(row[i]);
      if (key_envelope_) {
        out += "{\"schema\":";
        out += key_schema_json_;
        out += ",\"payload\":";
        convert::append_payload_json(*key_schema_, key, out);
        out += '}';
      } else {
        convert::append_payload_json(*key_schema_, key, out);
      }
      return out;
    }
    case convert::format::string:
      if (is_null(row[first])) return std::nullopt;
      return std::string(texts[first]);
    case convert::format::int64:
    case convert::format::int32:
      if (const auto* v = std::get_if<std::int64_t>(&row[first]))
        append_be(out, static_cast<std::uint64_t>(*v), key_format_ == convert::format::int64 ? 8 : 4);
      else
        return std::nullopt;
      return out;
    case convert::format::bytes:
      if (const auto* b = std::get_if<bytes_value>(&row[first])) return b->data;
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sluice::source
