#include <gtest/gtest.h>
#include "config/raw_connector.hpp"
#include "core/error.hpp"

namespace sluice::config {
namespace {

std::map<std::string, std::string> props(std::string_view text) {
  auto list = parse_properties_text(text, "p.properties");
  EXPECT_EQ(list.size(), 1u);
  return list.at(0).values;
}

TEST(PropertiesLoader, StandaloneConnectorFileIsOneConnector) {
  auto list = parse_properties_text("name=orders-source\nmode=incrementing\n", "s.properties");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "orders-source");
  EXPECT_EQ(list[0].origin, "s.properties");
  EXPECT_EQ(list[0].values.at("mode"), "incrementing");
}

TEST(PropertiesLoader, CommentsAndBlankLinesAreSkipped) {
  auto v = props("# a comment\n   ! another\n\n  \t\nkey=value # not a comment\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v.at("key"), "value # not a comment");
}

TEST(PropertiesLoader, KeyEndsAtEqualsColonOrBlank) {
  auto v = props("a=1\nb:2\nc 3\nd = 4\ne   :   5\nf\ng=\n  h=8\n");
  EXPECT_EQ(v.at("a"), "1");
  EXPECT_EQ(v.at("b"), "2");
  EXPECT_EQ(v.at("c"), "3");
  EXPECT_EQ(v.at("d"), "4");
  EXPECT_EQ(v.at("e"), "5");
  EXPECT_EQ(v.at("f"), "");
  EXPECT_EQ(v.at("g"), "");
  EXPECT_EQ(v.at("h"), "8");
}

TEST(PropertiesLoader, OnlyTheFirstSeparatorSeparates) {
  auto v = props("connection.url=jdbc:postgresql://h:5432/db?a=b\nk==v\n");
  EXPECT_EQ(v.at("connection.url"), "jdbc:postgresql://h:5432/db?a=b");
  EXPECT_EQ(v.at("k"), "=v");
}

TEST(PropertiesLoader, EscapesAreDecoded) {
  auto v = props(R"(tab=a\tb
nl=a\nb
slash=C:\\dir
plain=\q\z
key\=with\:seps\ x=1
unicode=caf\u00e9 \u20ac
emoji=\uD83D\uDE00
)");
  EXPECT_EQ(v.at("tab"), "a\tb");
  EXPECT_EQ(v.at("nl"), "a\nb");
  EXPECT_EQ(v.at("slash"), "C:\\dir");
  EXPECT_EQ(v.at("plain"), "qz");
  EXPECT_EQ(v.at("key=with:seps x"), "1");
  EXPECT_EQ(v.at("unicode"), "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(v.at("emoji"), "\xF0\x9F\x98\x80");
}

TEST(PropertiesLoader, ContinuationLinesJoinWithoutTheirLeadingBlanks) {
  auto v = props("topics=orders,\\\n        customers,\\\n   # not a comment\n"
                 "next=1\n");
  EXPECT_EQ(v.at("topics"), "orders,customers,# not a comment");
  EXPECT_EQ(v.at("next"), "1");
}

TEST(PropertiesLoader, EvenBackslashesDoNotContinue) {
  auto v = props("path=C:\\\\\nnext=1\n");
  EXPECT_EQ(v.at("path"), "C:\\");
  EXPECT_EQ(v.at("next"), "1");
}

TEST(PropertiesLoader, ContinuationAtEndOfFileIsDropped) {
  auto v = props("a=1\\");
  EXPECT_EQ(v.at("a"), "1");
}

TEST(PropertiesLoader, CrLfAndCrLineEndingsWork) {
  auto v = props("a=1\r\nb=2\rc=3\\\r\n  4\r\n");
  EXPECT_EQ(v.at("a"), "1");
  EXPECT_EQ(v.at("b"), "2");
  EXPECT_EQ(v.at("c"), "34");
}

TEST(PropertiesLoader, TheLastRepeatedKeyWins) {
  EXPECT_EQ(props("a=1\na=2\n").at("a"), "2");
}

TEST(PropertiesLoader, ValuesKeepTrailingBlanksLikeJava) {
  EXPECT_EQ(props("a=1  \n").at("a"), "1  ");
}

TEST(PropertiesLoader, MalformedUnicodeEscapeNamesLineAndColumn) {
  try {
    parse_properties_text("name=x\n  bad=ab\\u12G4\n", "m.properties");
    FAIL();
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().where, "m.properties:2:9");
  }
}

TEST(PropertiesLoader, MalformedEscapeOnAContinuedLineNamesThatLine) {
  try {
    parse_properties_text("a=x\\\n   y\\uZZZZ\n", "c.properties");
    FAIL();
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().where, "c.properties:2:5");
  }
}

}  // namespace
}  // namespace sluice::config
