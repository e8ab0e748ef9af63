#include <gtest/gtest.h>

#include "core/error.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::pg {
namespace {

TEST(QuoteIdent, WrapsInDoubleQuotesAndKeepsCase) {
  EXPECT_EQ(quote_ident("OrderLines"), "\"OrderLines\"");
  EXPECT_EQ(quote_ident("Customer Id"), "\"Customer Id\"");
  EXPECT_EQ(quote_ident("order"), "\"order\"");
  EXPECT_EQ(quote_ident("Überweisung"), "\"Überweisung\"");
}

TEST(QuoteIdent, DoublesEmbeddedQuotesSoNothingEscapes) {
  EXPECT_EQ(quote_ident("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_ident("x; DROP TABLE y"), "\"x; DROP TABLE y\"");
  EXPECT_EQ(quote_ident("\"; DROP TABLE y; --"), "\"\"\"; DROP TABLE y; --\"");
}

TEST(QuoteIdent, RejectsEmptyNulAndOverlongNames) {
  EXPECT_THROW(quote_ident(""), sluice::error);
  EXPECT_THROW(quote_ident(std::string("a\0b", 3)), sluice::error);
  EXPECT_NO_THROW(quote_ident(std::string(63, 'x')));
  try {
    quote_ident(std::string(64, 'x'));
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_NE(e.info().why.find("63"), std::string::npos) << e.what();
  }
}

TEST(RenderName, NeverFoldsAsciiToLowerCaseButStillQuotes) {
  EXPECT_EQ(render_name("OrderLines", quoting::never), "\"orderlines\"");
  EXPECT_EQ(render_name("Customer Id", quoting::never), "\"customer id\"");
  EXPECT_EQ(render_name("a\"B", quoting::never), "\"a\"\"b\"");
  // PostgreSQL folds only ASCII letters in UTF-8 databases.
  EXPECT_EQ(render_name("Überweisung", quoting::never), "\"Überweisung\"");
  EXPECT_EQ(render_name("OrderLines", quoting::always), "\"OrderLines\"");
}

TEST(RenderTable, QualifiesWithSchemaWhenGiven) {
  EXPECT_EQ(render_table({"", "T"}, quoting::always), "\"T\"");
  EXPECT_EQ(render_table({"My.Schema", "T"}, quoting::always), "\"My.Schema\".\"T\"");
  EXPECT_EQ(render_table({"Sales", "T"}, quoting::never), "\"sales\".\"t\"");
}

TEST(ParseTableName, SplitsSchemaAndTable) {
  EXPECT_EQ(parse_table_name("a.b"), (table_ref{"a", "b"}));
  EXPECT_EQ(parse_table_name("orders"), (table_ref{"", "orders"}));
  EXPECT_EQ(parse_table_name(" a . b "), (table_ref{"a", "b"}));
}

TEST(ParseTableName, KeepsDotsAndQuotesInsideQuotedParts) {
  EXPECT_EQ(parse_table_name("\"My.Schema\".\"T\""), (table_ref{"My.Schema", "T"}));
  EXPECT_EQ(parse_table_name("\"a\"\"b\""), (table_ref{"", "a\"b"}));
  EXPECT_EQ(parse_table_name("s.\"x.y\""), (table_ref{"s", "x.y"}));
  EXPECT_EQ(parse_table_name("x; DROP TABLE y"), (table_ref{"", "x; DROP TABLE y"}));
}

TEST(ParseTableName, RejectsMalformedSpecsWithAFix) {
  for (const char* bad : {"", ".", "a.", ".b", "\"open", "\"\".t", "a.b.c", "\"a\"x"}) {
    try {
      parse_table_name(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const sluice::error& e) {
      EXPECT_FALSE(e.info().fix.empty()) << bad;
    }
  }
}

TEST(DisplayTable, QuotesOnlyWhereNeeded) {
  EXPECT_EQ(display_table({"public", "orders"}), "public.orders");
  EXPECT_EQ(display_table({"", "OrderLines"}), "\"OrderLines\"");
}

}  // namespace
}  // namespace sluice::pg
