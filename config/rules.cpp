#include "config/rules.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <regex>
#include <regex.h>
#include <array>
#include <fmt/format.h>
#include "config/connection_url.hpp"
#include "config/suggest.hpp"

namespace sluice::config::detail {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // Java's parseLong accepts "+5"
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  const std::string l = lower(trim(s));
  if (l == "true") return true;
  if (l == "false") return false;
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = s.find(',');
    const auto item = trim(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

problem make_problem(const option& o, std::string_view value, std::string why, std::string fix) {
  return problem{o.key, o.secret ? "[secret]" : std::string(value), std::move(why), std::move(fix)};
}

bool is_secret_key(std::string_view key) {
  if (const option* o = find_option(key)) return o->secret;
  // Undeclared keys (pass-through, converter and misspelt ones): anything that may name a
  // secret. "pass" covers ssl.key.password, *.keystore.password, *.truststore.password and
  // sasl.password; "jaas" sasl.jaas.config; "user.info" Schema Registry's KEY:SECRET
  // (value.converter.basic.auth.user.info); "keystore.key" a PEM private key given inline.
  const std::string l = lower(key);
  for (const char* part : {"pass", "pwd", "secret", "jaas", "token", "credential", ".pem", "user.info",
                           "userinfo", "keystore.key", "private.key", "sasl.oauthbearer.config"})
    if (l.find(part) != std::string::npos) return true;
  return false;
}

std::string shown_value(std::string_view key, std::string_view value) {
  if (is_secret_key(key)) return "[secret]";
  return mask_url_secrets(value);
}

declaration declare(std::string key, value_type type, std::optional<std::string> default_value,
                    importance imp, scope applies, std::string group, std::string doc, rule r) {
  declaration d;
  d.opt = option{std::move(key), type,  std::move(default_value), std::move(doc), imp, applies,
                 std::move(group), false, std::move(r.check)};
  d.valid_values = std::move(r.valid_values);
  d.canonical = std::move(r.canonical);
  return d;
}

declaration required(declaration d, scope kinds) {
  d.required_for = kinds;
  return d;
}

declaration secret(declaration d) {
  d.opt.secret = true;
  return d;
}

rule one_of(std::vector<std::vector<std::string>> values, bool allow_empty) {
  std::vector<std::string> shown;
  for (const auto& v : values) shown.push_back(v.front());
  std::string valid = join(shown, ", ");
  auto find = [values](std::string_view given) -> std::optional<std::string> {
    const std::string l = lower(trim(given));
    for (const auto& spellings : values)
      for (const auto& s : spellings)
        if (lower(s) == l) return spellings.front();
    return std::nullopt;
  };
  rule r;
  r.valid_values = allow_empty ? valid + " (or empty)" : valid;
  r.check = [find, shown, valid, allow_empty](const option& o,
                                              std::string_view v) -> std::optional<problem> {
    if (allow_empty && trim(v).empty()) return std::nullopt;
    if (find(v)) return std::nullopt;
    std::string fix = fmt::format("set {} to one of {} (case does not matter)", o.key, valid);
    if (auto near = closest(trim(v), shown)) fix = fmt::format("did you mean '{}'? {}", *near, fix);
    return make_problem(o, v, fmt::format("'{}' is not a valid value", trim(v)), std::move(fix));
  };
  r.canonical = [find](std::string_view v) {
    auto c = find(v);
    return c ? *c : std::string(trim(v));
  };
  return r;
}

namespace {

rule range_rule(std::int64_t lo, std::optional<std::int64_t> hi, bool minus_one) {
  rule r;
  if (hi)
    r.valid_values = fmt::format("{} to {}", lo, *hi);
  else
    r.valid_values = minus_one ? fmt::format("-1, or {} and more", lo) : fmt::format("{} and more", lo);
  r.check = [lo, hi, minus_one](const option& o, std::string_view v) -> std::optional<problem> {
    const auto n = parse_int(v);
    if (!n) return std::nullopt;  // the type check reports non-numbers
    if (minus_one && *n == -1) return std::nullopt;
    if (*n >= lo && (!hi || *n <= *hi)) return std::nullopt;
    const std::string def = o.default_value ? fmt::format(" (default {})", *o.default_value) : "";
    if (hi)
      return make_problem(o, v, fmt::format("must be between {} and {}", lo, *hi),
                          fmt::format("set {} to a value from {} to {}{}", o.key, lo, *hi, def));
    if (minus_one)
      return make_problem(o, v, fmt::format("must be -1 or at least {}", lo),
                          fmt::format("set {} to -1 or to {} or more{}", o.key, lo, def));
    return make_problem(o, v, fmt::format("must be at least {}", lo),
                        fmt::format("set {} to {} or more{}", o.key, lo, def));
  };
  return r;
}

const std::filesystem::path zoneinfo = "/usr/share/zoneinfo";

bool is_zone_file(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  std::error_code ec;
  const auto p = zoneinfo / name;
  if (!std::filesystem::is_regular_file(p, ec)) return false;
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "TZif";
}

// Only called on an error: the zone whose name equals `name` ignoring case, if any.
std::optional<std::string> zone_ignoring_case(const std::string& name) {
  std::error_code ec;
  const std::string want = lower(name);
  for (auto it = std::filesystem::recursive_directory_iterator(zoneinfo, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto rel = std::filesystem::relative(it->path(), zoneinfo, ec).string();
    if (lower(rel) == want && is_zone_file(rel)) return rel;
  }
  return std::nullopt;
}

}  // namespace

rule at_least(std::int64_t lo) { return range_rule(lo, std::nullopt, false); }
rule between(std::int64_t lo, std::int64_t hi) { return range_rule(lo, hi, false); }
rule minus_one_or_at_least(std::int64_t lo) { return range_rule(lo, std::nullopt, true); }

rule time_zone() {
  rule r;
  r.valid_values = "an IANA time zone name (UTC, Europe/Berlin, America/New_York, ...)";
  r.check = [](const option& o, std::string_view v) -> std::optional<problem> {
    const std::string name(trim(v));
    if (is_zone_file(name)) return std::nullopt;
    std::string fix = fmt::format(
        "set {} to an IANA time zone name such as UTC or Europe/Berlin (see {})", o.key,
        zoneinfo.string());
    if (auto other = zone_ignoring_case(name)) fix = fmt::format("did you mean '{}'? {}", *other, fix);
    return make_problem(o, v, fmt::format("'{}' is not a time zone known to this system", name),
                        std::move(fix));
  };
  return r;
}

namespace {

std::optional<std::string> regex_error_of(const std::string& re) {
  try {
    std::regex compiled(re, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace

rule regex_list() {
  rule r;
  r.valid_values = "a comma list of regular expressions";
  r.check = [](const option& o, std::string_view v) -> std::optional<problem> {
    for (const auto& item : split_list(v))
      if (auto err = regex_error_of(item))
        return make_problem(o, v, fmt::format("'{}' is not a valid regular expression ({})", item, *err),
                            fmt::format("fix the expression in {}; items are separated by commas", o.key));
    return std::nullopt;
  };
  return r;
}

namespace {

std::optional<std::string> posix_error_of(const std::string& re) {
  regex_t compiled;
  const int rc = regcomp(&compiled, re.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc == 0) {
    regfree(&compiled);
    return std::nullopt;
  }
  std::array<char, 256> text{};
  regerror(rc, &compiled, text.data(), text.size());
  return std::string(text.data());
}

// Escapes of Java's and Perl's syntax that POSIX lacks: regcomp takes them as the plain letter
// (\d is "d"), so a pattern using them compiles and silently matches something else. glibc's
// \w \W \s \S \b \B \< \> and back-references mean what Java's mean and are left alone.
std::optional<std::pair<std::string, std::string>> java_only_escape(std::string_view re) {
  for (std::size_t i = 0; i + 1 < re.size(); ++i) {
    if (re[i] != '\\') continue;
    const char c = re[++i];
    if (!std::isalpha(static_cast<unsigned char>(c)) || std::string_view("wWsSbB").find(c) != std::string_view::npos)
      continue;
    const std::string esc = std::string("\\") + c;
    if (c == 'd') return std::pair{esc, "write [0-9] for \\d"};
    if (c == 'D') return std::pair{esc, "write [^0-9] for \\D"};
    return std::pair{esc, "write the characters themselves or a bracket expression ([[:space:]], [[:alpha:]] ...)"};
  }
  return std::nullopt;
}

}  // namespace

rule posix_regex() {
  rule r;
  r.valid_values = "a POSIX extended regular expression";
  r.check = [](const option& o, std::string_view v) -> std::optional<problem> {
    const std::string re(trim(v));
    constexpr std::string_view how =
        "librdkafka matches it as a POSIX extended regular expression (regcomp/regexec), not with "
        "Java's syntax";
    if (re.find("(?") != std::string::npos)
      return make_problem(o, v, fmt::format("'(?' (a Java group such as (?:..), (?i) or a look-around) has no "
                                            "meaning here: {}", how),
                          fmt::format("write plain groups (...) instead of (?:...) in {}, and spell out case variants "
                                      "([Oo]rders) instead of (?i)", o.key));
    if (auto err = posix_error_of(re); err || posix_error_of(topics_regex_subscription(re)))
      return make_problem(o, v, fmt::format("not a valid regular expression ({}); {}",
                                            err.value_or("unbalanced parentheses"), how),
                          fmt::format("fix the expression in {}", o.key));
    if (auto esc = java_only_escape(re))
      return make_problem(o, v, fmt::format("'{}' is Java/Perl syntax, but librdkafka matches {} as a POSIX "
                                            "extended regular expression (regcomp/regexec), where '{}' is "
                                            "just the letter '{}'",
                                            esc->first, o.key, esc->first, esc->first.substr(1)),
                          fmt::format("{} in {}", esc->second, o.key));
    return std::nullopt;
  };
  return r;
}

}  // namespace sluice::config::detail
