// /connectors and everything under it, with Kafka Connect's bodies and status codes.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "service/api_error.hpp"
#include "service/clock.hpp"
#include "service/offsets.hpp"
#include "service/rest_api.hpp"

namespace sluice::service {
namespace json = boost::json;

namespace {

const char* type_name(config::connector_kind k) {
  return k == config::connector_kind::sink ? "sink" : "source";
}

json::object info_json(const connector_info& i) {
  json::object cfg;
  for (const auto& [k, v] : i.config) cfg[k] = v;
  json::array tasks;
  for (int t = 0; t < i.tasks; ++t) tasks.push_back(json::object{{"connector", i.name}, {"task", t}});
  return json::object{{"name", i.name}, {"config", std::move(cfg)}, {"tasks", std::move(tasks)},
                      {"type", type_name(i.kind)}};
}

json::object error_json(const error_info& e) {
  json::object o{{"what", e.what}, {"where", e.where}, {"why", e.why}, {"fix", e.fix},
                 {"retryable", e.retryable}};
  if (!e.code.empty()) o["code"] = e.code;
  return o;
}

// Kafka Connect's fields first (state, worker_id, trace); sluice's restart details after them.
json::object state_json(run_state s, const std::string& worker_id, const std::string& trace,
                        int attempts, std::uint64_t restarts, const std::optional<error_info>& last,
                        std::int64_t next_attempt) {
  json::object o{{"state", to_string(s)}, {"worker_id", worker_id}};
  if (!trace.empty()) o["trace"] = trace;
  if (attempts > 0) o["attempts"] = attempts;
  if (restarts > 0) o["restarts"] = restarts;
  if (next_attempt > 0 && s == run_state::restarting) o["next_attempt"] = iso_time(next_attempt);
  if (last && s != run_state::running && s != run_state::paused) o["last_error"] = error_json(*last);
  return o;
}

json::object task_json(const task_state& t, const std::string& worker_id) {
  auto o = state_json(t.state, t.worker_id.empty() ? worker_id : t.worker_id, t.trace, t.attempts, t.restarts, t.last_error,
                      t.next_attempt_unix_ms);
  json::object out{{"id", t.id}};
  for (auto& [k, v] : o) out[k] = v;
  return out;
}

json::object status_json(const connector_status& s, const std::string& worker_id) {
  json::array tasks;
  for (const auto& t : s.tasks) tasks.push_back(task_json(t, worker_id));
  return json::object{{"name", s.name},
                      {"connector", state_json(s.state, worker_id, s.trace, s.attempts, 0,
                                               s.last_error, s.next_attempt_unix_ms)},
                      {"tasks", std::move(tasks)},
                      {"type", type_name(s.kind)}};
}

// Kafka Connect takes config values as strings; like its JSON mapper, scalars become text.
std::optional<std::string> value_text(const std::string& key, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return std::nullopt;
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return fmt::format("{}", v.get_double());
    default: break;
  }
  throw bad_request(fmt::format("The value of config \"{}\" must be a string, a number or a "
                                "boolean, not a JSON {}",
                                key, v.is_array() ? "array" : "object"));
}

std::map<std::string, std::string> flat_values(const json::value& body) {
  if (!body.is_object()) throw bad_request("The request body must be a JSON object of config keys");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : body.get_object())
    if (auto t = value_text(std::string(k), v)) out[std::string(k)] = *t;
  return out;
}

target_state parse_initial_state(const json::value* v) {
  if (!v || v->is_null()) return target_state::running;
  std::string s = v->is_string() ? std::string(v->get_string()) : std::string();
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == "RUNNING") return target_state::running;
  if (s == "PAUSED") return target_state::paused;
  if (s == "STOPPED") return target_state::stopped;
  throw bad_request(fmt::format("initial_state must be RUNNING, PAUSED or STOPPED, not {}",
                                json::serialize(*v)));
}

}  // namespace

http_response rest_api::list_connectors(const http_request& r) {
  bool with_status = false, with_info = false;
  for (const auto& [k, v] : r.query)
    if (k == "expand") {
      if (v == "status") with_status = true;
      else if (v == "info") with_info = true;
    }
  const auto names = w_.names();
  if (!with_status && !with_info) {
    json::array out;
    for (const auto& n : names) out.push_back(json::string(n));
    return rest::json_response(200, out);
  }
  json::object out;
  for (const auto& n : names) {
    json::object one;
    try {
      if (with_status) one["status"] = status_json(w_.status(n), w_.worker_id());
      if (with_info) one["info"] = info_json(w_.info(n));
    } catch (const api_error&) {
      continue;  // deleted meanwhile
    }
    out[n] = std::move(one);
  }
  return rest::json_response(200, out);
}

http_response rest_api::create_connector(const http_request& r) {
  const auto body = rest::parse_body(r);
  const auto* obj = body.is_object() ? &body.get_object() : nullptr;
  const auto* name = obj ? obj->if_contains("name") : nullptr;
  const auto* cfg = obj ? obj->if_contains("config") : nullptr;
  if (!name || !name->is_string())
    throw bad_request("The request body needs \"name\" (a string): {\"name\": \"...\", \"config\": {...}}");
  if (!cfg || !cfg->is_object())
    throw bad_request("The request body needs \"config\" (an object): {\"name\": \"...\", \"config\": {...}}");
  const std::string n(name->get_string());
  auto values = flat_values(*cfg);
  if (auto it = values.find("name"); it != values.end() && it->second != n)
    throw bad_request(fmt::format("Connector name configuration ({}) doesn't match connector name "
                                  "in the request ({})",
                                  it->second, n));
  auto info = w_.create(n, std::move(values), parse_initial_state(obj->if_contains("initial_state")));
  auto res = rest::json_response(201, info_json(info));
  res.headers.emplace_back("Location", "/connectors/" + n);
  return res;
}

http_response rest_api::connector(const http_request& r, const std::string& name,
                                  const segments& rest) {
  const auto& m = r.method;
  if (rest.empty()) {
    if (m == "GET") return rest::json_response(200, info_json(w_.info(name)));
    if (m == "DELETE") {
      w_.remove(name);
      return http_response{204, {}};
    }
    return rest::method_not_allowed("GET, DELETE");
  }
  const auto& what = rest[0];
  if (rest.size() == 1 && what == "config") {
    if (m == "GET") {
      json::object out;
      for (const auto& [k, v] : w_.info(name).config) out[k] = v;
      return rest::json_response(200, out);
    }
    if (m == "PUT") {
      auto [info, created] = w_.put_config(name, flat_values(rest::parse_body(r)));
      return rest::json_response(created ? 201 : 200, info_json(info));
    }
    if (m == "PATCH") {
      const auto body = rest::parse_body(r);
      if (!body.is_object()) throw bad_request("The request body must be a JSON object of config keys");
      config_patch patch;
      for (const auto& [k, v] : body.get_object()) patch[std::string(k)] = value_text(std::string(k), v);
      return rest::json_response(200, info_json(w_.patch_config(name, patch)));
    }
    return rest::method_not_allowed("GET, PUT, PATCH");
  }
  if (rest.size() == 1 && what == "status") {
    if (m != "GET") return rest::method_not_allowed("GET");
    return rest::json_response(200, status_json(w_.status(name), w_.worker_id()));
  }
  if (rest.size() == 1 && (what == "pause" || what == "resume" || what == "stop")) {
    if (m != "PUT") return rest::method_not_allowed("PUT");
    if (what == "pause") w_.pause(name);
    else if (what == "resume") w_.resume(name);
    else w_.stop_connector(name);
    return http_response{202, {}};
  }
  if (rest.size() == 1 && what == "restart") {
    if (m != "POST") return rest::method_not_allowed("POST");
    return restart(r, name);
  }
  if (rest.size() == 1 && what == "offsets") return offsets(r, name);
  if (rest.size() == 1 && what == "topics") {
    if (m != "GET") return rest::method_not_allowed("GET");
    json::array topics;
    for (const auto& t : w_.topics(name)) topics.push_back(json::string(t));
    return rest::json_response(200, json::object{{name, json::object{{"topics", std::move(topics)}}}});
  }
  if (what == "tasks") return task(r, name, segments(rest.begin() + 1, rest.end()));
  return rest::error_response(404, "HTTP 404 Not Found");
}

http_response rest_api::restart(const http_request& r, const std::string& name) {
  const bool include_tasks = rest::query_bool(r, "includeTasks", false);
  const bool only_failed = rest::query_bool(r, "onlyFailed", false);
  auto out = w_.restart(name, include_tasks, only_failed);
  if (!include_tasks && !only_failed) return http_response{204, {}};
  return rest::json_response(202, status_json(out.marked, w_.worker_id()));
}

http_response rest_api::task(const http_request& r, const std::string& name, const segments& rest) {
  const auto& m = r.method;
  if (rest.empty()) {
    if (m != "GET") return rest::method_not_allowed("GET");
    const auto info = w_.info(name);
    json::array out;
    for (int t = 0; t < info.tasks; ++t) {
      json::object cfg;
      for (const auto& [k, v] : info.config) cfg[k] = v;
      cfg["task.class"] = info.kind == config::connector_kind::sink ? "sluice.JdbcSinkTask"
                                                                    : "sluice.JdbcSourceTask";
      out.push_back(json::object{{"id", json::object{{"connector", name}, {"task", t}}},
                                 {"config", std::move(cfg)}});
    }
    return rest::json_response(200, out);
  }
  int id = -1;
  try {
    std::size_t used = 0;
    id = std::stoi(rest[0], &used);
    if (used != rest[0].size()) id = -1;
  } catch (...) {
  }
  if (id < 0) throw not_found(fmt::format("Task {}-{} not found", name, rest[0]));
  if (rest.size() == 2 && rest[1] == "status") {
    if (m != "GET") return rest::method_not_allowed("GET");
    const auto s = w_.status(name);
    for (const auto& t : s.tasks)
      if (t.id == id) return rest::json_response(200, task_json(t, w_.worker_id()));
    throw not_found(fmt::format("Task {}-{} not found", name, id));
  }
  if (rest.size() == 2 && rest[1] == "restart") {
    if (m != "POST") return rest::method_not_allowed("POST");
    w_.restart_task(name, id);
    return http_response{204, {}};
  }
  return rest::error_response(404, "HTTP 404 Not Found");
}

http_response rest_api::offsets(const http_request& r, const std::string& name) {
  const auto& m = r.method;
  if (m == "GET") return rest::json_response(200, read_offsets(w_.config_of(name)));
  if (m == "PATCH") {
    const auto body = rest::parse_body(r);
    std::string msg;
    w_.while_stopped(name, [&](const config::connector_config& cfg) { msg = alter_offsets(cfg, body); });
    return rest::json_response(200, json::object{{"message", msg}});
  }
  if (m == "DELETE") {
    std::string msg;
    w_.while_stopped(name, [&](const config::connector_config& cfg) { msg = reset_offsets(cfg); });
    return rest::json_response(200, json::object{{"message", msg}});
  }
  return rest::method_not_allowed("GET, PATCH, DELETE");
}

}  // namespace sluice::service
