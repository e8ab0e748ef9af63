#pragma once
// A validated connector configuration: every value checked against the option table, providers
// (${env:..}, ${file:..}) resolved, connection.url parsed. validate() collects all problems at
// once and never connects anywhere.
// Ownership: a value type; copies are independent. Thread-safety: immutable, safe to share.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "config/connection_url.hpp"
#include "config/option.hpp"
#include "config/raw_connector.hpp"

namespace sluice::config {

enum class connector_kind { sink, source };

struct validation_result;

class connector_config {
 public:
  const std::string& name() const { return name_; }
  connector_kind kind() const { return kind_; }

  // The value given, else the default ("" when neither). Enum values come back in their declared
  // spelling (insert.mode=UPSERT → "upsert"). Throws std::logic_error for an undeclared key.
  std::string get_string(std::string_view key) const;
  // These throw std::logic_error for an undeclared key or one with neither value nor default
  // (check is_set() first for such options, e.g. timestamp.initial).
  std::int64_t get_int(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  double get_double(std::string_view key) const;
  std::vector<std::string> get_list(std::string_view key) const;  // trimmed, empty items dropped
  bool is_set(std::string_view key) const;  // given by the user
  // User-given keys starting with `prefix`, prefix stripped ("consumer.override." → "fetch.min.bytes").
  std::map<std::string, std::string> with_prefix(std::string_view prefix) const;
  const connection_target& connection() const { return connection_; }
  const std::map<std::string, std::string>& values() const { return values_; }  // resolved, as given
  std::map<std::string, std::string> masked_values() const;  // secrets (and URL passwords) as [secret]

 private:
  friend validation_result validate(const raw_connector& raw);
  connector_config() = default;
  const option& declared(std::string_view key) const;
  std::optional<std::string> effective(std::string_view key) const;

  std::string name_;
  connector_kind kind_ = connector_kind::sink;
  std::map<std::string, std::string> values_;     // resolved values as given
  std::map<std::string, std::string> effective_;  // trimmed, enum values canonical
  connection_target connection_{};
};

struct validation_result {
  std::vector<problem> problems;            // all of them, in key order then cross-field rules
  std::optional<connector_config> config;   // set exactly when problems is empty
  // Things that work but are probably not what was meant (bootstrap.servers left at its
  // default "embedded"); never block a connector. Printed by validate, logged by run and serve.
  std::vector<problem> warnings;
};

validation_result validate(const raw_connector& raw);

}  // namespace sluice::config
