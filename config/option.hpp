#pragma once
// The option table: every configuration key sluice understands is declared exactly once, with its
// type, default, documentation, importance, the connector kinds it applies to and a validator.
// Validation, the generated reference (`sluice docs`) and did-you-mean suggestions all read this
// one table, so they cannot disagree.
// Thread-safety: the table is built once on first use and immutable afterwards.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

enum class value_type { string, integer, boolean, double_, list, password, class_name };
enum class importance { high, medium, low };
enum class scope : unsigned { sink = 1, source = 2, both = 3 };

// One thing wrong with a configuration, in the user's terms. `value` is "[secret]" for secrets.
struct problem {
  std::string key;
  std::string value;
  std::string why;
  std::string fix;
  // "key=value: why. Fix: fix" ("key: why. Fix: fix" when the value is empty or not given).
  std::string render() const;
};

struct option {
  std::string key;
  value_type type;
  std::optional<std::string> default_value;  // as text; "<name>" stands for the connector's name
  std::string doc;
  importance imp;
  scope applies;
  std::string group;
  bool secret;
  // Checks beyond the type (ranges, enums, zones); may be empty. Called with the trimmed value.
  std::function<std::optional<problem>(const option&, std::string_view value)> validate;
};

const std::vector<option>& options();  // every option, declared once, in doc order
const option* find_option(std::string_view key);

// Facts declared beside each option, for messages and the reference.
std::string valid_values(const option& o);  // e.g. "insert, upsert, update"; "" = any value of its type
bool is_required(const option& o, scope kind);  // must be given for a connector of that kind
// The declared spelling of an enum value ("UPSERT" → "upsert", "jdbc-sink" →
// "io.confluent.connect.jdbc.JdbcSinkConnector"); other values are returned trimmed.
std::string canonical_value(const option& o, std::string_view value);

// topics.regex as a sink subscribes to it: "^(re)$", so librdkafka, which matches a "^" topic
// with POSIX regexec (anywhere in the name), matches whole names only, as Kafka's Java consumer.
std::string topics_regex_subscription(std::string_view re);

// Prefixes of keys passed through to librdkafka (not validated here beyond a non-empty rest).
const std::vector<std::string>& pass_through_prefixes();

}  // namespace sluice::config
