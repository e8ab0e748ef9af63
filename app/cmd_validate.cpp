#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/load_configs.hpp"

namespace sluice::app {

int cmd_validate(const args& a) {
  if (a.empty()) return usage_error("validate", "give at least one config FILE");
  auto l = load_and_validate(a);
  for (const auto& p : l.problems) fmt::print(stderr, "{}\n", p);
  for (const auto& w : l.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (!l.problems.empty()) {
    fmt::print(stderr, "{} problem(s) found\n", l.problems.size());
    return 1;
  }
  for (const auto& c : l.connectors)
    fmt::print("{}: valid {} connector\n", c.name(),
               c.kind() == config::connector_kind::sink ? "sink" : "source");
  return 0;
}

}  // namespace sluice::app
