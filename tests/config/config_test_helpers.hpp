#pragma once
// Helpers for the config tests: build a raw connector from key/value pairs, run validate(), and
// look up the problem reported for a key.
#include <initializer_list>
#include <string>
#include <utility>
#include <gtest/gtest.h>
#include "config/connector_config.hpp"

namespace sluice::config::test {

inline raw_connector raw(std::initializer_list<std::pair<const std::string, std::string>> values) {
  raw_connector r;
  r.values = values;
  r.origin = "test";
  if (auto it = r.values.find("name"); it != r.values.end()) r.name = it->second;
  return r;
}

inline std::map<std::string, std::string> base_sink() {
  return {{"name", "orders-sink"},
          {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
          {"connection.url", "jdbc:postgresql://localhost:5432/shop"},
          {"topics", "orders"}};
}

inline std::map<std::string, std::string> base_source() {
  return {{"name", "orders-source"},
          {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
          {"connection.url", "jdbc:postgresql://localhost:5432/shop"},
          {"mode", "incrementing"},
          {"topic.prefix", "shop-"}};
}

// base with `changes` applied; a change to "" with erase=true removes the key.
inline raw_connector with(std::map<std::string, std::string> base,
                          std::initializer_list<std::pair<const std::string, std::string>> changes,
                          std::initializer_list<std::string> removed = {}) {
  for (const auto& [k, v] : changes) base[k] = v;
  for (const auto& k : removed) base.erase(k);
  raw_connector r;
  r.values = std::move(base);
  r.origin = "test";
  r.name = r.values.contains("name") ? r.values["name"] : "";
  return r;
}

inline std::string all_rendered(const validation_result& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.render() + "\n";
  return out;
}

// The only problem of `r`, which must be about `key`.
inline problem only_problem(const validation_result& r, const std::string& key) {
  EXPECT_EQ(r.problems.size(), 1u) << all_rendered(r);
  EXPECT_FALSE(r.config.has_value());
  for (const auto& p : r.problems)
    if (p.key == key) return p;
  ADD_FAILURE() << "no problem about " << key << " in:\n" << all_rendered(r);
  return {};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace sluice::config::test
