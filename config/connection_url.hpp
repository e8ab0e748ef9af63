#pragma once
// connection.url as Confluent users write it, translated to what sluice's drivers need: a libpq
// conninfo for PostgreSQL, an ODBC connection string for the ODBC dialects.
// Accepted: jdbc:postgresql://host:port/db?user=..&password=..&sslmode=..,
// jdbc:mysql://, jdbc:mariadb://, jdbc:sqlite:PATH,
// jdbc:sqlserver://host:port;databaseName=..;user=..;password=..,
// libpq URIs (postgresql://, postgres://), libpq conninfo strings (host=.. dbname=..),
// and odbc:<connection string> (Driver={..};.. or DSN=..).
// Thread-safety: pure functions.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::config {

enum class dialect { postgresql, mysql, sqlite, sqlserver, generic };

struct connection_target {
  dialect kind;
  std::string host;  // "" for sqlite, DSNs and libpq's default; a directory for a unix socket
  int port = 0;      // 0 when not applicable or libpq's default
  std::string database;  // sqlite: the file path
  std::string user;
  std::string password;
  std::map<std::string, std::string> params;  // other URL parameters (sslmode, ...), as given
  std::string libpq_conninfo;  // postgresql only: keyword='value' ..., values quoted
  std::string odbc;            // ODBC connection string (for postgresql too: Driver={PostgreSQL Unicode})
  std::string display;         // the URL with any password replaced by [secret]
  std::string pool_key;        // identity of the database (dialect, host, port, database, user)
};

// connection.user / connection.password, when non-empty, override the URL's. dialect_name
// (dialect.name: PostgreSqlDatabaseDialect ... GenericDatabaseDialect, or postgresql, mysql,
// mariadb, sqlite, sqlserver, generic; "" = detect) overrides detection.
// Throws sluice::error, never containing the password, when the URL cannot be understood.
// driver_properties: Confluent's connection.<property>=value settings (the prefix removed), taken
// as parameters of a JDBC URL that does not give them itself.
connection_target parse_connection_url(
    std::string_view url, std::string_view user, std::string_view password, std::string_view dialect_name,
    const std::vector<std::pair<std::string, std::string>>& driver_properties = {});

std::string_view to_string(dialect d) noexcept;  // "postgresql", "mysql", ...

// `text` (a URL, conninfo or ODBC string) with every password replaced by [secret]: password=,
// pwd=, sslpassword= parameters and user:password@ in URLs.
std::string mask_url_secrets(std::string_view text);

}  // namespace sluice::config
