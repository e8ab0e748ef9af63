#pragma once
// The one error type of sluice. Every failure a user can see says what failed, where (connector,
// table, partition, file, key), why, and how to fix it; database and Kafka failures also carry the
// SQLSTATE or Kafka error name and whether a retry on a fresh connection may succeed.
// Thread-safety: immutable after construction.
#include <stdexcept>
#include <string>

namespace sluice {

struct error_info {
  std::string what;   // what failed: "cannot upsert batch"
  std::string where;  // where: "sink 'orders' table \"OrderLines\" partition 3"
  std::string why;    // the cause, in the user's terms
  std::string fix;    // the action that fixes it, naming the config key where there is one
  std::string code;   // SQLSTATE, Kafka error name, or empty
  bool retryable = false;           // the same work may succeed if tried again
  bool poisons_connection = false;  // the connection must be destroyed, never reused
};

class error : public std::runtime_error {
 public:
  explicit error(error_info info);
  const error_info& info() const noexcept { return info_; }
  bool retryable() const noexcept { return info_.retryable; }
  bool poisons_connection() const noexcept { return info_.poisons_connection; }

 private:
  error_info info_;
};

// Renders "what (where): why. Fix: fix [code]" leaving out the empty parts.
std::string render(const error_info& info);

}  // namespace sluice
