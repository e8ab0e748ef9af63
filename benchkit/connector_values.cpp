#include "benchkit/connector_values.hpp"

#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::benchkit {

config::connector_config validated(std::map<std::string, std::string> values) {
  config::raw_connector raw{values["name"], std::move(values), "sluice bench"};
  auto v = config::validate(raw);
  if (!v.config) {
    std::string why;
    for (const auto& p : v.problems) why += (why.empty() ? "" : "; ") + p.render();
    throw error({.what = "the benchmark's connector config is not valid",
                 .where = "connector '" + raw.name + "'",
                 .why = why,
                 .fix = "fix the config given with --config (sluice validate FILE shows every problem)"});
  }
  return std::move(*v.config);
}

std::string application_name(const config::connector_config& cfg) {
  const auto& ci = cfg.connection().libpq_conninfo;
  auto p = ci.find("application_name='");
  if (p == std::string::npos) return "sluice";
  p += 18;
  return ci.substr(p, ci.find('\'', p) - p);
}

std::string bootstrap_of(const std::map<std::string, std::string>& values) {
  auto it = values.find("bootstrap.servers");
  return it == values.end() || it->second.empty() ? "embedded" : it->second;
}

}  // namespace sluice::benchkit
