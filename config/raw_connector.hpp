#pragma once
// A connector configuration as read from a file or a REST body: names and text values only,
// nothing resolved or checked yet (see validate() in connector_config.hpp for that).
// Accepted forms: a Kafka Connect REST body {"name": .., "config": {..}}, a flat JSON object
// (name from "name"), a JSON list of either, or a Kafka Connect standalone .properties file (one
// connector). JSON numbers and booleans become their text; null means "not set"; a list of
// scalars becomes a comma list. Parse errors throw sluice::error with file:line:column.
// Thread-safety: plain functions over their arguments.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>
#include <boost/json/fwd.hpp>

namespace sluice::config {

struct raw_connector {
  std::string name;                            // also present as values["name"] when known
  std::map<std::string, std::string> values;
  std::string origin;                          // "path" or "path[2]" (third connector of a list)
};

// Chooses the form by extension (.json / .properties), else by the first non-blank character.
std::vector<raw_connector> load_file(const std::filesystem::path& path);
std::vector<raw_connector> parse_json_text(std::string_view text, const std::string& origin);
std::vector<raw_connector> parse_properties_text(std::string_view text, const std::string& origin);
raw_connector from_json(const boost::json::value& v, const std::string& origin);  // one connector

}  // namespace sluice::config
