#pragma once
// Internal to config/: the building blocks the option tables are declared with. A rule is what a
// validator accepts, declared once beside the option, so the check, the "valid values" text of
// messages and of the reference, and the canonical spelling of enum values come from one place.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "config/option.hpp"

namespace sluice::config::detail {

struct rule {
  std::function<std::optional<problem>(const option&, std::string_view)> check;  // may be empty
  std::string valid_values;                                 // "" = any value of the type
  std::function<std::string(std::string_view)> canonical;   // empty = value as given
};

struct declaration {
  option opt;
  std::string valid_values;
  std::function<std::string(std::string_view)> canonical;
  scope required_for{};  // kinds that must set it (0 = none)
};

// Declares one option; `r` supplies validate, valid values and canonical spelling.
declaration declare(std::string key, value_type type, std::optional<std::string> default_value,
                    importance imp, scope applies, std::string group, std::string doc,
                    rule r = {});
declaration required(declaration d, scope kinds);
declaration secret(declaration d);

// Enum: each inner list is one value, its first spelling canonical, the rest accepted aliases.
// Matching is case-insensitive, as Confluent's. allow_empty: "" is accepted (meaning "unset").
rule one_of(std::vector<std::vector<std::string>> values, bool allow_empty = false);
rule at_least(std::int64_t lo);
rule between(std::int64_t lo, std::int64_t hi);
rule minus_one_or_at_least(std::int64_t lo);  // -1 means "no limit" / "now"
rule time_zone();                             // an IANA zone under /usr/share/zoneinfo
rule regex_list();                            // a comma list of regular expressions
rule posix_regex();  // one POSIX extended regular expression (topics.regex, which librdkafka matches)

// A problem about `o` with its value masked when the option is secret.
problem make_problem(const option& o, std::string_view value, std::string why, std::string fix);
// Secret keys: declared secret options, and undeclared keys naming a password, secret, JAAS
// config or user info (kafka.sasl.password, producer.override.ssl.key.password,
// value.converter.basic.auth.user.info ...).
bool is_secret_key(std::string_view key);
// The value as it may be shown for `key`: "[secret]" for secret keys, URL passwords masked.
std::string shown_value(std::string_view key, std::string_view value);

std::vector<declaration> common_options();
std::vector<declaration> sink_options();
std::vector<declaration> source_options();
const std::vector<declaration>& declarations();  // all of them, in doc order

// Helpers shared by the validation code.
std::string lower(std::string_view s);
std::string_view trim(std::string_view s);
std::optional<std::int64_t> parse_int(std::string_view s);
std::optional<double> parse_double(std::string_view s);
std::optional<bool> parse_bool(std::string_view s);
std::vector<std::string> split_list(std::string_view s);  // comma list, trimmed, empty dropped
std::string join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace sluice::config::detail
