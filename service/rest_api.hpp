#pragma once
// Kafka Connect's REST API over the worker: the same paths, bodies, status codes and error shape
// ({"error_code": N, "message": "..."}), so existing tooling and deployment scripts keep
// working, plus /health and /metrics (Prometheus). Optional bearer-token or basic auth (every
// path but GET /health); secrets appear as [secret] in every response.
// Ownership: borrows the worker, which must outlive it. Thread-safety: handle() may be called
// from several threads at once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

#include "service/http_server.hpp"
#include "service/worker.hpp"

namespace sluice::service {

struct rest_options {
  std::string auth_token;  // Authorization: Bearer <token>; empty = not accepted
  std::string auth_basic;  // "user:password" for Authorization: Basic; empty = not accepted
};

class rest_api {
 public:
  rest_api(worker& w, rest_options o);
  http_response handle(const http_request& r);

 private:
  using segments = std::vector<std::string>;
  http_response route(const http_request& r, const segments& p);
  std::optional<http_response> check_auth(const http_request& r) const;

  // rest_connectors.cpp
  http_response list_connectors(const http_request& r);
  http_response create_connector(const http_request& r);
  http_response connector(const http_request& r, const std::string& name, const segments& rest);
  http_response offsets(const http_request& r, const std::string& name);
  http_response restart(const http_request& r, const std::string& name);
  http_response task(const http_request& r, const std::string& name, const segments& rest);

  // rest_plugins.cpp
  http_response plugins(const http_request& r, const segments& p);
  http_response loggers(const http_request& r, const segments& p);
  http_response metrics();

  worker& w_;
  rest_options o_;
  std::mutex mu_;  // guards the fields below
  std::map<std::string, std::int64_t> logger_modified_;  // unix ms of the latest PUT per logger
  std::string root_level_;
  std::map<int, std::uint64_t> responses_;  // per status code, for /metrics
};

// Helpers shared by the rest_*.cpp files.
namespace rest {
http_response json_response(int status, const boost::json::value& v);
http_response error_response(int status, const std::string& message);
http_response method_not_allowed(const std::string& allowed);
// The body as JSON; throws api_error 400 when it is empty or malformed (with the position).
boost::json::value parse_body(const http_request& r);
// A query parameter's last value, or nullopt.
std::optional<std::string> query(const http_request& r, const std::string& name);
// "true"/"false" (case-insensitive; absent = `otherwise`); throws api_error 400 otherwise.
bool query_bool(const http_request& r, const std::string& name, bool otherwise);
}  // namespace rest

}  // namespace sluice::service
