#include "kafka/settings.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/embedded_broker.hpp"

namespace sluice::kafka {
namespace {

// librdkafka's syslog levels onto spdlog's; librdkafka is chatty at notice (5) about things
// that are normal here (e.g. a broker connection closed by an idle timeout), so notice is info.
spdlog::level::level_enum to_level(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  static const auto logger = sluice::log::get("kafka");
  logger->log(to_level(level), "{} {}: {}", rk ? rd_kafka_name(rk) : "rdkafka", fac, buf);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Every property name librdkafka documents (its CONFIGURATION.md table, global and topic),
// enough to suggest a correction for a misspelt key.
std::vector<std::string> known_keys() {
  std::vector<std::string> names;
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (!out) return names;
  rd_kafka_conf_properties_show(out);
  std::fclose(out);
  std::unique_ptr<char, decltype(&std::free)> owned(text, &std::free);
  std::string_view all(text, size);
  for (std::size_t at = 0; at < all.size();) {
    std::size_t eol = all.find('\n', at);
    if (eol == std::string_view::npos) eol = all.size();
    std::string_view line = all.substr(at, eol - at);
    at = eol + 1;
    std::size_t bar = line.find(" |");
    if (bar == std::string_view::npos || line.empty() || line[0] == '-' || line[0] == '#') continue;
    std::string_view name = line.substr(0, line.find(' '));
    if (name != "Property") names.emplace_back(name);
  }
  return names;
}

std::string closest_known_key(std::string_view key) {
  static const std::vector<std::string> names = known_keys();
  std::string best;
  std::size_t best_d = std::max<std::size_t>(3, key.size() / 4) + 1;
  for (const auto& name : names) {
    std::size_t d = edit_distance(key, name);
    if (d < best_d) best_d = d, best = name;
  }
  return best;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + 8))
    text.replace(at, secret.size(), "[secret]");
  return text;
}

}  // namespace

void conf_deleter::operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }

bool is_secret_key(std::string_view key) {
  return key.find("password") != std::string_view::npos ||
         key.find("secret") != std::string_view::npos || key == "ssl.key.pem" ||
         key == "sasl.oauthbearer.config" || key == "ssl_key";
}

std::string resolve_bootstrap(const settings& s) {
  auto it = s.find("bootstrap.servers");
  if (it == s.end()) return {};
  if (it->second == "embedded") return process_embedded_broker().bootstrap_servers();
  return it->second;
}

conf_ptr make_conf(const settings& s, std::string_view where) {
  conf_ptr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), log_cb);
  std::array<char, 512> errstr{};
  for (const auto& [key, raw_value] : s) {
    std::string value = key == "bootstrap.servers" ? resolve_bootstrap(s) : raw_value;
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr.data(), errstr.size()) ==
        RD_KAFKA_CONF_OK)
      continue;
    std::string why = errstr.data();
    if (is_secret_key(key)) why = redact(std::move(why), value);
    std::string fix;
    if (why.find("No such configuration property") != std::string::npos) {
      std::string near = closest_known_key(key);
      fix = near.empty()
                ? fmt::format("remove \"{}\" from the Kafka settings of {}", key, where)
                : fmt::format("did you mean \"{}\"? Correct \"{}\" in the Kafka settings of {}",
                              near, key, where);
    } else {
      fix = fmt::format("set a valid value for \"{}\" in the Kafka settings of {}", key, where);
    }
    throw sluice::error({.what = fmt::format("invalid Kafka setting \"{}\"", key),
                         .where = std::string(where),
                         .why = std::move(why),
                         .fix = std::move(fix),
                         .code = "INVALID_CONFIG"});
  }
  return conf;
}

}  // namespace sluice::kafka
