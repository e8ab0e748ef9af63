#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::config {

std::vector<raw_connector> load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw sluice::error({.what = "cannot read connector config", .where = path.string(),
                         .why = std::strerror(errno),
                         .fix = "check the path and that the file is readable"});
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const std::string origin = path.string();
  const std::string ext = path.extension().string();
  if (ext == ".json") return parse_json_text(text, origin);
  if (ext == ".properties") return parse_properties_text(text, origin);
  const auto first = text.find_first_not_of(" \t\r\n\f");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '['))
    return parse_json_text(text, origin);
  return parse_properties_text(text, origin);
}

}  // namespace sluice::config
