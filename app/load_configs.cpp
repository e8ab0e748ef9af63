#include "app/load_configs.hpp"

#include <set>

#include <fmt/format.h>

#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::app {

loaded load_and_validate(const std::vector<std::string>& files) {
  loaded out;
  std::set<std::string> names;
  for (const auto& f : files) {
    std::vector<config::raw_connector> raws;
    try {
      raws = config::load_file(f);
    } catch (const error& e) {
      out.problems.push_back(e.what());
      continue;
    }
    for (const auto& raw : raws) {
      auto r = config::validate(raw);
      auto label = fmt::format("{} connector '{}'", raw.origin, raw.name);
      for (const auto& p : r.problems) out.problems.push_back(label + ": " + p.render());
      for (const auto& w : r.warnings) out.warnings.push_back(label + ": " + w.render());
      if (r.config) {
        if (!names.insert(r.config->name()).second) {
          out.problems.push_back(fmt::format(
              "{}: the name '{}' is used by another connector; connector names must be unique "
              "(their offsets and consumer groups are keyed by name)",
              label, r.config->name()));
          continue;
        }
        out.connectors.push_back(std::move(*r.config));
      }
    }
  }
  return out;
}

}  // namespace sluice::app
