#include "core/error.hpp"

namespace sluice {

std::string render(const error_info& i) {
  std::string out = i.what;
  if (!i.where.empty()) out += " (" + i.where + ")";
  if (!i.why.empty()) out += ": " + i.why;
  if (!i.fix.empty()) out += ". Fix: " + i.fix;
  if (!i.code.empty()) out += " [" + i.code + "]";
  return out;
}

error::error(error_info info) : std::runtime_error(render(info)), info_(std::move(info)) {}

}  // namespace sluice
