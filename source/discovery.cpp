#include "source/discovery.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::source {
namespace {

std::vector<pg::table_ref> parse_names(const std::vector<std::string>& items, pg::quoting q) {
  std::vector<pg::table_ref> out;
  for (const auto& item : items) {
    pg::table_ref t = pg::parse_table_name(item);
    if (!t.schema.empty()) t.schema = pg::stored_name(t.schema, q);
    t.table = pg::stored_name(t.table, q);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::regex> compile(const std::vector<std::string>& items, const char* key) {
  std::vector<std::regex> out;
  for (const auto& item : items) {
    try {
      out.emplace_back(item, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw error({.what = "cannot start the source", .where = key,
                   .why = fmt::format("\"{}\" is not a regular expression: {}", item, e.what()),
                   .fix = fmt::format("fix {}", key)});
    }
  }
  return out;
}

bool named(const std::vector<pg::table_ref>& names, const pg::table_ref& t) {
  for (const auto& n : names)
    if (n.table == t.table && (n.schema.empty() || n.schema == t.schema)) return true;
  return false;
}

bool matches_any(const std::vector<std::regex>& res, const std::string& name) {
  for (const auto& re : res)
    if (std::regex_match(name, re)) return true;
  return false;
}

constexpr const char* list_sql = R"(
SELECT n.nspname, c.relname
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = ANY ($1::"char"[])
   AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
   AND ($2::text IS NULL OR n.nspname LIKE $2::text)
   AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
 ORDER BY 1, 2)";

}  // namespace

std::string qualified_name(const pg::table_ref& t) {
  // MySQL and SQLite tables are listed without a schema (one namespace per connection).
  return t.schema.empty() ? t.table : t.schema + "." + t.table;
}

table_filter::table_filter(const source_settings& s)
    : whitelist_(parse_names(s.whitelist, s.quoting)),
      blacklist_(parse_names(s.blacklist, s.quoting)),
      include_(compile(s.include_list, "table.include.list")),
      exclude_(compile(s.exclude_list, "table.exclude.list")) {}

bool table_filter::selected(const pg::table_ref& t) const {
  if (!whitelist_.empty() && !named(whitelist_, t)) return false;
  if (named(blacklist_, t)) return false;
  const std::string fqn = qualified_name(t);
  if (!include_.empty() && !matches_any(include_, fqn)) return false;
  if (matches_any(exclude_, fqn)) return false;
  return true;
}

std::string relkinds_for(const std::vector<std::string>& table_types) {
  std::string kinds;
  auto add = [&](char k) {
    if (kinds.find(k) == std::string::npos) kinds += k;
  };
  for (const auto& t : table_types) {
    if (t == "TABLE") {
      add('r');
      add('p');
    } else if (t == "VIEW") {
      add('v');
    } else if (t == "MATERIALIZED VIEW") {
      add('m');
    } else if (t == "FOREIGN TABLE") {
      add('f');
    } else if (t == "PARTITIONED TABLE") {
      add('p');
    }
  }
  std::string arr = "{";
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (i) arr += ',';
    arr += kinds[i];
  }
  return arr + "}";
}

std::vector<pg::table_ref> list_tables(pg::connection& c, const source_settings& s,
                                       const table_filter& f) {
  std::optional<std::string> pattern = s.schema_pattern;
  pg::result r = c.exec_params(list_sql, {relkinds_for(s.table_types), pattern});
  std::vector<pg::table_ref> out;
  for (int i = 0; i < r.rows(); ++i) {
    pg::table_ref t{std::string(r.text(i, 0)), std::string(r.text(i, 1))};
    if (f.selected(t)) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sluice::source
