// Schemaless JSON (schemas.enable=false): types inferred per value, fields in document order,
// one cached schema per distinct list of field names and types.
#include <gtest/gtest.h>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

TEST(SchemalessJson, InfersTypesInDocumentOrder) {
  record_converter conv(json_settings(false));
  const auto r = conv.convert(test_pos, std::nullopt,
                              R"({"z":1,"a":-2.5,"s":"x","b":true,"n":null,"o":{"k":[1, 2]},"l":[1,"a"],)"
                              R"("e":1e3,"big":123456789012345678901234567890,"neg":-9223372036854775808})");
  const auto& f = r.value_schema->fields;
  ASSERT_EQ(f.size(), 10u);
  const std::vector<std::string> names{"z", "a", "s", "b", "n", "o", "l", "e", "big", "neg"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(f[i].name, names[i]);
    EXPECT_TRUE(f[i].optional);
  }
  EXPECT_EQ(f[0].type, type_kind::int64);
  EXPECT_EQ(f[1].type, type_kind::float64);
  EXPECT_EQ(f[2].type, type_kind::string);
  EXPECT_EQ(f[3].type, type_kind::boolean);
  EXPECT_EQ(f[4].type, type_kind::string);
  EXPECT_EQ(f[5].type, type_kind::string);
  EXPECT_EQ(f[5].logical, logical_kind::json);
  EXPECT_EQ(f[6].logical, logical_kind::json);
  EXPECT_EQ(f[7].type, type_kind::float64);
  EXPECT_EQ(f[8].logical, logical_kind::decimal);
  EXPECT_EQ(f[9].type, type_kind::int64);
  EXPECT_EQ(r.value, (std::vector<value>{std::int64_t{1}, -2.5, std::string("x"), true, null_value{},
                                         std::string(R"({"k":[1, 2]})"), std::string(R"([1,"a"])"), 1000.0,
                                         decimal_value{"123456789012345678901234567890", 0},
                                         std::int64_t{-9223372036854775807LL - 1}}));
  EXPECT_EQ(r.op, record_op::upsert);
}

TEST(SchemalessJson, CachesOneSchemaPerFieldNamesAndTypes) {
  record_converter conv(json_settings(false));
  const auto a = conv.convert(test_pos, std::nullopt, R"({"id":1,"name":"a"})");
  const auto b = conv.convert(test_pos, std::nullopt, R"({"id":2,"name":"b"})");
  const auto c = conv.convert(test_pos, std::nullopt, R"({"id":3,"name":null})");
  const auto d = conv.convert(test_pos, std::nullopt, R"({"name":"d","id":4})");
  const auto e = conv.convert(test_pos, std::nullopt, R"({"id":5,"name":"e"})");
  EXPECT_EQ(a.value_schema.get(), b.value_schema.get());
  EXPECT_NE(a.value_schema.get(), c.value_schema.get());  // null changes the type list
  EXPECT_NE(a.value_schema.get(), d.value_schema.get());  // so does the order
  EXPECT_EQ(a.value_schema.get(), e.value_schema.get());
}

TEST(SchemalessJson, RefusesAValueThatIsNotAnObject) {
  record_converter conv(json_settings(false));
  for (const char* v : {"42", R"("text")", "[1,2]", "true"}) {
    const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, v); });
    EXPECT_NE(e.why.find("the sink needs an object"), std::string::npos) << v << ": " << e.why;
  }
}

TEST(SchemalessJson, NullJsonValueIsATombstone) {
  record_converter conv(json_settings(false, true));
  const auto r = conv.convert(test_pos, "7", "null");
  EXPECT_EQ(r.op, record_op::remove);
}

}  // namespace
}  // namespace sluice::convert
