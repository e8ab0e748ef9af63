#include "benchkit/shape.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "benchkit/workload.hpp"
#include "core/error.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::benchkit {
namespace {

[[noreturn]] void bad_columns(const std::string& spec, const std::string& why) {
  throw error({.what = "cannot understand --columns",
               .where = fmt::format("--columns '{}'", spec),
               .why = why,
               .fix = "give a column count (--columns 8) or name:type pairs, e.g. "
                      "--columns id:bigint,name:text,price:numeric(10,2),at:timestamptz,ok:boolean"});
}

std::string sql_type(const column& c) {
  switch (c.type) {
    case column_type::int64: return "bigint";
    case column_type::int32: return "integer";
    case column_type::text: return "text";
    case column_type::numeric: return fmt::format("numeric({},{})", c.precision, c.scale);
    case column_type::timestamp: return "timestamptz";
    case column_type::boolean: return "boolean";
    case column_type::float64: return "double precision";
  }
  return "text";
}

std::string connect_schema(const column& c) {
  auto opt = c.not_null ? "false" : "true";
  switch (c.type) {
    case column_type::int64: return fmt::format(R"({{"field":"{}","type":"int64","optional":{}}})", c.name, opt);
    case column_type::int32: return fmt::format(R"({{"field":"{}","type":"int32","optional":{}}})", c.name, opt);
    case column_type::text: return fmt::format(R"({{"field":"{}","type":"string","optional":{}}})", c.name, opt);
    case column_type::boolean: return fmt::format(R"({{"field":"{}","type":"boolean","optional":{}}})", c.name, opt);
    case column_type::float64: return fmt::format(R"({{"field":"{}","type":"double","optional":{}}})", c.name, opt);
    case column_type::timestamp:
      return fmt::format(R"({{"field":"{}","type":"int64","optional":{},"name":"org.apache.kafka.connect.data.Timestamp","version":1}})",
                         c.name, opt);
    case column_type::numeric:
      return fmt::format(R"({{"field":"{}","type":"bytes","optional":{},"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{{"scale":"{}","connect.decimal.precision":"{}"}}}})",
                         c.name, opt, c.scale, c.precision);
  }
  return {};
}

std::int64_t pow10(int n) {
  std::int64_t v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

// The row's amount (cents) fitted to numeric(p,s): integer part cut to p-s digits.
std::int64_t numeric_unscaled(const column& c, std::int64_t cents) {
  int s = std::min(c.scale, 9);
  int int_digits = std::clamp(c.precision - c.scale, 0, 9);
  std::int64_t ip = (cents / 100) % pow10(int_digits);
  std::int64_t frac = cents % 100;
  frac = s >= 2 ? frac * pow10(s - 2) : frac / pow10(2 - s);
  return ip * pow10(s) + frac;
}

std::string numeric_text(const column& c, std::int64_t unscaled) {
  int s = std::min(c.scale, 9);
  if (s == 0) return std::to_string(unscaled);
  return fmt::format("{}.{:0{}}", unscaled / pow10(s), unscaled % pow10(s), s);
}

}  // namespace

std::string shape::ddl_columns() const {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    if (i) out += ", ";
    out += pg::quote_ident(c.name) + " " + sql_type(c);
    if (i == key) out += " PRIMARY KEY";
    else if (c.not_null) out += " NOT NULL";
  }
  return out;
}

std::string shape::plain_columns() const {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + pg::quote_ident(columns[i].name) + " " + sql_type(columns[i]);
  return out;
}

std::string shape::column_list() const {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + pg::quote_ident(columns[i].name);
  return out;
}

std::string shape::describe() const {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i)
    out += (i ? "," : "") + columns[i].name + ":" + sql_type(columns[i]);
  return out;
}

shape default_shape() {
  return {{{"id", column_type::int64},
           {"name", column_type::text},
           {"amount", column_type::numeric, 12, 2},
           {"placed_at", column_type::timestamp},
           {"paid", column_type::boolean, 12, 2, false}},
          0};
}

bool from_pg_type(const std::string& t, column& c) {
  if (t == "bigint") c.type = column_type::int64;
  else if (t == "integer" || t == "smallint") c.type = column_type::int32;
  else if (t == "text" || t == "character varying" || t == "character") c.type = column_type::text;
  else if (t == "numeric") c.type = column_type::numeric;
  else if (t == "timestamp with time zone" || t == "timestamp without time zone") c.type = column_type::timestamp;
  else if (t == "boolean") c.type = column_type::boolean;
  else if (t == "double precision" || t == "real") c.type = column_type::float64;
  else return false;
  return true;
}

shape parse_columns(const std::string& spec) {
  shape s;
  if (!spec.empty() && std::all_of(spec.begin(), spec.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
    int n = std::stoi(spec);
    if (n < 1 || n > 1000) bad_columns(spec, "the column count must be from 1 to 1000");
    const column_type cycle[] = {column_type::text, column_type::numeric, column_type::timestamp,
                                 column_type::boolean, column_type::int32, column_type::float64};
    s.columns.push_back({"id", column_type::int64});
    for (int i = 1; i < n; ++i) s.columns.push_back({fmt::format("c{}", i), cycle[(i - 1) % 6]});
    return s;
  }
  std::size_t pos = 0;
  bool have_key = false;
  while (pos < spec.size()) {
    // Split at commas outside parentheses (numeric(10,2) holds one).
    std::size_t end = pos;
    int depth = 0;
    while (end < spec.size() && (spec[end] != ',' || depth > 0)) {
      if (spec[end] == '(') ++depth;
      if (spec[end] == ')') --depth;
      ++end;
    }
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) bad_columns(spec, fmt::format("'{}' is not name:type", item));
    column c{item.substr(0, colon)};
    std::string t = item.substr(colon + 1);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (t.rfind("numeric", 0) == 0 || t.rfind("decimal", 0) == 0) {
      c.type = column_type::numeric;
      int p = 12, sc = 2;
      if (auto open = t.find('('); open != std::string::npos &&
          std::sscanf(t.c_str() + open, "(%d,%d)", &p, &sc) < 1)
        bad_columns(spec, fmt::format("'{}': write numeric(P,S)", item));
      if (p < 1 || p > 18 || sc < 0 || sc > p) bad_columns(spec, fmt::format("'{}': precision 1..18, scale 0..precision", item));
      c.precision = p;
      c.scale = sc;
    } else if (t == "double") {
      c.type = column_type::float64;
    } else if (t == "timestamptz" || t == "timestamp") {
      c.type = column_type::timestamp;
    } else if (t == "int" || t == "bool" || !from_pg_type(t, c)) {
      if (t == "int") c.type = column_type::int32;
      else if (t == "bool") c.type = column_type::boolean;
      else bad_columns(spec, fmt::format("unknown type '{}' (bigint, integer, text, numeric(P,S), timestamptz, boolean, double)", t));
    }
    if (!have_key && (c.type == column_type::int64 || c.type == column_type::int32)) {
      s.key = s.columns.size();
      have_key = true;
    }
    s.columns.push_back(c);
  }
  if (!have_key) bad_columns(spec, "no bigint or integer column to be the primary key");
  return s;
}

std::string key_json(const shape& s, std::int64_t id) {
  const auto& k = s.key_column();
  return fmt::format(R"({{"schema":{{"type":"{}","optional":false}},"payload":{}}})",
                     k.type == column_type::int32 ? "int32" : "int64", id);
}

std::string value_json(const shape& s, std::int64_t id, std::int64_t version) {
  auto r = make_row(id, version);
  std::string schema = R"({"type":"struct","name":"bench.Value","optional":false,"fields":[)";
  std::string payload;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    schema += (i ? "," : "") + connect_schema(c);
    payload += (i ? ",\"" : "\"") + c.name + "\":";
    if (i == s.key) {
      payload += std::to_string(id);
      continue;
    }
    switch (c.type) {
      case column_type::int64: payload += std::to_string(r.amount_cents + static_cast<std::int64_t>(i)); break;
      case column_type::int32: payload += std::to_string(r.amount_cents % 1000000); break;
      case column_type::text: payload += "\"" + r.name + "\""; break;
      case column_type::numeric: payload += "\"" + decimal_base64(numeric_unscaled(c, r.amount_cents)) + "\""; break;
      case column_type::timestamp: payload += std::to_string(r.placed_at_ms); break;
      case column_type::boolean: payload += r.paid ? "true" : "false"; break;
      case column_type::float64: payload += fmt::format("{}", static_cast<double>(r.amount_cents) / 100.0); break;
    }
  }
  return fmt::format(R"({{"schema":{}]}},"payload":{{{}}}}})", schema, payload);
}

std::vector<std::string> text_values(const shape& s, std::int64_t id, std::int64_t version) {
  auto r = make_row(id, version);
  std::vector<std::string> out;
  out.reserve(s.columns.size());
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    if (i == s.key) {
      out.push_back(std::to_string(id));
      continue;
    }
    switch (c.type) {
      case column_type::int64: out.push_back(std::to_string(r.amount_cents + static_cast<std::int64_t>(i))); break;
      case column_type::int32: out.push_back(std::to_string(r.amount_cents % 1000000)); break;
      case column_type::text: out.push_back(r.name); break;
      case column_type::numeric: out.push_back(numeric_text(c, numeric_unscaled(c, r.amount_cents))); break;
      case column_type::timestamp: out.push_back(csv_timestamp(r.placed_at_ms)); break;
      case column_type::boolean: out.push_back(r.paid ? "t" : "f"); break;
      case column_type::float64: out.push_back(fmt::format("{}", static_cast<double>(r.amount_cents) / 100.0)); break;
    }
  }
  return out;
}

std::string csv_line(const shape& s, std::int64_t id, std::int64_t version) {
  auto v = text_values(s, id, version);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  out += '\n';
  return out;
}

std::size_t record_bytes(const shape& s) { return key_json(s, 1000000).size() + value_json(s, 1000000, 0).size(); }

}  // namespace sluice::benchkit
