// The wire codecs under the converters: base64, Decimal's two's complement bytes, decimal text,
// ISO timestamps and calendar arithmetic.
#include <gtest/gtest.h>

#include "core/convert/codecs.hpp"

namespace sluice::convert::detail {
namespace {

using namespace std::string_literals;

std::string digits_of(const std::string& bytes) {
  std::string out;
  twos_complement_to_digits(bytes, out);
  return out;
}

TEST(Base64, RoundTripsEveryLength) {
  std::string data;
  for (int n = 0; n < 40; ++n) {
    std::string enc, dec;
    base64_encode(data, enc);
    ASSERT_TRUE(base64_decode(enc, dec)) << enc;
    EXPECT_EQ(dec, data);
    data.push_back(static_cast<char>(n * 37));
  }
}

TEST(Base64, MatchesKnownTextAndAcceptsMissingPadding) {
  std::string enc, dec;
  base64_encode("hello", enc);
  EXPECT_EQ(enc, "aGVsbG8=");
  ASSERT_TRUE(base64_decode("aGVsbG8", dec));
  EXPECT_EQ(dec, "hello");
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
  std::string dec;
  EXPECT_FALSE(base64_decode("aGV$bG8=", dec));
  EXPECT_FALSE(base64_decode("a", dec));
  EXPECT_FALSE(base64_decode("aGVsbG8==", dec));
}

TEST(TwosComplement, DecodesJavaBigIntegerBytes) {
  EXPECT_EQ(digits_of(""), "0");
  EXPECT_EQ(digits_of("\x00"s), "0");
  EXPECT_EQ(digits_of("\x7f"), "127");
  EXPECT_EQ(digits_of("\x00\x80"s), "128");
  EXPECT_EQ(digits_of("\x80"), "-128");
  EXPECT_EQ(digits_of("\xff\x7f"), "-129");
  EXPECT_EQ(digits_of("\xff"), "-1");
  EXPECT_EQ(digits_of("\x80\x00\x00\x00\x00\x00\x00\x00"s), "-9223372036854775808");
  EXPECT_EQ(digits_of("\x00\x80\x00\x00\x00\x00\x00\x00\x00"s), "9223372036854775808");
  EXPECT_EQ(digits_of("\xff\x7f\xff\xff\xff\xff\xff\xff\xff"s), "-9223372036854775809");
}

TEST(TwosComplement, RoundTripsDigitsOfAnyLength) {
  for (std::string d : {"0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-256", "-257",
                        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                        "-9223372036854775809", "123456789012345678901234567890123456789",
                        "-99999999999999999999999999999999999999999999999999"}) {
    auto bytes = digits_to_twos_complement(d);
    ASSERT_TRUE(bytes) << d;
    EXPECT_EQ(digits_of(*bytes), d);
  }
}

TEST(TwosComplement, WritesTheShortestForm) {
  EXPECT_EQ(digits_to_twos_complement("0"), "\x00"s);
  EXPECT_EQ(digits_to_twos_complement("127"), "\x7f"s);
  EXPECT_EQ(digits_to_twos_complement("128"), "\x00\x80"s);
  EXPECT_EQ(digits_to_twos_complement("-128"), "\x80"s);
  EXPECT_EQ(digits_to_twos_complement("-129"), "\xff\x7f"s);
  EXPECT_EQ(digits_to_twos_complement("-0"), "\x00"s);
  EXPECT_FALSE(digits_to_twos_complement("12a"));
  EXPECT_FALSE(digits_to_twos_complement(""));
}

TEST(DecimalText, ScalesNumbersWithAndWithoutExponents) {
  EXPECT_EQ(decimal_text_to_unscaled("12.5", 2), "1250");
  EXPECT_EQ(decimal_text_to_unscaled("-12.50", 2), "-1250");
  EXPECT_EQ(decimal_text_to_unscaled("7", 0), "7");
  EXPECT_EQ(decimal_text_to_unscaled("1.5E+3", 0), "1500");
  EXPECT_EQ(decimal_text_to_unscaled("15e-1", 1), "15");
  EXPECT_EQ(decimal_text_to_unscaled("-0.000", 3), "0");
  EXPECT_EQ(decimal_text_to_unscaled("0.0001", 2), std::nullopt);  // would need rounding
  EXPECT_EQ(decimal_text_to_unscaled("abc", 2), std::nullopt);
  EXPECT_EQ(decimal_text_to_unscaled("1.2.3", 2), std::nullopt);
  EXPECT_EQ(rescale_unscaled("-1250", 2, 4), "-125000");
  EXPECT_EQ(rescale_unscaled("-1250", 2, 1), "-125");
  EXPECT_EQ(rescale_unscaled("1251", 2, 1), std::nullopt);
}

TEST(Calendar, ConvertsDatesBeforeAndAfterTheEpoch) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1900, 1, 1), -25567);
  for (std::int64_t d : {-800000, -25567, -1, 0, 1, 11016, 19000, 2932896}) {
    std::int64_t y = 0;
    unsigned m = 0, day = 0;
    civil_from_days(d, y, m, day);
    EXPECT_EQ(days_from_civil(y, m, day), d);
  }
  EXPECT_EQ(format_iso_date(-1), "1969-12-31");
}

TEST(IsoTimestamp, ParsesOffsetsFractionsAndSpaces) {
  EXPECT_EQ(parse_iso_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso_timestamp("1970-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(parse_iso_timestamp("1970-01-01T02:00:00+02:00"), 0);
  EXPECT_EQ(parse_iso_timestamp("1969-12-31T19:00:00-0500"), 0);
  EXPECT_EQ(parse_iso_timestamp("1969-12-31T23:59:59.999999999Z"), -1);
  EXPECT_EQ(parse_iso_timestamp("2024-02-29 12:30:00"), 1709209800000000);
  EXPECT_EQ(parse_iso_timestamp("2024-02-29T12:30Z"), 1709209800000000);
  EXPECT_EQ(parse_iso_timestamp("2024-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso_timestamp("yesterday"), std::nullopt);
  EXPECT_EQ(parse_iso_timestamp("2024-01-01T00:00:00Zjunk"), std::nullopt);
}

TEST(IsoTimestamp, FormatsAndParsesBackToTheSameMicros) {
  for (std::int64_t us : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{1709209800123456},
                          std::int64_t{-2208988800000000}, std::int64_t{-123456789}}) {
    const auto text = format_iso_timestamp(us);
    EXPECT_EQ(parse_iso_timestamp(text), us) << text;
  }
  EXPECT_EQ(format_iso_timestamp(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace sluice::convert::detail
