#pragma once
// A request the worker refuses, with the HTTP status Kafka Connect answers for it (400 bad
// request or invalid config, 404 unknown connector or task, 409 conflict) and its message. The
// REST layer renders it as {"error_code": status, "message": message}.
#include <stdexcept>
#include <string>

namespace sluice::service {

class api_error : public std::runtime_error {
 public:
  api_error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

inline api_error bad_request(const std::string& m) { return {400, m}; }
inline api_error not_found(const std::string& m) { return {404, m}; }
inline api_error conflict(const std::string& m) { return {409, m}; }

}  // namespace sluice::service
