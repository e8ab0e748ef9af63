#pragma once
// `sluice serve` as one object: the worker (connectors, state folder), the REST API and the HTTP
// listeners, started and stopped in the right order.
// Ownership: owns all three. Thread-safety: start/stop from one thread.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "service/cluster.hpp"

namespace sluice::service {

class worker;
class rest_api;
class http_server;

struct serve_options {
  std::string listeners = "http://127.0.0.1:8083";
  std::filesystem::path state_dir = "sluice-state";
  std::string auth_token;  // bearer token; empty = none
  std::string auth_basic;  // "user:password"; empty = none
  std::size_t max_body_bytes = 1 << 20;
  cluster_options cluster;  // group_id set: cluster mode (state_dir unused)
};

class server {
 public:
  explicit server(serve_options o);
  ~server();

  // Throws sluice::error when a listener or the state folder cannot be used.
  void start();
  void stop();  // the listeners first, then every connector (gracefully)
  std::vector<std::string> bound() const;

 private:
  serve_options o_;
  std::unique_ptr<worker> worker_;
  std::unique_ptr<rest_api> api_;
  std::unique_ptr<http_server> http_;
};

}  // namespace sluice::service
