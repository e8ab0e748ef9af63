#pragma once
// A source's custom query (`query`) as the derived table every poll reads from, the same for the
// native PostgreSQL source and the ODBC dialects. Header-only: both dialect libraries use it.
#include <cctype>
#include <string>
#include <string_view>

namespace sluice::dialects {

// The query without trailing blanks and semicolons (a derived table takes no ';').
inline std::string trimmed_query(std::string_view q) {
  while (!q.empty() && (std::isspace(static_cast<unsigned char>(q.back())) || q.back() == ';'))
    q.remove_suffix(1);
  return std::string(q);
}

// "(query) AS alias", for a trimmed query. A line comment on the query's last line ("--", and
// "#" where `hash_comments`, as in MySQL) would swallow the closing parenthesis and all the poll
// adds after it, so a newline comes before the parenthesis then.
inline std::string derived_table(std::string_view query, std::string_view alias, bool hash_comments = false) {
  const auto nl = query.rfind('\n');
  const auto last_line = query.substr(nl == std::string_view::npos ? 0 : nl + 1);
  const bool comment = last_line.find("--") != std::string_view::npos ||
                       (hash_comments && last_line.find('#') != std::string_view::npos);
  std::string out = "(";
  out.append(query);
  if (comment) out += '\n';
  out += ") AS ";
  out.append(alias);
  return out;
}

}  // namespace sluice::dialects
