// Connector configs in JSON: Kafka Connect REST bodies, flat objects, and lists of either.
#include <boost/json.hpp>
#include <fmt/format.h>
#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::config {

namespace {

[[noreturn]] void fail(const std::string& where, std::string why, std::string fix) {
  throw sluice::error({.what = "cannot read connector config", .where = where, .why = std::move(why),
                       .fix = std::move(fix)});
}

std::string line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return fmt::format("{}:{}", line, offset - line_start + 1);
}

// Kafka Connect's REST API takes string values; like Jackson there, scalars are coerced to text.
std::optional<std::string> scalar_text(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string: return std::string(v.get_string());
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return fmt::format("{}", v.get_double());
    case boost::json::kind::bool_: return v.get_bool() ? "true" : "false";
    default: return std::nullopt;
  }
}

void add_values(const boost::json::object& obj, raw_connector& out) {
  for (const auto& [k, v] : obj) {
    const std::string key(k);
    if (v.is_null()) continue;  // null = not set, the option's default applies
    if (auto text = scalar_text(v)) {
      out.values[key] = *text;
      continue;
    }
    if (v.is_array()) {  // ["a","b"] is accepted for list options as "a,b"
      std::string joined;
      for (const auto& item : v.get_array()) {
        auto text = scalar_text(item);
        if (!text)
          fail(out.origin, fmt::format("the list value of \"{}\" holds something other than text, "
                                       "numbers or booleans", key),
               fmt::format("write \"{}\" as a string, e.g. \"a,b\"", key));
        if (!joined.empty()) joined += ',';
        joined += *text;
      }
      out.values[key] = joined;
      continue;
    }
    fail(out.origin, fmt::format("the value of \"{}\" is a JSON object; config values are text", key),
         fmt::format("write \"{}\" as a string", key));
  }
}

}  // namespace

raw_connector from_json(const boost::json::value& v, const std::string& origin) {
  raw_connector out;
  out.origin = origin;
  if (!v.is_object())
    fail(origin, "a connector config must be a JSON object",
         "write {\"name\": \"...\", \"config\": {...}} or a flat object of config keys");
  const auto& obj = v.get_object();
  const auto* config = obj.if_contains("config");
  if (config && config->is_object()) {  // REST body; other members ("tasks", "type") are ignored
    add_values(config->get_object(), out);
    const auto* name = obj.if_contains("name");
    if (name && !name->is_null()) {
      auto text = scalar_text(*name);
      if (!text) fail(origin, "\"name\" must be a string", "write \"name\": \"my-connector\"");
      auto inner = out.values.find("name");
      if (inner != out.values.end() && inner->second != *text)
        fail(origin,
             fmt::format("\"name\" is \"{}\" but config.name is \"{}\"", *text, inner->second),
             "use the same name in both places, or remove config.name");
      out.values["name"] = *text;
    }
  } else {
    add_values(obj, out);
  }
  if (auto it = out.values.find("name"); it != out.values.end()) out.name = it->second;
  return out;
}

std::vector<raw_connector> parse_json_text(std::string_view text, const std::string& origin) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec)
    fail(fmt::format("{}:{}", origin, line_column(text, used)),
         fmt::format("invalid JSON: {}", ec.message()),
         "fix the JSON at that position (a missing comma, quote or brace is the usual cause)");
  const boost::json::value doc = parser.release();
  std::vector<raw_connector> out;
  if (doc.is_array()) {
    const auto& list = doc.get_array();
    for (std::size_t i = 0; i < list.size(); ++i)
      out.push_back(from_json(list[i], fmt::format("{}[{}]", origin, i)));
  } else {
    out.push_back(from_json(doc, origin));
  }
  return out;
}

}  // namespace sluice::config
