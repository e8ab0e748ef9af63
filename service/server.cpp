#include "service/server.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "service/http_server.hpp"
#include "service/rest_api.hpp"
#include "service/worker.hpp"

namespace sluice::service {

server::server(serve_options o) : o_(std::move(o)) {}

server::~server() { stop(); }

void server::start() {
  const auto listeners = parse_listeners(o_.listeners);
  const auto& first = listeners.front();
  // Kafka Connect's worker_id: the advertised host:port of the REST listener.
  const std::string worker_id = fmt::format("{}:{}", first.host.empty() ? "0.0.0.0" : first.host, first.port);
  worker_ = std::make_unique<worker>(o_.state_dir, worker_id, o_.cluster);
  api_ = std::make_unique<rest_api>(*worker_, rest_options{o_.auth_token, o_.auth_basic});
  http_server_options ho;
  ho.listeners = listeners;
  ho.max_body_bytes = o_.max_body_bytes;
  http_ = std::make_unique<http_server>(ho, [this](const http_request& r) { return api_->handle(r); });
  worker_->start();
  http_->start();
  auto logger = log::get("service");
  for (const auto& b : http_->bound())
    logger->info("event=listening address=http://{} auth={}", b,
                 !o_.auth_token.empty() && !o_.auth_basic.empty() ? "bearer+basic"
                 : !o_.auth_token.empty()                         ? "bearer"
                 : !o_.auth_basic.empty()                         ? "basic"
                                                                  : "none");
}

void server::stop() {
  if (http_) http_->stop();
  if (worker_) worker_->stop();
  http_.reset();
  api_.reset();
  worker_.reset();
}

std::vector<std::string> server::bound() const {
  return http_ ? http_->bound() : std::vector<std::string>{};
}

}  // namespace sluice::service
