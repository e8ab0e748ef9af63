#pragma once
// PostgreSQL identifiers: quoting, case folding, and parsing of "schema.table" specs.
// Every name that reaches SQL goes through quote_ident, whatever the quoting mode, so a table or
// column name can never inject SQL; `quoting::never` only changes the case, like PostgreSQL does
// for unquoted names (quote.sql.identifiers=never in Confluent's sink).
// Thread-safety: pure functions.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::pg {

struct table_ref {
  std::string schema;  // empty: resolved through search_path
  std::string table;
  bool operator==(const table_ref&) const = default;
};

enum class quoting { always, never };

// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1), which would break exact-name lookups.
inline constexpr std::size_t max_identifier_bytes = 63;

// "name" with embedded double quotes doubled. Throws sluice::error for an empty name, a NUL byte,
// or a name longer than max_identifier_bytes.
std::string quote_ident(std::string_view name);

// The name PostgreSQL stores for `name` under `q`: unchanged for always, ASCII lower-cased for
// never (PostgreSQL folds only ASCII letters in UTF-8 databases).
std::string stored_name(std::string_view name, quoting q);

// quote_ident(stored_name(name, q)).
std::string render_name(std::string_view name, quoting q);

// "schema"."table", or "table" when the schema is empty.
std::string render_table(const table_ref& t, quoting q);

// The dot-separated parts of a qualified name, unquoted. A part may be quoted by any opening
// character of `quotes` ('"', '`' or '['; ']' closes '['), keeping its dots and blanks, a doubled
// closing quote standing for itself; blanks around a part are dropped. `why` says what is wrong
// (empty when the name was split): an unclosed quote, an empty part, or text after a quoted part.
struct name_parts {
  std::vector<std::string> parts;
  std::string why;
};
name_parts split_qualified_name(std::string_view spec, std::string_view quotes = "\"");

// Parses a table spec the way PostgreSQL parses a qualified name: "a.b" → {a, b};
// "\"My.Schema\".\"T\"" keeps dots inside quotes ("" inside quotes is one "); one part → table
// only. Quotes are removed; case is left to render_*'s quoting. Throws sluice::error on an empty
// part, an unterminated quote, or more than two parts (PostgreSQL cannot write to another database).
table_ref parse_table_name(std::string_view spec);

// For messages: schema.table as the user would write it, quoted where needed.
std::string display_table(const table_ref& t);

}  // namespace sluice::pg
