// /connector-plugins (list, config definitions, validate), /admin/loggers and /metrics.
#include <chrono>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/connector_config.hpp"
#include "config/raw_connector.hpp"
#include "config/rules.hpp"
#include "core/log.hpp"
#include "service/api_error.hpp"
#include "service/clock.hpp"
#include "service/exposition.hpp"
#include "service/rest_api.hpp"

namespace sluice::service {
namespace json = boost::json;

namespace {

struct plugin {
  const char* cls;
  const char* type;
  config::scope kind;
};
constexpr plugin connector_plugins[] = {
    {"io.confluent.connect.jdbc.JdbcSinkConnector", "sink", config::scope::sink},
    {"io.confluent.connect.jdbc.JdbcSourceConnector", "source", config::scope::source},
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Kafka Connect accepts the class name, the simple name and the simple name without
// "Connector"; sluice also its short names (jdbc-sink, jdbc-source).
const plugin* find_plugin(const std::string& name) {
  const auto n = lower(name);
  for (const auto& p : connector_plugins) {
    const std::string cls = p.cls;
    const std::string simple = cls.substr(cls.rfind('.') + 1);
    const std::string alias = simple.substr(0, simple.size() - std::string("Connector").size());
    const std::string shortname = std::string("jdbc-") + p.type;
    if (n == lower(cls) || n == lower(simple) || n == lower(alias) || n == shortname) return &p;
  }
  return nullptr;
}

const char* type_name(config::value_type t) {
  switch (t) {
    case config::value_type::string: return "STRING";
    case config::value_type::integer: return "LONG";
    case config::value_type::boolean: return "BOOLEAN";
    case config::value_type::double_: return "DOUBLE";
    case config::value_type::list: return "LIST";
    case config::value_type::password: return "PASSWORD";
    case config::value_type::class_name: return "CLASS";
  }
  return "STRING";
}

const char* importance_name(config::importance i) {
  switch (i) {
    case config::importance::high: return "HIGH";
    case config::importance::medium: return "MEDIUM";
    case config::importance::low: return "LOW";
  }
  return "LOW";
}

bool applies(const config::option& o, config::scope kind) {
  return (static_cast<unsigned>(o.applies) & static_cast<unsigned>(kind)) != 0;
}

json::object definition(const config::option& o, config::scope kind, int order) {
  json::value def = o.default_value ? json::value(*o.default_value) : json::value(nullptr);
  return json::object{{"name", o.key},
                      {"type", type_name(o.type)},
                      {"required", config::is_required(o, kind)},
                      {"default_value", def},
                      {"importance", importance_name(o.imp)},
                      {"documentation", o.doc},
                      {"group", o.group},
                      {"width", "NONE"},
                      {"display_name", o.key},
                      {"dependents", json::array()},
                      {"order", order}};
}

// {"level": "INFO"} names of log4j, which Kafka Connect's API speaks.
std::string log4j_level(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "FATAL";
    default: return "OFF";
  }
}

std::optional<std::string> spdlog_level(const std::string& log4j) {
  const auto l = lower(log4j);
  if (l == "trace" || l == "debug" || l == "info" || l == "warn" || l == "error" || l == "off") return l;
  if (l == "fatal") return "critical";
  return std::nullopt;
}

}  // namespace

http_response rest_api::plugins(const http_request& r, const segments& p) {
  const auto& m = r.method;
  if (p.size() == 1) {
    if (m != "GET") return rest::method_not_allowed("GET");
    json::array out;
    for (const auto& pl : connector_plugins)
      out.push_back(json::object{{"class", pl.cls}, {"type", pl.type}, {"version", SLUICE_VERSION}});
    if (!rest::query_bool(r, "connectorsOnly", true))
      for (const auto& cls : {"org.apache.kafka.connect.json.JsonConverter",
                              "org.apache.kafka.connect.storage.StringConverter",
                              "org.apache.kafka.connect.converters.LongConverter",
                              "org.apache.kafka.connect.converters.IntegerConverter",
                              "org.apache.kafka.connect.converters.ByteArrayConverter"})
        out.push_back(json::object{{"class", cls}, {"type", "converter"}, {"version", SLUICE_VERSION}});
    return rest::json_response(200, out);
  }
  const plugin* pl = find_plugin(p[1]);
  const bool config_path = p.size() >= 3 && p[2] == "config";
  if (!config_path || p.size() > 4 || (p.size() == 4 && p[3] != "validate"))
    return rest::error_response(404, "HTTP 404 Not Found");
  if (!pl)
    throw not_found(fmt::format("Failed to find any class that implements Connector and which name "
                                "matches {}; available: {}, {}",
                                p[1], connector_plugins[0].cls, connector_plugins[1].cls));
  if (p.size() == 3) {  // the plugin's config definitions (KIP-769)
    if (m != "GET") return rest::method_not_allowed("GET");
    json::array out;
    int order = 0;
    for (const auto& o : config::options())
      if (applies(o, pl->kind)) out.push_back(definition(o, pl->kind, ++order));
    return rest::json_response(200, out);
  }
  if (m != "PUT") return rest::method_not_allowed("PUT");

  const auto body = rest::parse_body(r);
  if (!body.is_object()) throw bad_request("The request body must be a JSON object of config keys");
  config::raw_connector raw;
  try {
    raw = config::from_json(body, "validate request");
  } catch (const error& e) {
    throw bad_request(e.what());
  }
  if (auto it = raw.values.find("connector.class"); it != raw.values.end()) {
    const plugin* given = find_plugin(it->second);
    if (given != pl)
      throw bad_request(fmt::format("Included connector type {} does not match request type {}",
                                    it->second, p[1]));
  } else {
    raw.values["connector.class"] = pl->cls;
  }
  if (raw.name.empty() && !raw.values.contains("name")) raw.name = "";
  const auto result = config::validate(raw);

  // Problems by key, in the order validate() reported them.
  std::map<std::string, std::vector<std::string>> errors;
  for (const auto& pr : result.problems) errors[pr.key].push_back(pr.render());
  json::array configs;
  std::vector<std::string> groups;
  std::set<std::string> seen;
  int order = 0, error_count = 0;
  auto value_of = [&](const std::string& key) -> json::value {
    auto it = raw.values.find(key);
    if (it == raw.values.end()) return nullptr;
    return json::value(config::detail::shown_value(key, it->second));
  };
  auto add = [&](json::object def, const std::string& key, json::array recommended) {
    json::array errs;
    if (auto it = errors.find(key); it != errors.end())
      for (const auto& e : it->second) errs.push_back(json::string(e));
    error_count += static_cast<int>(errs.size());
    configs.push_back(json::object{
        {"definition", std::move(def)},
        {"value", json::object{{"name", key}, {"value", value_of(key)},
                               {"recommended_values", std::move(recommended)},
                               {"errors", std::move(errs)}, {"visible", true}}}});
    seen.insert(key);
  };
  for (const auto& o : config::options()) {
    if (!applies(o, pl->kind)) continue;
    if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) groups.push_back(o.group);
    json::array recommended;
    if (auto vv = config::valid_values(o); !vv.empty() && o.type != config::value_type::integer) {
      for (std::size_t start = 0; start < vv.size();) {
        auto comma = vv.find(", ", start);
        recommended.push_back(json::string(vv.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 2;
      }
    }
    add(definition(o, pl->kind, ++order), o.key, std::move(recommended));
  }
  // Keys sluice does not know (with their did-you-mean) and problems without a key.
  for (const auto& [key, errs] : errors) {
    if (seen.contains(key)) continue;
    if (std::find(groups.begin(), groups.end(), "Unknown") == groups.end()) groups.push_back("Unknown");
    add(json::object{{"name", key}, {"type", "STRING"}, {"required", false},
                     {"default_value", nullptr}, {"importance", "LOW"},
                     {"documentation", "Not a sluice option"}, {"group", "Unknown"},
                     {"width", "NONE"}, {"display_name", key}, {"dependents", json::array()},
                     {"order", ++order}},
        key, {});
  }
  json::array group_list;
  for (const auto& g : groups) group_list.push_back(json::string(g));
  return rest::json_response(200, json::object{{"name", pl->cls},
                                               {"error_count", error_count},
                                               {"groups", std::move(group_list)},
                                               {"configs", std::move(configs)}});
}

http_response rest_api::loggers(const http_request& r, const segments& p) {
  const auto& m = r.method;
  auto entry = [&](const std::string& name, spdlog::level::level_enum l) {
    std::lock_guard lock(mu_);
    auto it = logger_modified_.find(name);
    return json::object{{"level", log4j_level(l)},
                        {"last_modified", it == logger_modified_.end() ? json::value(nullptr)
                                                                       : json::value(it->second)}};
  };
  if (p.size() == 2) {
    if (m != "GET") return rest::method_not_allowed("GET");
    std::string root;
    {
      std::lock_guard lock(mu_);
      root = root_level_;
    }
    json::object out;
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
      if (!l->name().empty()) out[l->name()] = entry(l->name(), l->level());
    });
    out["root"] = entry("root", spdlog::level::from_str(*spdlog_level(root)));
    return rest::json_response(200, out);
  }
  if (p.size() != 3) return rest::error_response(404, "HTTP 404 Not Found");
  const std::string name = p[2];
  if (m == "GET") {
    if (name == "root") {
      std::lock_guard lock(mu_);
      return rest::json_response(200, json::object{{"level", root_level_}});
    }
    auto l = spdlog::get(name);
    if (!l) throw not_found(fmt::format("Logger {} not found.", name));
    return rest::json_response(200, entry(name, l->level()));
  }
  if (m != "PUT") return rest::method_not_allowed("GET, PUT");
  const auto body = rest::parse_body(r);
  const auto* level = body.is_object() ? body.get_object().if_contains("level") : nullptr;
  if (!level || !level->is_string())
    throw bad_request("Desired 'level' parameter was not specified in the request.");
  const std::string given(level->get_string());
  const auto lvl = spdlog_level(given);
  if (!lvl || !log::set_level(name, *lvl))
    throw bad_request(fmt::format("Invalid log level '{}'; use TRACE, DEBUG, INFO, WARN, ERROR, "
                                  "FATAL or OFF",
                                  given));
  json::array changed;
  {
    std::lock_guard lock(mu_);
    const auto now = unix_ms();
    if (name == "root") {
      std::string up = lower(given);
      for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      root_level_ = up;
      logger_modified_["root"] = now;
      spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
        if (l->name().empty()) return;
        logger_modified_[l->name()] = now;
        changed.push_back(json::string(l->name()));
      });
    } else {
      logger_modified_[name] = now;
      changed.push_back(json::string(name));
    }
  }
  log::get("service")->info("logger=\"{}\" event=level level={}", name, given);
  if (rest::query(r, "scope") == "cluster") return http_response{204, {}};
  return rest::json_response(200, changed);
}

http_response rest_api::metrics() {
  exposition out;
  out.gauge("sluice_build_info", "The version of this sluice worker.", {{"version", SLUICE_VERSION}}, 1);
  w_.collect(out);
  std::map<int, std::uint64_t> responses;
  {
    std::lock_guard lock(mu_);
    responses = responses_;
  }
  for (const auto& [code, n] : responses)
    out.counter("sluice_http_responses_total", "REST API responses by status code.",
                {{"code", std::to_string(code)}}, static_cast<double>(n));
  http_response res{200, out.render()};
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return res;
}

}  // namespace sluice::service
