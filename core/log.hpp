#pragma once
// Named loggers over spdlog ("sink", "source", "pool", "kafka", "service", "config"), created on
// first use, one line per event, to stderr. Levels can be changed at run time per logger.
// Thread-safety: all functions are safe from any thread.
#include <memory>
#include <string>
#include <spdlog/spdlog.h>

namespace sluice::log {

std::shared_ptr<spdlog::logger> get(const std::string& name);
// Sets the level of one logger ("root" = every logger and the default for new ones).
// Returns false when the level name is not one of trace debug info warn error critical off.
bool set_level(const std::string& name, const std::string& level);

}  // namespace sluice::log
