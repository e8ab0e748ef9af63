#pragma once
// A small HTTP/1.1 server (Boost.Beast over Asio, C++20 coroutines) for the REST API: keep-alive,
// a bounded request body (413 before the body is read when Content-Length says it is too big;
// Expect: 100-continue honoured), 400 for requests that do not parse, an idle timeout, and
// handlers run on a separate pool of threads so a slow one (stopping a connector flushes and
// commits) never holds up the network thread.
// Ownership: owns its acceptors, connections and threads. Thread-safety: start/stop from one
// thread; the handler is called from several threads at once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::service {

struct http_request {
  std::string method;                                       // "GET", "PUT" …
  std::string path;                                         // percent-encoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string remote;                          // peer address
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct http_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using http_handler = std::function<http_response(const http_request&)>;

// "http://host:port"; host may be a name, an IPv4 address, [IPv6] or empty (all interfaces).
struct listener {
  std::string host;
  std::uint16_t port = 0;
  std::string text;  // as given
};
// Parses the comma list of --listeners; throws sluice::error naming the bad entry.
std::vector<listener> parse_listeners(const std::string& list);

struct http_server_options {
  std::vector<listener> listeners;
  std::size_t max_body_bytes = 1 << 20;
  int handler_threads = 4;
  std::chrono::seconds idle_timeout{60};
};

// %XX decoded; '+' becomes a space when `plus_is_space` (query strings).
std::string percent_decode(std::string_view s, bool plus_is_space);

// Renders Kafka Connect's error body {"error_code": status, "message": message}.
std::string error_body(int status, const std::string& message);

class http_server {
 public:
  http_server(http_server_options o, http_handler h);
  ~http_server();  // stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds every listener (throws sluice::error when one cannot be bound) and starts serving.
  void start();
  void stop();
  // "host:port" actually bound, one per listener (port 0 resolved).
  std::vector<std::string> bound() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::service
