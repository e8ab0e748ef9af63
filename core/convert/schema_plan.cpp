#include "core/convert/schema_plan.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cstring>

#include "core/convert/codecs.hpp"
#include "core/convert/failure.hpp"
#include "core/convert/payload_decoder.hpp"

namespace sluice::convert::detail {

namespace dom = simdjson::dom;

namespace {

constexpr std::string_view schema_fix =
    "the \"schema\" must be a Kafka Connect JSON schema as JsonConverter writes it; fix the producer "
    "or set the converter's schemas.enable=false";
constexpr std::string_view variable_scale_decimal = "io.debezium.data.VariableScaleDecimal";

[[noreturn]] void fail_schema(std::string_view path, std::string_view why) {
  fail(path.empty() ? fmt::format("schema: {}", why) : fmt::format("schema of field \"{}\": {}", path, why),
       std::string(schema_fix));
}

std::optional<type_kind> type_from_name(std::string_view t) noexcept {
  if (t == "int8") return type_kind::int8;
  if (t == "int16") return type_kind::int16;
  if (t == "int32") return type_kind::int32;
  if (t == "int64") return type_kind::int64;
  if (t == "float" || t == "float32") return type_kind::float32;
  if (t == "double" || t == "float64") return type_kind::float64;
  if (t == "boolean") return type_kind::boolean;
  if (t == "string") return type_kind::string;
  if (t == "bytes") return type_kind::bytes;
  if (t == "array") return type_kind::array;
  if (t == "map") return type_kind::map;
  if (t == "struct") return type_kind::struct_;
  return std::nullopt;
}

// The primitive type a logical type is layered on.
type_kind base_of(logical_kind l) noexcept {
  switch (l) {
    case logical_kind::decimal: return type_kind::bytes;
    case logical_kind::date:
    case logical_kind::time: return type_kind::int32;
    case logical_kind::timestamp:
    case logical_kind::micro_timestamp:
    case logical_kind::nano_timestamp:
    case logical_kind::micro_time: return type_kind::int64;
    default: return type_kind::string;
  }
}

// Connect writes parameters as strings ("scale": "2"); accept numbers too.
std::optional<int> int_parameter(dom::object params, std::string_view key) {
  dom::element e;
  if (params[key].get(e)) return std::nullopt;
  std::string_view s;
  if (!e.get_string().get(s)) {
    int v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
  }
  std::int64_t i = 0;
  if (!e.get_int64().get(i) && i >= -100000 && i <= 100000) return static_cast<int>(i);
  return std::nullopt;
}

std::string render_default(const value& v) {
  if (const auto* d = std::get_if<date_value>(&v)) return format_iso_date(d->days);
  if (const auto* t = std::get_if<time_value>(&v)) return format_iso_time(t->micros);
  if (const auto* ts = std::get_if<timestamp_value>(&v)) return format_iso_timestamp(ts->micros);
  return to_display(v);
}

// Decodes a schema "default" with the payload decoder, so defaults follow the exact rules of
// values. Cold path (once per distinct schema), so a private parser and copy are fine.
value decode_default(dom::element e, const field_plan& f) {
  simdjson::padded_string text("[" + simdjson::minify(e) + "]");
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::array arr;
  if (auto err = parser.iterate(text).get(doc)) fail_json(err, f.path);
  if (auto err = doc.get_array().get(arr)) fail_json(err, f.path);
  value out;
  for (auto item : arr) {
    simdjson::ondemand::value v;
    if (auto err = std::move(item).get(v)) fail_json(err, f.path);
    try {
      decode_field(v, f, &out);
    } catch (const failure& x) {
      fail_schema(f.path, "invalid \"default\": " + x.why);
    }
    break;
  }
  return out;
}

void build_struct(dom::object so, std::string_view path_prefix, std::string_view flat_prefix,
                  bool parent_optional, struct_plan& plan, std::vector<field_schema>& flat);

void build_field(dom::object fo, field_plan& fp, std::string flat_name, bool parent_optional,
                 std::vector<field_schema>& flat) {
  std::string_view type_name;
  if (fo["type"].get_string().get(type_name)) fail_schema(fp.path, "no \"type\" string");
  auto type = type_from_name(type_name);
  if (!type) fail_schema(fp.path, fmt::format("unknown type \"{}\"", type_name));
  fp.type = *type;
  bool optional = false;
  if (fo["optional"].get_bool().get(optional)) optional = false;  // Connect's default: required
  fp.optional = optional;
  std::string_view logical_name;
  if (fo["name"].get_string().get(logical_name)) logical_name = {};
  fp.logical = logical_from_name(logical_name);
  int precision = 0;
  std::optional<int> scale;
  dom::object params;
  if (!fo["parameters"].get_object().get(params)) {
    scale = int_parameter(params, "scale");
    precision = int_parameter(params, "connect.decimal.precision").value_or(0);
  }
  fp.scale = scale.value_or(0);
  if (fp.logical != logical_kind::none && base_of(fp.logical) != fp.type)
    fail_schema(fp.path, fmt::format("logical type {} must be {}, not {}", logical_name,
                                     to_string(base_of(fp.logical)), type_name));
  if (fp.logical == logical_kind::decimal && !scale)
    fail_schema(fp.path, "Decimal without an integer parameters.scale");

  const bool flat_optional = optional || parent_optional;
  if (fp.type == type_kind::struct_ && logical_name == variable_scale_decimal) {
    fp.variable_scale = true;
    flat.push_back({.name = std::move(flat_name), .type = type_kind::bytes,
                    .logical = logical_kind::decimal, .optional = flat_optional});
    return;
  }
  if (fp.type == type_kind::struct_) {
    fp.nested = std::make_unique<struct_plan>();
    build_struct(fo, fp.path + ".", flat_name + "_", flat_optional, *fp.nested, flat);
    fp.width = fp.nested->width;
    return;
  }
  field_schema fs{.name = std::move(flat_name), .type = fp.type, .logical = fp.logical,
                  .optional = flat_optional, .scale = fp.scale, .precision = precision};
  if (fp.type == type_kind::array || fp.type == type_kind::map) {
    // Kept as JSON text, for a json/jsonb (or text) column.
    fs.type = type_kind::string;
    fs.logical = logical_kind::json;
  }
  dom::element def;
  if (!fo["default"].get(def) && !def.is_null()) {
    fp.default_value = decode_default(def, fp);
    fs.default_sql_literal = render_default(*fp.default_value);
  }
  flat.push_back(std::move(fs));
}

void build_struct(dom::object so, std::string_view path_prefix, std::string_view flat_prefix,
                  bool parent_optional, struct_plan& plan, std::vector<field_schema>& flat) {
  dom::array fields;
  if (so["fields"].get_array().get(fields))
    fail_schema(path_prefix.empty() ? "" : path_prefix.substr(0, path_prefix.size() - 1),
                "a struct without a \"fields\" array");
  const std::size_t base = flat.size();
  for (dom::element fe : fields) {
    dom::object fo;
    std::string_view name;
    if (fe.get_object().get(fo) || fo["field"].get_string().get(name))
      fail_schema(path_prefix, "a struct field without a \"field\" name");
    field_plan fp;
    fp.name = std::string(name);
    fp.path = fmt::format("{}{}", path_prefix, name);
    fp.slot = static_cast<std::uint32_t>(flat.size() - base);
    build_field(fo, fp, fmt::format("{}{}", flat_prefix, name), parent_optional, flat);
    plan.fields.push_back(std::move(fp));
  }
  plan.width = static_cast<std::uint32_t>(flat.size() - base);
}

std::shared_ptr<const struct_schema> build_row(dom::object so, std::string_view path_prefix,
                                                struct_plan& plan) {
  auto schema = std::make_shared<struct_schema>();
  std::string_view name;
  if (!so["name"].get_string().get(name)) schema->name = std::string(name);
  build_struct(so, path_prefix, "", false, plan, schema->fields);
  return schema;
}

// Whether two field schemas describe the same struct, whatever their "field" names.
bool same_row_schema(dom::object a, dom::object b) {
  const auto text = [](dom::object o, std::string_view key) {
    dom::element e;
    return o[key].get(e) ? std::string() : simdjson::minify(e);
  };
  return text(a, "fields") == text(b, "fields") && text(a, "name") == text(b, "name");
}

// Debezium's envelope: a struct with op and source, and before and/or after as structs.
std::optional<debezium_plan> detect_debezium(dom::object root) {
  dom::array fields;
  if (root["fields"].get_array().get(fields)) return std::nullopt;
  bool has_op = false, has_source = false;
  std::optional<dom::object> before, after;
  for (dom::element fe : fields) {
    dom::object fo;
    std::string_view name, type;
    if (fe.get_object().get(fo) || fo["field"].get_string().get(name)) continue;
    if (fo["type"].get_string().get(type)) continue;
    if (name == "op") has_op = true;
    if (name == "source") has_source = true;
    if (name == "before" && type == "struct") before = fo;
    if (name == "after" && type == "struct") after = fo;
  }
  if (!has_op || !has_source || (!before && !after)) return std::nullopt;
  debezium_plan p;
  p.after_schema = build_row(after ? *after : *before, "after.", p.after);
  if (before && after && !same_row_schema(*before, *after)) {
    p.before_schema = build_row(*before, "before.", p.before);
  } else {
    // The same row schema (as Debezium always writes): build the plan for its error paths, but
    // share one struct_schema so rows of updates and deletes carry the same schema object.
    build_row(before ? *before : *after, "before.", p.before);
    p.before_schema = p.after_schema;
  }
  return p;
}

}  // namespace

int struct_plan::find(std::string_view key, std::size_t hint) const noexcept {
  if (hint < fields.size() && fields[hint].name == key) return static_cast<int>(hint);
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == key) return static_cast<int>(i);
  return -1;
}

std::shared_ptr<const parsed_schema> parse_connect_schema(std::string_view schema_json) {
  thread_local dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(schema_json.data(), schema_json.size()).get(root)) fail_json(e, "schema");
  dom::object ro;
  if (root.get_object().get(ro)) fail_schema("", "not a JSON object");
  auto ps = std::make_shared<parsed_schema>();
  std::string_view type;
  if (ro["type"].get_string().get(type)) fail_schema("", "no \"type\" string");
  if (type == "struct") {
    ps->is_struct = true;
    ps->row_schema = build_row(ro, "", ps->row);
    ps->debezium = detect_debezium(ro);
    return ps;
  }
  // A primitive schema (keys such as {"type":"int64"}): one field named "", which the sink
  // names from pk.fields.
  field_plan fp;
  fp.path = "payload";
  auto schema = std::make_shared<struct_schema>();
  build_field(ro, fp, "", false, schema->fields);
  ps->row.fields.push_back(std::move(fp));
  ps->row.width = static_cast<std::uint32_t>(schema->fields.size());
  ps->row_schema = std::move(schema);
  return ps;
}

const std::shared_ptr<const parsed_schema>& schema_cache::get(std::string_view text) {
  // Records of one topic repeat one schema: a length check and a memcmp, no hashing.
  if (last_ != nullptr && last_->first.size() == text.size() &&
      std::memcmp(last_->first.data(), text.data(), text.size()) == 0)
    return last_->second;
  auto it = map_.find(text);
  if (it == map_.end()) {
    auto parsed = parse_connect_schema(text);
    if (map_.size() >= max_entries) {
      map_.clear();
      last_ = nullptr;
    }
    it = map_.emplace(std::string(text), std::move(parsed)).first;
  }
  last_ = &*it;
  return it->second;
}

}  // namespace sluice::convert::detail
