#include "config/connector_config.hpp"

#include <stdexcept>
#include <fmt/format.h>
#include "config/rules.hpp"

namespace sluice::config {

const option& connector_config::declared(std::string_view key) const {
  const option* o = find_option(key);
  if (!o) throw std::logic_error(fmt::format("config option '{}' is not declared in config/options_*.cpp", key));
  return *o;
}

std::optional<std::string> connector_config::effective(std::string_view key) const {
  const option& o = declared(key);
  if (auto it = effective_.find(o.key); it != effective_.end()) return it->second;
  if (!o.default_value) return std::nullopt;
  std::string d = *o.default_value;
  if (const auto at = d.find("<name>"); at != std::string::npos) d.replace(at, 6, name_);
  return d;
}

std::string connector_config::get_string(std::string_view key) const {
  return effective(key).value_or(std::string());
}

namespace {
template <class T>
T need(std::optional<T> v, std::string_view key, std::string_view what) {
  if (!v)
    throw std::logic_error(fmt::format("config option '{}' has no {} value (check is_set() first)", key, what));
  return *v;
}
}  // namespace

std::int64_t connector_config::get_int(std::string_view key) const {
  const auto v = effective(key);
  return need(v ? detail::parse_int(*v) : std::nullopt, key, "integer");
}

bool connector_config::get_bool(std::string_view key) const {
  const auto v = effective(key);
  return need(v ? detail::parse_bool(*v) : std::nullopt, key, "boolean");
}

double connector_config::get_double(std::string_view key) const {
  const auto v = effective(key);
  return need(v ? detail::parse_double(*v) : std::nullopt, key, "numeric");
}

std::vector<std::string> connector_config::get_list(std::string_view key) const {
  return detail::split_list(get_string(key));
}

bool connector_config::is_set(std::string_view key) const {
  return effective_.contains(declared(key).key);
}

std::map<std::string, std::string> connector_config::with_prefix(std::string_view prefix) const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : effective_)
    if (k.size() > prefix.size() && k.starts_with(prefix)) out[k.substr(prefix.size())] = v;
  return out;
}

std::map<std::string, std::string> connector_config::masked_values() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : values_) out[k] = detail::shown_value(k, v);
  return out;
}

}  // namespace sluice::config
