#pragma once
// The configuration reference (what `sluice docs` prints), rendered from the option table:
// grouped, every option with its type, default, valid values, importance and doc.
#include <string>

namespace sluice::config {

std::string render_reference_markdown();

}  // namespace sluice::config
