#include <gtest/gtest.h>

#include "dialects/odbc/text.hpp"

namespace sluice::odbc {
namespace {

TEST(OdbcText, Utf16RoundTripKeepsEveryPlane) {
  const std::string s = "a\xC3\xA4\xE2\x82\xAC\xF0\x9F\x99\x82z";  // a ä € 🙂 z
  auto w = to_utf16(s);
  EXPECT_EQ(w.size(), 6u);  // the emoji is a surrogate pair
  EXPECT_EQ(to_utf8(w), s);
}

TEST(OdbcText, InvalidUtf8IsDetected) {
  EXPECT_TRUE(valid_utf8("plain \xEF\xBF\xBD ok"));
  EXPECT_FALSE(valid_utf8("\xC3"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(OdbcText, SupplementaryCharactersAndCodePoints) {
  EXPECT_TRUE(has_supplementary("x\xF0\x9F\x99\x82"));
  EXPECT_FALSE(has_supplementary("T\xC3\xA4\xE2\x82\xAC"));
  EXPECT_EQ(code_points("T\xC3\xA4\xE2\x82\xAC"), 3u);
}

TEST(OdbcText, TemporalValuesRenderAsIsoUtc) {
  EXPECT_EQ(format_date(0), "1970-01-01");
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_date(19723), "2024-01-01");
  EXPECT_EQ(format_time(3723000001), "01:02:03.000001");
  EXPECT_EQ(format_timestamp(1704067200123456), "2024-01-01 00:00:00.123456");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31 23:59:59.999999");
}

TEST(OdbcText, ReadTimestampsKeepTheirNanosecondsApartFromTheMicrosecond) {
  const std::int64_t noon = 1704110400000000;  // 2024-01-01 12:00:00 UTC
  auto at = [](std::string_view t) { return parse_instant(t); };
  EXPECT_EQ(at("2024-01-01 12:00:00.1234567"), (instant{noon + 123456, 700}));  // not …123457
  EXPECT_EQ(at("2024-01-01 12:00:00.123456789"), (instant{noon + 123456, 789}));
  EXPECT_EQ(at("2024-01-01 12:00:00.1234567891"), (instant{noon + 123456, 789}));  // below 1 ns: cut
  EXPECT_EQ(at("2024-01-01 12:00:00.123456"), (instant{noon + 123456, 0}));
  EXPECT_EQ(at("2024-01-01 12:00:00.5"), (instant{noon + 500000, 0}));
  EXPECT_EQ(at("2024-01-01 12:00:00"), (instant{noon, 0}));
  // datetimeoffset: the offset still applies.
  EXPECT_EQ(at("2024-01-01 14:00:00.9999999 +02:00"), (instant{noon + 999999, 900}));
  // 100 ns before 1970: the microsecond below it, and 900 ns past that.
  EXPECT_EQ(at("1969-12-31 23:59:59.9999999"), (instant{-1, 900}));
  EXPECT_LT(*at("2024-01-01 12:00:00.1234567"), *at("2024-01-01 12:00:00.1234568"));
  EXPECT_FALSE(at("infinity"));
  EXPECT_FALSE(at("12:00:00.1234567"));
  EXPECT_FALSE(at(""));
}

TEST(OdbcText, YearsOutsideFourDigitsKeepEveryDigitSoTheServerRejectsThem) {
  EXPECT_EQ(format_date(2932897), "10000-01-01");
  EXPECT_EQ(format_date(-719529), "-001-12-31");
  EXPECT_EQ(format_date(-719528), "0000-01-01");
  EXPECT_EQ(format_timestamp(253402300799999999), "9999-12-31 23:59:59.999999");
}

TEST(OdbcText, AppendingAddsToWhatIsThere) {
  std::string out = "x=";
  append_timestamp(out, 1704067200123456);
  append_date(out, 0);
  append_time(out, 0);
  EXPECT_EQ(out, "x=2024-01-01 00:00:00.1234561970-01-0100:00:00.000000");
}

TEST(OdbcText, Utf8IsAppendedAsItIsOrWithInvalidBytesReplaced) {
  std::string out = ">";
  append_utf8(out, "plain ascii");
  append_utf8(out, "T\xC3\xA4\xF0\x9F\x99\x82");
  EXPECT_EQ(out, ">plain asciiT\xC3\xA4\xF0\x9F\x99\x82");
  out.clear();
  append_utf8(out, "a\xFF" "b\xC3");
  // The same replacement the UTF-16 path makes.
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(to_utf8(to_utf16("a\xFF" "b\xC3")), out);
}

}  // namespace
}  // namespace sluice::odbc
