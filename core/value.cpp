#include "core/value.hpp"

#include <fmt/format.h>

namespace sluice {

void decimal_value::append_to(std::string& out) const {
  std::string_view digits = unscaled;
  const bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.remove_prefix(1);
  if (digits.empty()) digits = "0";
  if (neg) out += '-';
  if (scale <= 0) {
    out += digits;
    out.append(static_cast<std::size_t>(-scale), '0');
    return;
  }
  const auto s = static_cast<std::size_t>(scale);
  if (digits.size() <= s) {
    out += "0.";
    out.append(s - digits.size(), '0');
    out += digits;
    return;
  }
  out += digits.substr(0, digits.size() - s);
  out += '.';
  out += digits.substr(digits.size() - s);
}

std::string decimal_value::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

std::string to_display(const value& v) {
  struct visitor {
    std::string operator()(const null_value&) const { return "NULL"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const bytes_value& b) const {
      std::string out = "\\x";
      for (unsigned char c : b.data) out += fmt::format("{:02x}", c);
      return out;
    }
    std::string operator()(const decimal_value& d) const { return d.to_string(); }
    std::string operator()(const date_value& d) const { return fmt::format("date({})", d.days); }
    std::string operator()(const time_value& t) const { return fmt::format("time({}us)", t.micros); }
    std::string operator()(const timestamp_value& t) const {
      return fmt::format("timestamp({}us)", t.micros);
    }
  };
  return std::visit(visitor{}, v);
}

}  // namespace sluice
