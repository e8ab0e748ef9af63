#include "core/log.hpp"

#include <mutex>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace sluice::log {
namespace {
std::mutex mu;
spdlog::level::level_enum default_level = spdlog::level::info;

spdlog::sink_ptr shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return sink;
}
}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& name) {
  std::lock_guard lock(mu);
  if (auto l = spdlog::get(name)) return l;
  auto l = std::make_shared<spdlog::logger>(name, shared_sink());
  l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v", spdlog::pattern_time_type::utc);
  l->set_level(default_level);
  spdlog::register_logger(l);
  return l;
}

bool set_level(const std::string& name, const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  if (name == "root") {
    {
      std::lock_guard lock(mu);
      default_level = lvl;
    }
    spdlog::apply_all([lvl](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
    return true;
  }
  get(name)->set_level(lvl);
  return true;
}

}  // namespace sluice::log
