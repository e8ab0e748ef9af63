#include "config/providers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <fmt/format.h>
#include "config/raw_connector.hpp"
#include "config/rules.hpp"
#include "core/error.hpp"

namespace sluice::config {

namespace {

struct reference {
  std::string provider, path, key;  // path is empty for ${env:NAME}
};

// Kafka's pattern ${provider:[path:]key}: the provider ends at the first ':', the path at the
// next one; the key is the rest. No '}' inside.
std::optional<reference> parse_reference(std::string_view inner) {
  const auto colon = inner.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  reference r;
  r.provider = std::string(inner.substr(0, colon));
  const std::string_view rest = inner.substr(colon + 1);
  const auto second = rest.find(':');
  if (second == std::string_view::npos) {
    r.key = std::string(rest);
  } else {
    r.path = std::string(rest.substr(0, second));
    r.key = std::string(rest.substr(second + 1));
  }
  return r;
}

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

std::variant<std::string, problem> resolve_providers(std::string_view key, std::string_view value) {
  auto trouble = [&](std::string why, std::string fix) {
    return problem{std::string(key), detail::shown_value(key, value), std::move(why), std::move(fix)};
  };
  std::string out;
  std::size_t at = 0;
  while (at < value.size()) {
    const auto open = value.find("${", at);
    if (open == std::string_view::npos) break;
    const auto close = value.find('}', open + 2);
    if (close == std::string_view::npos) break;
    const auto ref = parse_reference(value.substr(open + 2, close - open - 2));
    if (!ref) {  // ${topic} and the like are not provider references
      out.append(value.substr(at, open + 2 - at));
      at = open + 2;
      continue;
    }
    out.append(value.substr(at, open - at));
    const std::string text(value.substr(open, close + 1 - open));
    if (ref->provider == "env") {
      const char* env = std::getenv(ref->key.c_str());
      if (!env)
        return trouble(fmt::format("{} names the environment variable {}, which is not set", text,
                                   ref->key),
                       fmt::format("export {} before starting sluice, or set {} directly", ref->key, key));
      out += env;
    } else if (ref->provider == "file") {
      if (ref->path.empty())
        return trouble(fmt::format("{} has no file path", text), "write ${file:/path/to/file.properties:KEY}");
      std::vector<raw_connector> parsed;
      try {
        auto content = read_whole(ref->path);
        if (!content)
          return trouble(fmt::format("{} names the file {}, which cannot be read", text, ref->path),
                         fmt::format("check that {} exists and is readable by sluice", ref->path));
        parsed = parse_properties_text(*content, ref->path);
      } catch (const sluice::error& e) {
        return trouble(fmt::format("{} names a file that is not a valid .properties file ({})", text,
                                   e.info().where),
                       e.info().fix);
      }
      const auto it = parsed.front().values.find(ref->key);
      if (it == parsed.front().values.end())
        return trouble(fmt::format("{}: the file {} has no key {}", text, ref->path, ref->key),
                       fmt::format("add {}=... to {}, or correct the key name", ref->key, ref->path));
      out += it->second;
    } else if (ref->provider == "directory") {
      const std::string path = ref->path + "/" + ref->key;
      auto content = read_whole(path);
      if (!content)
        return trouble(fmt::format("{} names the file {}, which cannot be read", text, path),
                       fmt::format("check that {} exists and is readable by sluice", path));
      out += *content;
    } else {
      return trouble(fmt::format("{} uses the config provider '{}', which sluice does not have", text,
                                 ref->provider),
                     "use ${env:NAME}, ${file:PATH:KEY} or ${directory:DIR:FILE}");
    }
    at = close + 1;
  }
  out.append(value.substr(std::min(at, value.size())));
  return out;
}

}  // namespace sluice::config
