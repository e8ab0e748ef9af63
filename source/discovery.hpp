#pragma once
// Which tables a source publishes: the tables PostgreSQL lists (of table.types, in schemas
// matching schema.pattern, readable by the user), filtered by table.whitelist / table.blacklist
// (exact, case-sensitive names, "table" or "schema.table") or table.include.list /
// table.exclude.list (regular expressions matched against the whole "schema.table").
// Partitions of a partitioned table are not listed: their rows are read through the parent.
// Thread-safety: table_filter is immutable after construction; list_tables uses the given
// connection only.
#include <regex>
#include <string>
#include <vector>

#include "dialects/postgres/connection.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "source/source_settings.hpp"

namespace sluice::source {

// "schema.table" without quotes, as offsets and include/exclude regexes see it.
std::string qualified_name(const pg::table_ref& t);

class table_filter {
 public:
  // Throws sluice::error naming the key when a list entry cannot be parsed.
  explicit table_filter(const source_settings& s);
  bool selected(const pg::table_ref& t) const;

 private:
  std::vector<pg::table_ref> whitelist_, blacklist_;
  std::vector<std::regex> include_, exclude_;
};

// pg_class relkinds for table.types (TABLE = ordinary and partitioned tables, VIEW, MATERIALIZED
// VIEW, FOREIGN TABLE, PARTITIONED TABLE); unknown types are ignored.
std::string relkinds_for(const std::vector<std::string>& table_types);

// Every selected table, sorted by schema then name.
std::vector<pg::table_ref> list_tables(pg::connection& c, const source_settings& s,
                                       const table_filter& f);

}  // namespace sluice::source
