#pragma once
// Internal to dialects/odbc: the constructors of each dialect (one file each) and helpers they
// share. Users call make_dialect().
#include <memory>

#include "dialects/odbc/dialect.hpp"

namespace sluice::odbc {

std::unique_ptr<dialect> make_mysql(dialect_options o);
std::unique_ptr<dialect> make_sqlite(dialect_options o);
std::unique_ptr<dialect> make_sqlserver(dialect_options o);
std::unique_ptr<dialect> make_postgres(dialect_options o);
std::unique_ptr<dialect> make_generic(dialect_options o);

// ASCII-only case-insensitive equality (how MySQL, SQLite and SQL Server's default collations
// compare column names for the characters that matter in practice).
bool iequal_ascii(std::string_view a, std::string_view b) noexcept;
std::string lower_ascii(std::string_view s);
std::string upper_ascii(std::string_view s);
// The name with control characters as \xNN, for messages (a NUL would end what()).
std::string printable(std::string_view name);

}  // namespace sluice::odbc
