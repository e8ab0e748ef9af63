#include <cmath>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "dialects/postgres/copy_encoder.hpp"
#include "dialects/postgres/type_oids.hpp"

namespace sluice::pg {
namespace {

constexpr std::size_t header_size = 19;  // "PGCOPY\n\377\r\n\0" + flags + extension length

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The encoded bytes of one row of one column (field count stripped).
std::string encode_one(unsigned type_oid, const value& v) {
  copy_encoder enc({type_oid}, {"c"});
  enc.begin();
  enc.add_row({&v});
  return hex(enc.data().substr(header_size + 2));
}

std::string error_of(unsigned type_oid, const value& v) {
  try {
    encode_one(type_oid, v);
  } catch (const sluice::error& e) {
    return e.what();
  }
  return "no error";
}

TEST(CopyEncoder, WritesHeaderRowsAndTrailer) {
  copy_encoder enc({oid::int4, oid::text}, {"id", "name"});
  enc.begin();
  value id = std::int64_t{7}, name = std::string("ab");
  enc.add_row({&id, &name});
  enc.add_row({&id, nullptr});
  enc.finish();
  EXPECT_EQ(enc.rows(), 2u);
  EXPECT_EQ(hex(enc.data()),
            "5047434f50590aff0d0a00" "00000000" "00000000"  // signature, flags, extension
            "0002" "00000004" "00000007" "00000002" "6162"   // row 1
            "0002" "00000004" "00000007" "ffffffff"          // row 2: NULL
            "ffff");                                          // trailer
}

TEST(CopyEncoder, BeginResetsTheBuffer) {
  copy_encoder enc({oid::int8}, {"id"});
  value v = std::int64_t{1};
  enc.begin();
  enc.add_row({&v});
  enc.begin();
  EXPECT_EQ(enc.rows(), 0u);
  EXPECT_EQ(enc.data().size(), header_size);
}

TEST(CopyEncoder, EncodesIntegersBigEndian) {
  EXPECT_EQ(encode_one(oid::int2, std::int64_t{-2}), "00000002fffe");
  EXPECT_EQ(encode_one(oid::int4, std::int64_t{258}), "0000000400000102");
  EXPECT_EQ(encode_one(oid::int8, std::int64_t{1}), "000000080000000000000001");
  EXPECT_EQ(encode_one(oid::int4, std::string(" 12 ")), "000000040000000c");
  EXPECT_EQ(encode_one(oid::int4, 3.0), "0000000400000003");
  EXPECT_EQ(encode_one(oid::int4, decimal_value{"500", 2}), "0000000400000005");
}

TEST(CopyEncoder, RejectsIntegersOutOfRangeNamingColumnAndValue) {
  const std::string e = error_of(oid::int2, std::int64_t{40000});
  EXPECT_NE(e.find("column \"c\""), std::string::npos) << e;
  EXPECT_NE(e.find("40000"), std::string::npos) << e;
  EXPECT_NE(e.find("22003"), std::string::npos) << e;
  EXPECT_NE(error_of(oid::int4, std::int64_t{2147483648}).find("out of range"), std::string::npos);
  EXPECT_NE(error_of(oid::int8, std::string("9223372036854775808")).find("22003"), std::string::npos);
  EXPECT_NE(error_of(oid::int4, 1.5).find("22P02"), std::string::npos);
  EXPECT_NE(error_of(oid::int4, std::string("12abc")).find("22P02"), std::string::npos);
  EXPECT_NE(error_of(oid::int4, true).find("42804"), std::string::npos);
}

TEST(CopyEncoder, FailedRowLeavesTheBatchAsItWas) {
  copy_encoder enc({oid::int8, oid::int2}, {"a", "b"});
  enc.begin();
  value ok = std::int64_t{1}, big = std::int64_t{1} << 20;
  enc.add_row({&ok, &ok});
  const std::string before(enc.data());
  EXPECT_THROW(enc.add_row({&ok, &big}), sluice::error);
  EXPECT_EQ(enc.data(), before);
  EXPECT_EQ(enc.rows(), 1u);
}

TEST(CopyEncoder, EncodesFloatsAsIeeeBits) {
  EXPECT_EQ(encode_one(oid::float8, 1.0), "000000083ff0000000000000");
  EXPECT_EQ(encode_one(oid::float4, 1.0), "000000043f800000");
  EXPECT_EQ(encode_one(oid::float8, std::int64_t{2}), "000000084000000000000000");
  EXPECT_EQ(encode_one(oid::float8, std::string("-Infinity")), "00000008fff0000000000000");
  EXPECT_NE(error_of(oid::float4, 1e300).find("out of range for real"), std::string::npos);
}

TEST(CopyEncoder, EncodesBooleansFromBoolTextAndZeroOne) {
  EXPECT_EQ(encode_one(oid::bool_, true), "0000000101");
  EXPECT_EQ(encode_one(oid::bool_, std::string("f")), "0000000100");
  EXPECT_EQ(encode_one(oid::bool_, std::int64_t{1}), "0000000101");
  EXPECT_NE(error_of(oid::bool_, std::int64_t{2}).find("22P02"), std::string::npos);
}

TEST(CopyEncoder, EncodesTextJsonAndJsonb) {
  EXPECT_EQ(encode_one(oid::varchar, std::string("é")), "00000002c3a9");
  EXPECT_EQ(encode_one(oid::text, std::int64_t{42}), "000000023432");
  EXPECT_EQ(encode_one(oid::json, std::string("{}")), "000000027b7d");
  EXPECT_EQ(encode_one(oid::jsonb, std::string("{}")), "00000003017b7d");
  EXPECT_NE(error_of(oid::text, std::string("a\0b", 3)).find("NUL"), std::string::npos);
  EXPECT_NE(error_of(oid::jsonb, std::nan("")).find("42804"), std::string::npos);
}

TEST(CopyEncoder, EncodesByteaRaw) {
  EXPECT_EQ(encode_one(oid::bytea, bytes_value{std::string("\0\xff", 2)}), "0000000200ff");
}

TEST(CopyEncoder, EncodesDatesAndTimestampsFrom2000Epoch) {
  EXPECT_EQ(encode_one(oid::date, date_value{10957}), "0000000400000000");
  EXPECT_EQ(encode_one(oid::date, date_value{0}), "00000004ffffd533");  // -10957
  EXPECT_EQ(encode_one(oid::date, std::string("2000-01-02")), "0000000400000001");
  EXPECT_EQ(encode_one(oid::timestamptz, timestamp_value{946'684'800'000'001LL}),
            "000000080000000000000001");
  EXPECT_EQ(encode_one(oid::timestamp, std::string("2000-01-01T00:00:00.000001Z")),
            "000000080000000000000001");
  EXPECT_EQ(encode_one(oid::timestamptz, std::string("infinity")), "000000087fffffffffffffff");
  EXPECT_EQ(encode_one(oid::time, time_value{1}), "000000080000000000000001");
  EXPECT_NE(error_of(oid::timestamptz, std::int64_t{1700000000000}).find("no unit"), std::string::npos);
  EXPECT_NE(error_of(oid::date, std::string("2023-02-30")).find("22007"), std::string::npos);
  EXPECT_NE(error_of(oid::timestamp, timestamp_value{INT64_MIN}).find("22008"), std::string::npos);
}

TEST(CopyEncoder, EncodesNumericFromEveryNumberForm) {
  // ndigits weight sign dscale, then base-10000 digits
  EXPECT_EQ(encode_one(oid::numeric, decimal_value{"-150", 2}), "0000000c" "0002000040000002" "00011388");
  EXPECT_EQ(encode_one(oid::numeric, std::string("-1.50")), "0000000c" "0002000040000002" "00011388");
  EXPECT_EQ(encode_one(oid::numeric, std::int64_t{10000}), "0000000a" "0001000100000000" "0001");
  EXPECT_EQ(encode_one(oid::numeric, 0.5), "0000000a" "0001ffff00000001" "1388");
  EXPECT_NE(error_of(oid::numeric, std::string("1,5")).find("22P02"), std::string::npos);
  EXPECT_NE(error_of(oid::numeric, true).find("42804"), std::string::npos);
}

TEST(CopyEncoder, EncodesUuidFromTextAndBytes) {
  EXPECT_EQ(encode_one(oid::uuid, std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
            "00000010a0eebc999c0b4ef8bb6d6bb9bd380a11");
  EXPECT_EQ(encode_one(oid::uuid, bytes_value{std::string(16, '\x01')}),
            "0000001001010101010101010101010101010101");
  EXPECT_NE(error_of(oid::uuid, std::string("not-a-uuid")).find("22P02"), std::string::npos);
}

TEST(CopyEncoder, RefusesUnsupportedTypesAtConstruction) {
  EXPECT_FALSE(copy_encoder::supports(oid::timetz));
  EXPECT_TRUE(copy_encoder::supports(oid::numeric));
  try {
    copy_encoder enc({oid::int4, 869 /* inet */}, {"id", "addr"});
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_NE(std::string(e.what()).find("addr"), std::string::npos) << e.what();
  }
}

TEST(CopyEncoder, RejectsRowsWithTheWrongFieldCount) {
  copy_encoder enc({oid::int4}, {"id"});
  enc.begin();
  EXPECT_THROW(enc.add_row({}), sluice::error);
}

}  // namespace
}  // namespace sluice::pg
