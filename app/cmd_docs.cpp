#include <fmt/format.h>

#include "app/commands.hpp"
#include "config/reference.hpp"

namespace sluice::app {

int cmd_docs(const args& a) {
  if (!a.empty()) return usage_error("docs", "takes no arguments");
  fmt::print("{}", config::render_reference_markdown());
  return 0;
}

}  // namespace sluice::app
