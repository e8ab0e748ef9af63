#include "config/option.hpp"

#include <algorithm>
#include <fmt/format.h>
#include "config/rules.hpp"

namespace sluice::config {

std::string problem::render() const {
  std::string out = value.empty() ? key : fmt::format("{}={}", key, value);
  out += ": " + why;
  if (!fix.empty()) out += ". Fix: " + fix;
  return out;
}

namespace detail {

const std::vector<declaration>& declarations() {
  static const std::vector<declaration> all = [] {
    std::vector<declaration> d = common_options();
    for (auto& s : sink_options()) d.push_back(std::move(s));
    for (auto& s : source_options()) d.push_back(std::move(s));
    return d;
  }();
  return all;
}

}  // namespace detail

namespace {

const detail::declaration* find_declaration(std::string_view key) {
  for (const auto& d : detail::declarations())
    if (d.opt.key == key) return &d;
  return nullptr;
}

}  // namespace

const std::vector<option>& options() {
  static const std::vector<option> all = [] {
    std::vector<option> o;
    for (const auto& d : detail::declarations()) o.push_back(d.opt);
    return o;
  }();
  return all;
}

const option* find_option(std::string_view key) {
  const auto& all = options();
  auto it = std::find_if(all.begin(), all.end(), [&](const option& o) { return o.key == key; });
  return it == all.end() ? nullptr : &*it;
}

std::string valid_values(const option& o) {
  const auto* d = find_declaration(o.key);
  return d ? d->valid_values : std::string();
}

bool is_required(const option& o, scope kind) {
  const auto* d = find_declaration(o.key);
  return d && (static_cast<unsigned>(d->required_for) & static_cast<unsigned>(kind)) != 0;
}

std::string canonical_value(const option& o, std::string_view value) {
  const auto* d = find_declaration(o.key);
  if (d && d->canonical) return d->canonical(value);
  return std::string(detail::trim(value));
}

std::string topics_regex_subscription(std::string_view re) {
  return fmt::format("^({})$", detail::trim(re));
}

const std::vector<std::string>& pass_through_prefixes() {
  static const std::vector<std::string> prefixes = {"consumer.override.", "producer.override.",
                                                    "admin.override.", "kafka."};
  return prefixes;
}

}  // namespace sluice::config
