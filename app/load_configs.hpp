#pragma once
// Loads and validates connector config files for `run` and `validate`: every problem of every
// file is printed (key, value with secrets masked, why, fix) before anything starts.
#include <string>
#include <vector>

#include "config/connector_config.hpp"

namespace sluice::app {

struct loaded {
  std::vector<config::connector_config> connectors;
  std::vector<std::string> problems;  // rendered, each prefixed by its file and connector
  std::vector<std::string> warnings;  // the same, for things that do not stop anything
};

loaded load_and_validate(const std::vector<std::string>& files);

}  // namespace sluice::app
