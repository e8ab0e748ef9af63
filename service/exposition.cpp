#include "service/exposition.hpp"

#include <cmath>

#include <fmt/format.h>

namespace sluice::service {

std::string render_labels(const label_set& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string render_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integers (counters, offsets) print without an exponent up to 2^53.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

exposition::family& exposition::get(std::string_view name, std::string_view help,
                                    std::string_view type) {
  if (auto it = index_.find(name); it != index_.end()) return families_[it->second];
  index_.emplace(std::string(name), families_.size());
  families_.push_back({std::string(name), std::string(help), std::string(type), {}});
  return families_.back();
}

void exposition::counter(std::string_view name, std::string_view help, const label_set& labels,
                         double v) {
  get(name, help, "counter").samples.push_back(fmt::format("{}{} {}", name, render_labels(labels),
                                                           render_value(v)));
}

void exposition::gauge(std::string_view name, std::string_view help, const label_set& labels,
                       double v) {
  get(name, help, "gauge").samples.push_back(fmt::format("{}{} {}", name, render_labels(labels),
                                                         render_value(v)));
}

void exposition::histogram(std::string_view name, std::string_view help, const label_set& labels,
                           const sluice::histogram& h, double scale) {
  auto& f = get(name, help, "histogram");
  const auto cum = h.cumulative();
  for (std::size_t i = 0; i <= sluice::histogram::bounds.size(); ++i) {
    label_set l = labels;
    l.emplace_back("le", i < sluice::histogram::bounds.size()
                             ? render_value(sluice::histogram::bounds[i] * scale)
                             : std::string("+Inf"));
    f.samples.push_back(fmt::format("{}_bucket{} {}", name, render_labels(l), cum[i]));
  }
  const auto lbl = render_labels(labels);
  f.samples.push_back(fmt::format("{}_sum{} {}", name, lbl, render_value(h.sum() * scale)));
  f.samples.push_back(fmt::format("{}_count{} {}", name, lbl, cum.back()));
}

std::string exposition::render() const {
  std::string out;
  for (const auto& f : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
    for (const auto& s : f.samples) {
      out += s;
      out += '\n';
    }
  }
  return out;
}

}  // namespace sluice::service
