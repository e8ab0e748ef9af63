#include <cmath>

#include <gtest/gtest.h>

#include "dialects/postgres/numeric.hpp"
#include "dialects/postgres/text_values.hpp"

namespace sluice::pg {
namespace {

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty() && out.size() % 5 == 4) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// Words: ndigits weight sign dscale digits…
std::string numeric_hex(const decimal_digits& d) {
  std::string out;
  EXPECT_TRUE(append_numeric_binary(out, d));
  return hex(out);
}

decimal_digits parsed(std::string_view text) {
  auto d = parse_decimal(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d.value_or(decimal_digits{});
}

TEST(NumericBinary, ZeroHasNoDigits) {
  EXPECT_EQ(numeric_hex(parsed("0")), "0000 0000 0000 0000");
  EXPECT_EQ(numeric_hex(parsed("-0.00")), "0000 0000 0000 0002");
}

TEST(NumericBinary, GroupsDigitsInBase10000AroundThePoint) {
  EXPECT_EQ(numeric_hex(parsed("12345.678")), "0003 0001 0000 0003 0001 0929 1a7c");
  EXPECT_EQ(numeric_hex(parsed("0.0001")), "0001 ffff 0000 0004 0001");
  EXPECT_EQ(numeric_hex(parsed("-1.5")), "0002 0000 4000 0001 0001 1388");
  EXPECT_EQ(numeric_hex(parsed("10000")), "0001 0001 0000 0000 0001");
}

TEST(NumericBinary, NegativeScaleIsMultipliedOut) {
  auto d = from_decimal({"-12345", -2});
  ASSERT_TRUE(d);
  EXPECT_EQ(numeric_hex(*d), "0002 0001 4000 0000 007b 1194");
}

TEST(NumericBinary, SpecialValuesUseSignCodes) {
  EXPECT_EQ(numeric_hex(parsed("NaN")), "0000 0000 c000 0000");
  EXPECT_EQ(numeric_hex(parsed("Infinity")), "0000 0000 d000 0000");
  EXPECT_EQ(numeric_hex(parsed("-inf")), "0000 0000 f000 0000");
}

TEST(NumericBinary, RejectsValuesBeyondNumericLimits) {
  std::string out;
  EXPECT_FALSE(append_numeric_binary(out, parsed("1e200000")));
  EXPECT_FALSE(append_numeric_binary(out, parsed("1e-20000")));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(append_numeric_binary(out, parsed("1.000e-16380")));
}

TEST(ParseDecimal, AcceptsSignsFractionsAndExponents) {
  auto d = parsed(" -12.50e2 ");
  EXPECT_TRUE(d.negative);
  EXPECT_EQ(d.digits, "1250");
  EXPECT_EQ(d.scale, 0);
  EXPECT_EQ(parsed(".5").scale, 1);
  EXPECT_EQ(parsed("5.").scale, 0);
  for (const char* bad : {"", "-", ".", "1e", "1e+", "abc", "1.2.3", "12 34", "0x10"})
    EXPECT_FALSE(parse_decimal(bad)) << bad;
}

TEST(FromDouble, UsesShortestRoundTripText) {
  auto d = from_double(0.1);
  EXPECT_EQ(d.digits, "1");
  EXPECT_EQ(d.scale, 1);
  EXPECT_EQ(from_double(1e20).scale, -20);
  EXPECT_EQ(from_double(std::nan("")).k, decimal_digits::kind::nan);
}

TEST(ToInt64, AcceptsOnlyWholeNumbersInRange) {
  bool oor = false;
  EXPECT_EQ(to_int64(parsed("42.000"), oor), 42);
  EXPECT_EQ(to_int64(parsed("-9223372036854775808"), oor), INT64_MIN);
  EXPECT_FALSE(to_int64(parsed("9223372036854775808"), oor));
  EXPECT_TRUE(oor);
  EXPECT_FALSE(to_int64(parsed("1.5"), oor));
  EXPECT_FALSE(oor);
  EXPECT_EQ(to_int64(parsed("12e3"), oor), 12000);
}

TEST(TextValues, ParsesIntegersAndBooleansStrictly) {
  EXPECT_EQ(parse_int64(" +42 "), 42);
  EXPECT_FALSE(parse_int64("4 2"));
  EXPECT_FALSE(parse_int64("99999999999999999999"));
  EXPECT_EQ(parse_bool("YES"), true);
  EXPECT_EQ(parse_bool("off"), false);
  EXPECT_FALSE(parse_bool("maybe"));
}

TEST(TextValues, ParsesDatesIncludingBefore1970AndLeapDays) {
  EXPECT_EQ(parse_date("1970-01-01")->value, 0);
  EXPECT_EQ(parse_date("2000-01-01")->value, 10957);
  EXPECT_EQ(parse_date("1969-12-31")->value, -1);
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2023-13-01"));
  EXPECT_EQ(parse_date("infinity")->infinity, 1);
}

TEST(TextValues, ParsesTimesWithFractionsAndRounding) {
  EXPECT_EQ(parse_time("00:00"), 0);
  EXPECT_EQ(parse_time("13:05:09.000123"), (13 * 3600 + 5 * 60 + 9) * 1'000'000LL + 123);
  EXPECT_EQ(parse_time("00:00:00.0000005"), 1);
  EXPECT_EQ(parse_time("24:00:00"), 86'400'000'000LL);
  EXPECT_FALSE(parse_time("24:00:01"));
  EXPECT_FALSE(parse_time("1:00"));
}

TEST(TextValues, ParsesTimestampsWithOffsetsAsUtc) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z")->value, 0);
  EXPECT_EQ(parse_timestamp("1970-01-01 01:00:00+01:00")->value, 0);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00-0130")->value, 90 * 60 * 1'000'000LL);
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:59.5")->value, -500'000);
  EXPECT_EQ(parse_timestamp("2000-01-01")->value, 946'684'800'000'000LL);
  EXPECT_FALSE(parse_timestamp("2000-01-01T"));
  EXPECT_FALSE(parse_timestamp("2000-01-01T00:00+25"));
  EXPECT_FALSE(parse_timestamp("yesterday"));
}

TEST(TextValues, ParsesUuidsInPostgresForms) {
  auto u = parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  ASSERT_TRUE(u);
  EXPECT_EQ((*u)[0], 0xa0);
  EXPECT_EQ((*u)[15], 0x11);
  EXPECT_TRUE(parse_uuid("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"));
  EXPECT_TRUE(parse_uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"));
  EXPECT_FALSE(parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"));
  EXPECT_FALSE(parse_uuid("-a0eebc999c0b4ef8bb6d6bb9bd380a11"));
  EXPECT_FALSE(parse_uuid("g0eebc999c0b4ef8bb6d6bb9bd380a11"));
}

TEST(TextValues, FormatsIsoText) {
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_time(3'600'000'001LL), "01:00:00.000001");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace sluice::pg
