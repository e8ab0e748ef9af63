// Every Connect type and logical type, both ways: encode_connect_json, then record_converter,
// gives back the same values and a schema with the same types.
#include <gtest/gtest.h>

#include <limits>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

struct_schema all_types_schema() {
  struct_schema s{.name = "shop.orders.Value"};
  s.fields = {
      field("i8", type_kind::int8),
      field("i16", type_kind::int16),
      field("i32", type_kind::int32, logical_kind::none, false),
      field("i64", type_kind::int64),
      field("f32", type_kind::float32),
      field("f64", type_kind::float64),
      field("flag", type_kind::boolean),
      field("text", type_kind::string),
      field("blob", type_kind::bytes),
      field("amount", type_kind::bytes, logical_kind::decimal, true, 2),
      field("whole", type_kind::bytes, logical_kind::decimal, true, 0),
      field("huge", type_kind::bytes, logical_kind::decimal, true, 5),
      field("day", type_kind::int32, logical_kind::date),
      field("clock", type_kind::int32, logical_kind::time),
      field("at", type_kind::int64, logical_kind::timestamp),
      field("at_us", type_kind::int64, logical_kind::micro_timestamp),
      field("at_ns", type_kind::int64, logical_kind::nano_timestamp),
      field("clock_us", type_kind::int64, logical_kind::micro_time),
      field("zoned", type_kind::string, logical_kind::zoned_timestamp),
      field("doc", type_kind::string, logical_kind::json),
      field("id", type_kind::string, logical_kind::uuid),
  };
  s.fields[9].precision = 12;
  auto address = std::make_shared<struct_schema>();
  address->name = "shop.Address";
  address->fields = {field("city", type_kind::string), field("zip", type_kind::int32)};
  field_schema addr = field("address", type_kind::struct_);
  addr.nested = address;
  s.fields.push_back(addr);
  return s;
}

std::vector<value> row_a() {
  return {std::int64_t{-128}, std::int64_t{32767}, std::int64_t{-2147483648LL},
          std::int64_t{9223372036854775807LL}, 1.5, 0.1, true, std::string("h\u00e9llo \"q\"\n\\"),
          bytes_value{std::string("\x00\xff\x10", 3)}, decimal_value{"-12345", 2},
          decimal_value{"42", 0}, decimal_value{"-123456789012345678901234567890123456", 5},
          date_value{-1000}, time_value{45296789000}, timestamp_value{-86400123000},
          timestamp_value{1700000000123456}, timestamp_value{-1}, time_value{86399999999},
          timestamp_value{1709209800123456}, std::string(R"({"a":[1,2]})"),
          std::string("123e4567-e89b-12d3-a456-426614174000"), std::string("Paris"), std::int64_t{75001}};
}

std::vector<value> row_b() {  // zeros, boundaries and nulls
  return {std::int64_t{127}, std::int64_t{-32768}, std::int64_t{0}, std::int64_t{-1},
          static_cast<double>(static_cast<float>(0.1)), -0.0, false, std::string(""), bytes_value{},
          decimal_value{"0", 2}, decimal_value{"-1", 0}, decimal_value{"99999999999999999999999999999999999", 5},
          date_value{0}, time_value{0}, timestamp_value{0}, timestamp_value{-1700000000654321},
          timestamp_value{1700000000123457}, time_value{0}, timestamp_value{-1}, null_value{},
          null_value{}, null_value{}, null_value{}};
}

void expect_round_trip(const std::vector<value>& row) {
  const auto schema = all_types_schema();
  record_converter conv(json_settings(true));
  const auto json = encode_connect_json(schema, row, true);
  const auto rec = conv.convert(test_pos, std::nullopt, json);
  ASSERT_TRUE(rec.value_schema);
  EXPECT_EQ(rec.op, record_op::upsert);
  EXPECT_EQ(rec.value_schema->name, "shop.orders.Value");
  ASSERT_EQ(rec.value.size(), row.size());
  for (std::size_t i = 0; i < row.size(); ++i)
    EXPECT_EQ(rec.value[i], row[i]) << "field " << rec.value_schema->fields[i].name << ": got "
                                    << to_display(rec.value[i]) << ", want " << to_display(row[i]);
}

TEST(ConnectJsonRoundTrip, GivesBackEveryTypeAndLogicalType) { expect_round_trip(row_a()); }

TEST(ConnectJsonRoundTrip, GivesBackZerosBoundariesAndNulls) { expect_round_trip(row_b()); }

TEST(ConnectJsonRoundTrip, KeepsFieldTypesAndFlattensNestedStructs) {
  const auto schema = all_types_schema();
  record_converter conv(json_settings(true));
  const auto rec = conv.convert(test_pos, std::nullopt, encode_connect_json(schema, row_a(), true));
  const auto& f = rec.value_schema->fields;
  ASSERT_EQ(f.size(), 23u);
  for (std::size_t i = 0; i + 1 < schema.fields.size(); ++i) {
    EXPECT_EQ(f[i].name, schema.fields[i].name);
    EXPECT_EQ(f[i].type, schema.fields[i].type) << f[i].name;
    EXPECT_EQ(f[i].logical, schema.fields[i].logical) << f[i].name;
    EXPECT_EQ(f[i].optional, schema.fields[i].optional) << f[i].name;
    EXPECT_EQ(f[i].scale, schema.fields[i].scale) << f[i].name;
  }
  EXPECT_EQ(f[9].precision, 12);
  EXPECT_EQ(f[21].name, "address_city");
  EXPECT_EQ(f[22].name, "address_zip");
  EXPECT_EQ(f[22].type, type_kind::int32);
  EXPECT_TRUE(f[22].optional);  // inside an optional struct
}

TEST(ConnectJsonRoundTrip, RescalesDecimalsToTheFieldScale) {
  struct_schema s{.fields = {field("amount", type_kind::bytes, logical_kind::decimal, false, 4)}};
  record_converter conv(json_settings(true));
  const auto rec = conv.convert(test_pos, std::nullopt,
                                encode_connect_json(s, {decimal_value{"-125", 1}}, true));
  EXPECT_EQ(rec.value[0], (value{decimal_value{"-125000", 4}}));
  EXPECT_THROW(encode_connect_json(s, {decimal_value{"123456", 6}}, true), sluice::error);
}

TEST(ConnectJsonRoundTrip, SchemalessPayloadInfersTheJsonTypes) {
  struct_schema s{.fields = {field("id", type_kind::int64), field("price", type_kind::float64),
                             field("name", type_kind::string), field("ok", type_kind::boolean)}};
  const auto json = encode_connect_json(s, {std::int64_t{7}, 2.0, std::string("x"), true}, false);
  EXPECT_EQ(json, R"({"id":7,"price":2.0,"name":"x","ok":true})");
  record_converter conv(json_settings(false));
  const auto rec = conv.convert(test_pos, std::nullopt, json);
  EXPECT_EQ(rec.value, (std::vector<value>{std::int64_t{7}, 2.0, std::string("x"), true}));
  EXPECT_EQ(rec.value_schema->fields[1].type, type_kind::float64);
}

TEST(ConnectJsonEncoder, WritesConnectsSchemaObject) {
  struct_schema s{.name = "t.Value",
                  .fields = {field("id", type_kind::int32, logical_kind::none, false),
                             field("amount", type_kind::bytes, logical_kind::decimal, true, 2)}};
  EXPECT_EQ(encode_schema_json(s),
            R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
            R"("version":1,"parameters":{"scale":"2"},"field":"amount"}],"optional":false,"name":"t.Value"})");
}

TEST(ConnectJsonEncoder, RefusesValuesThatDoNotFitTheirField) {
  struct_schema s{.fields = {field("id", type_kind::int32, logical_kind::none, false)}};
  auto e = error_of([&] { encode_connect_json(s, {std::string("seven")}, true); });
  EXPECT_EQ(e.where, "field \"id\"");
  EXPECT_NE(e.why.find("string"), std::string::npos) << e.why;
  e = error_of([&] { encode_connect_json(s, {null_value{}}, true); });
  EXPECT_NE(e.why.find("not optional"), std::string::npos) << e.why;
  e = error_of([&] { encode_connect_json(s, {}, true); });
  EXPECT_NE(e.why.find("0 values"), std::string::npos) << e.why;
  struct_schema d{.fields = {field("x", type_kind::float64)}};
  e = error_of([&] { encode_connect_json(d, {std::numeric_limits<double>::quiet_NaN()}, true); });
  EXPECT_NE(e.why.find("NaN"), std::string::npos) << e.why;
}

}  // namespace
}  // namespace sluice::convert
