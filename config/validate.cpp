// validate(): every key checked against the option table, all problems collected, nothing
// connected. Per-key checks are here; rules relating several keys are in cross_checks.cpp.
#include <fmt/format.h>
#include "config/checks.hpp"
#include "config/connector_config.hpp"
#include "config/providers.hpp"
#include "config/rules.hpp"
#include "config/suggest.hpp"
#include "core/error.hpp"

namespace sluice::config {

namespace {

using detail::make_problem;
using detail::shown_value;

constexpr std::string_view sink_class = "io.confluent.connect.jdbc.JdbcSinkConnector";
constexpr std::string_view source_class = "io.confluent.connect.jdbc.JdbcSourceConnector";

std::string_view kind_name(connector_kind k) { return k == connector_kind::sink ? "sink" : "source"; }

scope scope_of(connector_kind k) { return k == connector_kind::sink ? scope::sink : scope::source; }

bool applies(const option& o, connector_kind k) {
  return (static_cast<unsigned>(o.applies) & static_cast<unsigned>(scope_of(k))) != 0;
}

std::string example_of(const option& o) {
  if (o.default_value && !o.default_value->empty()) return fmt::format(" such as {} (the default)", *o.default_value);
  return "";
}

// The type check; the option's own validator runs only when this passes.
std::optional<problem> check_type(const option& o, std::string_view v) {
  const std::string_view t = detail::trim(v);
  switch (o.type) {
    case value_type::integer:
      if (detail::parse_int(t)) return std::nullopt;
      return make_problem(o, v, t.empty() ? "empty, but a whole number is needed"
                                          : fmt::format("'{}' is not a whole number", t),
                          fmt::format("set {} to a whole number{}, or remove it", o.key, example_of(o)));
    case value_type::double_:
      if (detail::parse_double(t)) return std::nullopt;
      return make_problem(o, v, fmt::format("'{}' is not a number", t),
                          fmt::format("set {} to a number{}", o.key, example_of(o)));
    case value_type::boolean:
      if (detail::parse_bool(t)) return std::nullopt;
      return make_problem(o, v, fmt::format("'{}' is not true or false", t),
                          fmt::format("set {} to true or false{}", o.key, example_of(o)));
    default:
      return std::nullopt;
  }
}

problem unknown_key(const std::string& key, std::string_view value) {
  std::vector<std::string> keys;
  for (const auto& o : options()) keys.push_back(o.key);
  std::string fix = "remove it; `sluice docs` lists every option";
  std::string shown = shown_value(key, value);
  if (auto near = detail::closest(key, keys)) {
    fix = fmt::format("did you mean '{}'? Otherwise {}", *near, fix);
    if (find_option(*near)->secret) shown = "[secret]";  // connection.pasword=... is a password
  }
  return problem{key, std::move(shown), "not an option sluice knows", std::move(fix)};
}

problem wrong_kind(const option& o, std::string_view value, connector_kind k) {
  const bool sink = k == connector_kind::sink;
  return make_problem(o, value,
                      fmt::format("{} belongs to {} connectors, but connector.class makes this a {}",
                                  o.key, sink ? "source" : "sink", kind_name(k)),
                      fmt::format("remove {}, or set connector.class={} if this is meant to be a {}",
                                  o.key, sink ? source_class : sink_class, sink ? "source" : "sink"));
}

std::string required_fix(const option& o) {
  if (o.key == "name") return "set name to a unique name for this connector, e.g. orders-sink";
  if (o.key == "connector.class")
    return fmt::format("set connector.class={} (a sink) or {} (a source)", sink_class, source_class);
  if (o.key == "connection.url") return "set connection.url, e.g. jdbc:postgresql://localhost:5432/mydb";
  if (o.key == "mode") return "set mode to one of bulk, incrementing, timestamp, timestamp+incrementing";
  if (o.key == "topic.prefix") return "set topic.prefix, e.g. mydb- (rows of table T go to topic mydb-T)";
  return fmt::format("set {}", o.key);
}

bool pass_through(const std::string& key, std::vector<problem>& out, std::string_view value) {
  for (const auto& prefix : pass_through_prefixes()) {
    if (!key.starts_with(prefix)) continue;
    if (key.size() == prefix.size())
      out.push_back({key, shown_value(key, value), "the setting name after the prefix is missing",
                     fmt::format("write {}<librdkafka setting>, e.g. {}client.id", prefix, prefix)});
    return true;
  }
  return false;
}

// Keys of Kafka Connect features sluice accepts without applying them (documented with the
// declared topic.creation.* options): any topic.creation.<group>.<setting>.
bool accepted_without_effect(const std::string& key) { return key.starts_with("topic.creation."); }

constexpr std::string_view predicate_prefix = "predicates.";

// The predicate types Kafka ships; transforms are not supported, so predicates have no effect,
// but a type sluice cannot even name is reported.
bool known_predicate_type(std::string_view cls) {
  for (const char* simple : {"TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"})
    if (cls == simple || cls == fmt::format("org.apache.kafka.connect.transforms.predicates.{}", simple)) return true;
  return false;
}

void check_predicates(const std::map<std::string, std::string>& resolved, std::vector<problem>& out) {
  const auto it = resolved.find("predicates");
  const auto named = detail::split_list(it == resolved.end() ? "" : it->second);
  for (const auto& alias : named) {
    const std::string type_key = fmt::format("predicates.{}.type", alias);
    const auto type = resolved.find(type_key);
    if (type == resolved.end() || detail::trim(type->second).empty())
      out.push_back({type_key, "", fmt::format("predicate '{}' is named in predicates but has no type", alias),
                     fmt::format("set {} to e.g. org.apache.kafka.connect.transforms.predicates.TopicNameMatches, "
                                 "or remove '{}' from predicates",
                                 type_key, alias)});
    else if (!known_predicate_type(detail::trim(type->second)))
      out.push_back({type_key, std::string(detail::trim(type->second)),
                     "not a predicate type Kafka ships, and sluice runs no plugins",
                     "use org.apache.kafka.connect.transforms.predicates.TopicNameMatches, HasHeaderKey or "
                     "RecordIsTombstone, or remove the predicate (without transforms it has no effect)"});
  }
}

// connection.<property> keys that are JDBC driver properties rather than misspelt options.
bool is_driver_property(const std::string& key, const std::vector<std::string>& option_keys) {
  return key.starts_with("connection.") && key.size() > std::string_view("connection.").size() &&
         !detail::closest(key, option_keys);
}

bool takes_driver_properties(std::string_view url) {
  const std::string l = detail::lower(detail::trim(url));
  for (const char* form : {"jdbc:postgresql:", "jdbc:mysql:", "jdbc:mariadb:", "jdbc:sqlserver:"})
    if (l.starts_with(form)) return true;
  return false;
}

}  // namespace

validation_result validate(const raw_connector& raw) {
  validation_result result;
  auto& problems = result.problems;
  connector_config c;

  // Providers first: everything after sees the resolved values.
  std::map<std::string, std::string> resolved;
  for (const auto& [key, value] : raw.values) {
    if (key.empty()) {
      problems.push_back({"(empty key)", shown_value(key, value), "a value has no key", "remove it or add its key"});
      continue;
    }
    auto r = resolve_providers(key, value);
    if (auto* p = std::get_if<problem>(&r)) problems.push_back(std::move(*p));
    else resolved[key] = std::move(std::get<std::string>(r));
  }
  // The name: from the REST path or the file, and as config key "name"; they must agree.
  const std::string path_name(detail::trim(raw.name));
  c.name_ = path_name;
  if (auto given = resolved.find("name"); given != resolved.end()) {
    const std::string n(detail::trim(given->second));
    const bool same_text = path_name == detail::trim(raw.values.at("name"));  // loaders copy it
    if (!path_name.empty() && n != path_name && !same_text)
      problems.push_back({"name", n, fmt::format("the config's name differs from the connector's name '{}'", path_name),
                          "use the same name in both places, or remove name from the config"});
    c.name_ = n;
  }
  c.values_ = resolved;
  if (!path_name.empty() && !c.values_.contains("name")) c.values_["name"] = path_name;

  // The kind decides which options apply.
  std::optional<connector_kind> kind;
  if (auto it = resolved.find("connector.class"); it != resolved.end()) {
    const std::string canonical = canonical_value(*find_option("connector.class"), it->second);
    if (canonical == sink_class) kind = connector_kind::sink;
    else if (canonical == source_class) kind = connector_kind::source;
  }
  if (kind) c.kind_ = *kind;

  const auto transforms_named = detail::split_list(resolved.contains("transforms") ? resolved["transforms"] : "");
  const auto predicates_named = detail::split_list(resolved.contains("predicates") ? resolved["predicates"] : "");
  std::vector<std::string> option_keys;
  for (const auto& o : options()) option_keys.push_back(o.key);
  std::vector<std::pair<std::string, std::string>> driver_properties;
  for (const auto& [key, value] : resolved) {
    if (pass_through(key, problems, value)) {
      c.effective_[key] = std::string(detail::trim(value));
      continue;
    }
    const option* o = find_option(key);
    if (!o) {
      // transforms.<alias>.* belong to a transform already reported as unsupported;
      // predicates.<alias>.* to a named predicate (check_predicates checks its type).
      const bool of_named_transform = std::any_of(transforms_named.begin(), transforms_named.end(),
          [&](const std::string& t) { return key.starts_with("transforms." + t + "."); });
      const bool of_named_predicate = std::any_of(predicates_named.begin(), predicates_named.end(),
          [&](const std::string& p) { return key.starts_with(fmt::format("{}{}.", predicate_prefix, p)); });
      if (of_named_transform || of_named_predicate || accepted_without_effect(key)) continue;
      if (is_driver_property(key, option_keys)) {
        driver_properties.emplace_back(key.substr(std::string_view("connection.").size()),
                                       std::string(detail::trim(value)));
        continue;
      }
      if (key.starts_with(predicate_prefix)) {
        problems.push_back({key, shown_value(key, value), "belongs to a predicate not named in predicates",
                            fmt::format("add its alias to predicates, or remove {}", key)});
        continue;
      }
      problems.push_back(unknown_key(key, value));
      continue;
    }
    if (kind && !applies(*o, *kind)) {
      problems.push_back(wrong_kind(*o, value, *kind));
      continue;
    }
    auto p = check_type(*o, value);
    if (!p && o->validate) p = o->validate(*o, detail::trim(value));
    if (p) {
      problems.push_back(std::move(*p));
      continue;
    }
    c.effective_[key] = canonical_value(*o, value);
  }

  for (const auto& o : options()) {
    const bool needed = kind ? is_required(o, scope_of(*kind)) : is_required(o, scope::both) &&
                                                                   o.applies == scope::both;
    if (!needed) continue;
    const bool missing = o.key == "name" ? c.name_.empty()
                                         : !resolved.contains(o.key) ||
                                               (o.key != "topic.prefix" && detail::trim(resolved[o.key]).empty());
    if (missing && !std::any_of(problems.begin(), problems.end(), [&](const problem& p) { return p.key == o.key; }))
      problems.push_back({o.key, "", "is required but not set", required_fix(o)});
  }

  check_predicates(resolved, problems);

  // offsets.storage.topic (Kafka Connect's connector-level name) is offset.storage.topic.
  if (auto alias = c.effective_.find("offsets.storage.topic"); alias != c.effective_.end()) {
    auto given = c.effective_.find("offset.storage.topic");
    if (given == c.effective_.end()) c.effective_["offset.storage.topic"] = alias->second;
    else if (given->second != alias->second)
      problems.push_back({"offsets.storage.topic", alias->second,
                          fmt::format("differs from offset.storage.topic={}; both name the offsets topic",
                                      given->second),
                          "remove one of them, or give both the same topic"});
  }

  if (!driver_properties.empty() && c.effective_.contains("connection.url") &&
      !takes_driver_properties(c.effective_["connection.url"])) {
    for (const auto& [property, value] : driver_properties) {
      const std::string key = "connection." + property;
      problems.push_back({key, shown_value(key, value),
                          "driver properties (connection.<property>) apply to jdbc:postgresql, jdbc:mysql, "
                          "jdbc:mariadb and jdbc:sqlserver URLs, and connection.url is none of them",
                          fmt::format("write {} into connection.url in its own syntax, or remove {}", property, key)});
    }
    driver_properties.clear();
  }

  if (c.effective_.contains("connection.url")) {
    try {
      c.connection_ = parse_connection_url(c.effective_["connection.url"], c.get_string("connection.user"),
                                           c.get_string("connection.password"), c.get_string("dialect.name"),
                                           driver_properties);
    } catch (const sluice::error& e) {
      problems.push_back({"connection.url", shown_value("connection.url", c.effective_["connection.url"]),
                          e.info().why, e.info().fix});
    }
  }

  detail::check_common_rules(c, problems);
  if (kind == connector_kind::sink) detail::check_sink_rules(c, problems);
  if (kind == connector_kind::source) detail::check_source_rules(c, problems);

  // A config migrated from Kafka Connect has no bootstrap.servers (the worker held it): left at
  // "embedded", it would run against an in-process mock broker without a word.
  if (kind && !resolved.contains("bootstrap.servers"))
    result.warnings.push_back(
        {"bootstrap.servers", "",
         "not set, so this connector uses the default \"embedded\": an in-process mock Kafka broker whose "
         "topics live in memory and are lost when sluice stops, not your Kafka cluster (a config taken "
         "from Kafka Connect has no bootstrap.servers: the Connect worker held it)",
         "set bootstrap.servers=host:9092[,host:9092...] to your brokers, or bootstrap.servers=embedded to "
         "keep the embedded broker and silence this warning"});

  if (problems.empty()) result.config = std::move(c);
  return result;
}

}  // namespace sluice::config
