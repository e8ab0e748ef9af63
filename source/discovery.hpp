#pragma once
// Which tables a source publishes: the tables the database lists (PostgreSQL: of table.types, in
// schemas matching schema.pattern, readable by the user; other databases: odbc::list_tables),
// filtered by table.whitelist / table.blacklist or table.include.list / table.exclude.list.
//
// Names follow Confluent's JdbcSourceConnector, whose TableId is (catalog, schema, table) as the
// JDBC driver reports them: pgjdbc reports no catalog ("public.orders"), MySQL Connector/J the
// database as catalog and no schema ("shop.orders"), mssql-jdbc the database and the schema
// ("shop.dbo.orders"), SQLite neither ("orders"). That name without quotes, empty parts
// omitted, is the offset partition's "table" (qualified_name). A whitelist / blacklist entry
// names a table when it is (as Confluent's table monitor accepts) that name, the same name quoted
// ("shop"."dbo"."orders", `shop`.`orders`, [shop].[dbo].[orders]), or the bare table name; and
// also (sluice's own form) schema.table wherever the table has a schema. Entries are exact and
// case-sensitive. include/exclude regular expressions match the whole qualified name, or the
// schema.table (bare table where there is no schema) sluice matched before catalogs were named.
// Partitions of a partitioned table are not listed: their rows are read through the parent.
// Thread-safety: table_filter is immutable after construction; list_tables uses the given
// connection only.
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "dialects/postgres/connection.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "source/source_settings.hpp"

namespace sluice::source {

// "catalog.schema.table" without quotes, empty parts omitted: the offset partition's name.
// `catalog` is what odbc::source_catalog returns for the connection ("" for PostgreSQL).
std::string qualified_name(const pg::table_ref& t, std::string_view catalog = {});

// One table.whitelist / table.blacklist entry: as written, and split into its (unquoted) parts.
struct table_entry {
  std::string text;
  std::vector<std::string> parts;  // 1 to 3: [[catalog.]schema.]table, or catalog.table
};

class table_filter {
 public:
  // Throws sluice::error naming the key when a list entry cannot be parsed.
  explicit table_filter(const source_settings& s);
  // `catalog` as for qualified_name.
  bool selected(const pg::table_ref& t, std::string_view catalog = {}) const;
  // The table.whitelist entries that name none of `tables` (all tables listed, in `catalog`).
  std::vector<std::string> unmatched_whitelist(const std::vector<pg::table_ref>& tables,
                                               std::string_view catalog = {}) const;

 private:
  std::vector<table_entry> whitelist_, blacklist_;
  std::vector<std::regex> include_, exclude_;
};

// Where else an offset of this table may have been stored, most likely first, for when none is
// stored under qualified_name: the schema.table sluice used for SQL Server before catalogs were
// named, and the bare table name (Kafka Connect's offset protocol 0, which its JdbcSourceTask
// also falls back to, and what sluice stored for MySQL/MariaDB before). Excludes the partition's
// own name.
std::vector<std::string> fallback_partition_names(const pg::table_ref& t, std::string_view catalog = {});

// pg_class relkinds for table.types (TABLE = ordinary and partitioned tables, VIEW, MATERIALIZED
// VIEW, FOREIGN TABLE, PARTITIONED TABLE); unknown types are ignored.
std::string relkinds_for(const std::vector<std::string>& table_types);

// Every table of table.types in schemas matching schema.pattern (unfiltered by the lists),
// sorted by schema then name.
std::vector<pg::table_ref> list_tables(pg::connection& c, const source_settings& s);

}  // namespace sluice::source
