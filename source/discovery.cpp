#include "source/discovery.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::source {
namespace {

// A list entry split into its parts (dialects' quotes: "…", `…`, […]), each stored as `q` stores it.
table_entry parse_entry(const std::string& item, pg::quoting q, const char* key) {
  auto split = pg::split_qualified_name(item, "\"`[");
  if (split.why.empty() && split.parts.size() > 3) split.why = "more than three parts";
  if (!split.why.empty())
    throw error({.what = "cannot start the source", .where = key,
                 .why = fmt::format("\"{}\" is not a table name: {}", item, split.why),
                 .fix = fmt::format("write each entry of {} as table, schema.table, database.table or "
                                    "database.schema.table, quoting parts that hold dots: "
                                    "\"my.schema\".\"Table\"", key)});
  table_entry e{item, {}};
  for (auto& part : split.parts) e.parts.push_back(pg::stored_name(part, q));
  return e;
}

std::vector<table_entry> parse_entries(const std::vector<std::string>& items, pg::quoting q, const char* key) {
  std::vector<table_entry> out;
  for (const auto& item : items) out.push_back(parse_entry(item, q, key));
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

// Whether `e` names the table (catalog, t.schema, t.table); see discovery.hpp.
bool names(const table_entry& e, const pg::table_ref& t, std::string_view catalog) {
  // As written: Confluent compares the entry with the unquoted qualified name and the table name.
  if (e.text == t.table || e.text == qualified_name(t, catalog)) return true;
  const auto& p = e.parts;
  switch (p.size()) {
    case 1: return p[0] == t.table;
    case 2: return p[1] == t.table && p[0] == (t.schema.empty() ? std::string(catalog) : t.schema);
    case 3: return !catalog.empty() && !t.schema.empty() && p[0] == catalog && p[1] == t.schema && p[2] == t.table;
  }
  return false;
}

bool named(const std::vector<table_entry>& entries, const pg::table_ref& t, std::string_view catalog) {
  for (const auto& e : entries)
    if (names(e, t, catalog)) return true;
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

std::string qualified_name(const pg::table_ref& t, std::string_view catalog) {
  // MySQL and SQLite tables are listed without a schema (one namespace per connection).
  std::string out(catalog);
  if (!t.schema.empty()) out += (out.empty() ? "" : ".") + t.schema;
  return out + (out.empty() ? "" : ".") + t.table;
}

std::vector<std::string> fallback_partition_names(const pg::table_ref& t, std::string_view catalog) {
  const std::string own = qualified_name(t, catalog);
  std::vector<std::string> out;
  for (const std::string& name : {qualified_name(t), t.table})
    if (name != own && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  return out;
}

table_filter::table_filter(const source_settings& s)
    : whitelist_(parse_entries(s.whitelist, s.quoting, "table.whitelist")),
      blacklist_(parse_entries(s.blacklist, s.quoting, "table.blacklist")),
      include_(compile(s.include_list, "table.include.list")),
      exclude_(compile(s.exclude_list, "table.exclude.list")) {}

bool table_filter::selected(const pg::table_ref& t, std::string_view catalog) const {
  if (!whitelist_.empty() && !named(whitelist_, t, catalog)) return false;
  if (named(blacklist_, t, catalog)) return false;
  // The regexes see the qualified name, or the name sluice gave them before catalogs were named
  // (schema.table; the bare table on MySQL), so expressions written for either keep working.
  const std::string fqn = qualified_name(t, catalog), old = qualified_name(t);
  auto any = [&](const std::vector<std::regex>& res) {
    return matches_any(res, fqn) || (old != fqn && matches_any(res, old));
  };
  if (!include_.empty() && !any(include_)) return false;
  if (any(exclude_)) return false;
  return true;
}

std::vector<std::string> table_filter::unmatched_whitelist(const std::vector<pg::table_ref>& tables,
                                                           std::string_view catalog) const {
  std::vector<std::string> out;
  for (const auto& e : whitelist_)
    if (std::none_of(tables.begin(), tables.end(), [&](const pg::table_ref& t) { return names(e, t, catalog); }))
      out.push_back(e.text);
  return out;
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

std::vector<pg::table_ref> list_tables(pg::connection& c, const source_settings& s) {
  std::optional<std::string> pattern = s.schema_pattern;
  pg::result r = c.exec_params(list_sql, {relkinds_for(s.table_types), pattern});
  std::vector<pg::table_ref> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({std::string(r.text(i, 0)), std::string(r.text(i, 1))});
  }
  return out;
}

}  // namespace sluice::source
