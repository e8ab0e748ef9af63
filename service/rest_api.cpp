#include "service/rest_api.hpp"

#include <chrono>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/log.hpp"
#include "service/api_error.hpp"

namespace sluice::service {
namespace json = boost::json;

namespace rest {

http_response json_response(int status, const json::value& v) {
  return http_response{status, json::serialize(v)};
}

http_response error_response(int status, const std::string& message) {
  return http_response{status, error_body(status, message)};
}

http_response method_not_allowed(const std::string& allowed) {
  auto r = error_response(405, "HTTP 405 Method Not Allowed");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

json::value parse_body(const http_request& r) {
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos)
    throw bad_request("The request body is empty; this request needs a JSON body");
  json::stream_parser p;
  json::error_code ec;
  const std::size_t used = p.write(r.body.data(), r.body.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < std::min(used, r.body.size()); ++i) {
      if (r.body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw bad_request(fmt::format("Request body is not valid JSON: {} at line {} column {}",
                                  ec.message(), line, col));
  }
  return p.release();
}

std::optional<std::string> query(const http_request& r, const std::string& name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : r.query)
    if (k == name) out = v;
  return out;
}

bool query_bool(const http_request& r, const std::string& name, bool otherwise) {
  auto v = query(r, name);
  if (!v) return otherwise;
  std::string l;
  for (char c : *v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l.empty()) return true;
  if (l == "false") return false;
  throw bad_request(fmt::format("Query parameter {} must be true or false, not '{}'", name, *v));
}

}  // namespace rest

namespace {

// Compares in time independent of where the first difference is, so a token cannot be guessed
// byte by byte from response times.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

std::string base64(const std::string& s) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::encoded_size(s.size()), '\0');
  out.resize(b64::encode(out.data(), s.data(), s.size()));
  return out;
}

}  // namespace

rest_api::rest_api(worker& w, rest_options o) : w_(w), o_(std::move(o)) {
  root_level_ = "INFO";
}

std::optional<http_response> rest_api::check_auth(const http_request& r) const {
  if (o_.auth_token.empty() && o_.auth_basic.empty()) return std::nullopt;
  const std::string given = r.header("authorization");
  if (!o_.auth_token.empty() && given.starts_with("Bearer ") &&
      same_secret(given.substr(7), o_.auth_token))
    return std::nullopt;
  if (!o_.auth_basic.empty() && given.starts_with("Basic ") &&
      same_secret(given.substr(6), base64(o_.auth_basic)))
    return std::nullopt;
  auto res = rest::error_response(
      401, given.empty() ? "Authentication required: send an Authorization header"
                         : "Invalid credentials in the Authorization header");
  if (!o_.auth_token.empty()) res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sluice\"");
  if (!o_.auth_basic.empty()) res.headers.emplace_back("WWW-Authenticate", "Basic realm=\"sluice\"");
  return res;
}

http_response rest_api::handle(const http_request& r) {
  const auto start = std::chrono::steady_clock::now();
  http_response res;
  segments p;
  for (std::size_t i = 1; i <= r.path.size();) {  // "/a/b%2Fc/" → {"a", "b/c"}
    auto slash = r.path.find('/', i);
    if (slash == std::string::npos) slash = r.path.size();
    if (slash > i) p.push_back(percent_decode(std::string_view(r.path).substr(i, slash - i), false));
    i = slash + 1;
  }
  const bool open = r.method == "GET" && p.size() == 1 && p[0] == "health";
  if (auto denied = open ? std::nullopt : check_auth(r)) {
    res = std::move(*denied);
  } else {
    try {
      res = route(r, p);
    } catch (const api_error& e) {
      res = rest::error_response(e.status(), e.what());
    } catch (const error& e) {
      // A failure of the worker (state folder, database, broker) with its actionable message.
      res = rest::error_response(500, e.what());
    } catch (const std::exception& e) {
      res = rest::error_response(500, fmt::format("Unexpected failure: {}", e.what()));
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  {
    std::lock_guard lock(mu_);
    ++responses_[res.status];
  }
  // The path only: bodies may hold passwords, and query strings carry nothing secret here.
  auto logger = log::get("service");
  const auto level = res.status >= 500 ? spdlog::level::err
                     : res.status >= 400 ? spdlog::level::info
                                         : spdlog::level::debug;
  std::string reason;
  if (res.status >= 400) {
    json::error_code ec;
    auto v = json::parse(res.body, ec);
    if (!ec && v.is_object())
      if (const auto* msg = v.get_object().if_contains("message"); msg && msg->is_string())
        reason = " reason=" + json::serialize(*msg);
  }
  logger->log(level, "http method={} path=\"{}\" status={} duration_ms={:.1f} remote={}{}", r.method,
              r.path, res.status, ms, r.remote, reason);
  return res;
}

http_response rest_api::route(const http_request& r, const segments& p) {
  const auto& m = r.method;
  if (p.empty()) {
    if (m != "GET") return rest::method_not_allowed("GET");
    return rest::json_response(
        200, json::object{{"version", SLUICE_VERSION}, {"commit", "sluice"}, {"kafka_cluster_id", ""}});
  }
  if (p[0] == "connectors") {
    if (p.size() == 1) {
      if (m == "GET") return list_connectors(r);
      if (m == "POST") return create_connector(r);
      return rest::method_not_allowed("GET, POST");
    }
    return connector(r, p[1], segments(p.begin() + 2, p.end()));
  }
  if (p[0] == "connector-plugins") return plugins(r, p);
  if (p[0] == "admin" && p.size() >= 2 && p[1] == "loggers") return loggers(r, p);
  if (p.size() == 1 && p[0] == "health") {
    if (m != "GET") return rest::method_not_allowed("GET");
    return rest::json_response(
        200, json::object{{"status", "healthy"},
                          {"message", "Worker has completed startup and is ready to handle requests."}});
  }
  if (p.size() == 1 && p[0] == "metrics") {
    if (m != "GET") return rest::method_not_allowed("GET");
    return metrics();
  }
  return rest::error_response(404, "HTTP 404 Not Found");
}

}  // namespace sluice::service
