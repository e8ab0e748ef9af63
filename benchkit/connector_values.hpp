#pragma once
// The connector a benchmark runs is the user's config with a few values replaced (name, topic,
// table, offsets file); these helpers validate such a value map and read back what the bench
// needs from the result. Thread-safety: pure functions.
#include <map>
#include <string>

#include "config/connector_config.hpp"

namespace sluice::benchkit {

// Validates `values` (as a config file would give them; "name" names the connector). Throws
// sluice::error listing every problem.
config::connector_config validated(std::map<std::string, std::string> values);
// The application_name the connector's PostgreSQL sessions carry ("sluice" unless the URL sets one).
std::string application_name(const config::connector_config& cfg);
// bootstrap.servers of `values`, "embedded" when absent.
std::string bootstrap_of(const std::map<std::string, std::string>& values);

}  // namespace sluice::benchkit
