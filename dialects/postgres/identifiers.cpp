#include "dialects/postgres/identifiers.hpp"

#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::pg {

namespace {

[[noreturn]] void bad_name(std::string_view name, std::string why, std::string fix) {
  throw sluice::error({.what = "invalid PostgreSQL identifier",
                       .where = fmt::format("name \"{}\"", name.substr(0, 80)),
                       .why = std::move(why),
                       .fix = std::move(fix),
                       .code = "42602"});
}

}  // namespace

std::string quote_ident(std::string_view name) {
  if (name.empty())
    bad_name(name, "the name is empty", "give every table, column and key field a name");
  if (name.find('\0') != std::string_view::npos)
    bad_name(name, "the name contains a NUL byte", "rename the field or table (e.g. with a transform)");
  if (name.size() > max_identifier_bytes)
    bad_name(name,
             fmt::format("the name is {} bytes long; PostgreSQL keeps only the first {}", name.size(),
                         max_identifier_bytes),
             "shorten the name (table.name.format, or a ReplaceField/RegexRouter transform)");
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string stored_name(std::string_view name, quoting q) {
  std::string out(name);
  if (q == quoting::never)
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string render_name(std::string_view name, quoting q) { return quote_ident(stored_name(name, q)); }

std::string render_table(const table_ref& t, quoting q) {
  if (t.schema.empty()) return render_name(t.table, q);
  return render_name(t.schema, q) + "." + render_name(t.table, q);
}

name_parts split_qualified_name(std::string_view spec, std::string_view quotes) {
  name_parts out;
  std::size_t i = 0;
  const auto skip_blanks = [&] {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t')) ++i;
  };
  auto fail = [&](const char* why) {
    out.parts.clear();
    out.why = why;
    return out;
  };
  for (;;) {
    skip_blanks();
    std::string part;
    if (i < spec.size() && quotes.find(spec[i]) != std::string_view::npos) {
      const char close = spec[i] == '[' ? ']' : spec[i];
      bool closed = false;
      for (++i; i < spec.size(); ++i) {
        if (spec[i] != close) {
          part += spec[i];
        } else if (i + 1 < spec.size() && spec[i + 1] == close) {
          part += close;
          ++i;
        } else {
          ++i;
          closed = true;
          break;
        }
      }
      if (!closed) return fail("a quote is not closed");
      if (part.empty()) return fail("a quoted part is empty");
      skip_blanks();
    } else {
      while (i < spec.size() && spec[i] != '.') part += spec[i++];
      while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.pop_back();
      if (part.empty()) return fail("a part of the name is empty");
    }
    out.parts.push_back(std::move(part));
    if (i >= spec.size()) return out;
    if (spec[i] != '.') return fail("unexpected text after a quoted part");
    ++i;
  }
}

table_ref parse_table_name(std::string_view spec) {
  auto fail = [spec](std::string why) -> table_ref {
    throw sluice::error({.what = "cannot parse table name",
                         .where = fmt::format("table name '{}'", spec),
                         .why = std::move(why),
                         .fix = "write the table as table, schema.table, or with double quotes "
                                "around parts that contain dots: \"my.schema\".\"Table\"",
                         .code = "42602"});
  };
  auto [parts, why] = split_qualified_name(spec);
  if (!why.empty()) return fail(why);
  if (parts.size() > 2)
    return fail(fmt::format("it has {} parts; PostgreSQL takes schema.table (a connection writes to "
                            "one database)",
                            parts.size()));
  if (parts.size() == 1) return table_ref{"", std::move(parts[0])};
  return table_ref{std::move(parts[0]), std::move(parts[1])};
}

std::string display_table(const table_ref& t) {
  auto show = [](const std::string& n) {
    bool plain = !n.empty() && !(n[0] >= '0' && n[0] <= '9');
    for (char c : n)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
    if (plain) return n;
    std::string out = "\"";
    for (char c : n) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  return t.schema.empty() ? show(t.table) : show(t.schema) + "." + show(t.table);
}

}  // namespace sluice::pg
