// Records that cannot be converted: every error is a non-retryable sluice::error whose where is
// the record's position and whose why names the part, the field and what was wrong.
#include <gtest/gtest.h>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

const std::string schema =
    R"({"type":"struct","fields":[{"field":"i8","type":"int8"},{"field":"n","type":"int32"},)"
    R"({"field":"f","type":"double"},{"field":"b","type":"boolean"},{"field":"s","type":"string"},)"
    R"({"field":"raw","type":"bytes"},{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal",)"
    R"("parameters":{"scale":"2"}},{"field":"z","type":"string","name":"io.debezium.time.ZonedTimestamp"},)"
    R"({"field":"addr","type":"struct","optional":true,"fields":[{"field":"zip","type":"int32","optional":false}]}]})";

error_info value_error(const std::string& value_json, converter_settings s = json_settings(true)) {
  record_converter conv(s);
  auto e = error_of([&] { conv.convert(test_pos, std::nullopt, value_json); });
  EXPECT_EQ(e.what, "cannot convert record");
  EXPECT_EQ(e.where, "topic 'orders' partition 3 offset 42");
  EXPECT_FALSE(e.retryable);
  EXPECT_FALSE(e.fix.empty());
  return e;
}

error_info payload_error(const std::string& payload) {
  return value_error(R"({"schema":)" + schema + R"(,"payload":)" + payload + "}");
}

#define EXPECT_WHY(info, text) EXPECT_NE((info).why.find(text), std::string::npos) << (info).why

TEST(ConvertErrors, WrongJsonTypesNameTheFieldAndWhatWasFound) {
  EXPECT_WHY(payload_error(R"({"n":"7"})"), R"(value: field "n" (int32): expected an integer, found a string "7")");
  EXPECT_WHY(payload_error(R"({"n":1.5})"), R"(field "n" (int32): expected an integer within int64, found a number 1.5)");
  EXPECT_WHY(payload_error(R"({"i8":300})"), R"(field "i8" (int8): value 300 is out of range [-128, 127])");
  EXPECT_WHY(payload_error(R"({"f":"NaN"})"), R"(field "f" (double): expected a number, found a string "NaN")");
  EXPECT_WHY(payload_error(R"({"b":1})"), R"(field "b" (boolean): expected true or false, found a number 1)");
  EXPECT_WHY(payload_error(R"({"s":{"a":1}})"), R"(field "s" (string): expected a string, found an object)");
  EXPECT_WHY(payload_error(R"({"raw":"***"})"), R"(field "raw" (bytes): expected a base64 string)");
  EXPECT_WHY(payload_error(R"({"d":true})"), R"(field "d" (Decimal scale 2): expected a base64 string or a number, found a boolean true)");
  EXPECT_WHY(payload_error(R"({"z":"noon"})"), R"(field "z" (ZonedTimestamp): expected an ISO-8601 timestamp)");
  EXPECT_WHY(payload_error(R"({"addr":{"zip":"x"}})"), R"(field "addr.zip" (int32): expected an integer)");
  EXPECT_WHY(payload_error(R"({"addr":{}})"), R"(field "addr.zip" (int32) is missing)");
  EXPECT_WHY(payload_error(R"({"addr":[1]})"), R"(field "addr" (struct): expected an object, found an array)");
}

TEST(ConvertErrors, MalformedJsonIsReported) {
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[]},"payload":{"a":})"), "malformed JSON");
  EXPECT_WHY(value_error(R"({"a":tru})", json_settings(false)), "malformed JSON");
  EXPECT_WHY(value_error("{\"a\":\"\xff\"}", json_settings(false)), "malformed JSON");  // not UTF-8
  EXPECT_WHY(value_error(R"({"a":1} {"a":2})", json_settings(false)), "unexpected content after the JSON value");
  EXPECT_WHY(value_error("", json_settings(false)), "the value is empty");
  EXPECT_WHY(payload_error(R"({"n":1,)"), "malformed JSON");
  EXPECT_WHY(value_error("nul", json_settings(false)), "malformed JSON");
  EXPECT_WHY(value_error(R"({"x": 01})", json_settings(false)), R"(malformed JSON at "x")");
  record_converter conv(json_settings(false));
  const auto e = error_of([&] { conv.convert(test_pos, "5 6", R"({"a":1})"); });
  EXPECT_WHY(e, "key: unexpected content after the JSON value");
}

TEST(ConvertErrors, TrailingWhitespaceIsNotTrailingContent) {
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, R"({"schema":{"type":"int64"},"payload":1} )" "\n",
                              R"({"schema":{"type":"struct","fields":[{"field":"a","type":"int64"}]},"payload":{"a":2}})"
                              "\r\n");
  EXPECT_EQ(r.value[0], value{std::int64_t{2}});
  record_converter plain(json_settings(false));
  EXPECT_EQ(plain.convert(test_pos, "5\n", "{\"a\":1}\n").key[0], value{std::int64_t{5}});
}

TEST(ConvertErrors, BadStringEscapeIsMalformedJson) {
  EXPECT_WHY(payload_error(R"({"s":"\q"})"), R"(malformed JSON at "s")");
}

TEST(ConvertErrors, MissingEnvelopeNamesSchemasEnable) {
  auto e = value_error(R"({"id":1})");
  EXPECT_WHY(e, "value.converter.schemas.enable=true needs Connect's envelope");
  EXPECT_WHY(e, "no \"schema\"");
  EXPECT_NE(e.fix.find("value.converter.schemas.enable=false"), std::string::npos) << e.fix;
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[]}})"), "no \"payload\"");
  EXPECT_WHY(value_error(R"({"schema":"int64","payload":1})"), R"("schema" is a string "int64")");
}

TEST(ConvertErrors, BadSchemasNameTheSchemaField) {
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[{"field":"x","type":"int128"}]},"payload":{}})"),
             R"(schema of field "x": unknown type "int128")");
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[{"field":"x","type":"bytes",)"
                         R"("name":"org.apache.kafka.connect.data.Decimal"}]},"payload":{}})"),
             "Decimal without an integer parameters.scale");
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[{"field":"x","type":"string",)"
                         R"("name":"org.apache.kafka.connect.data.Date"}]},"payload":{}})"),
             "must be int32, not string");
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct","fields":[{"field":"x","type":"int32","default":"a"}]},"payload":{}})"),
             R"(invalid "default")");
  EXPECT_WHY(value_error(R"({"schema":{"type":"struct"},"payload":{}})"), "without a \"fields\" array");
}

TEST(ConvertErrors, KeyErrorsSayKey) {
  record_converter conv(json_settings(true));
  auto e = error_of([&] { conv.convert(test_pos, R"({"schema":{"type":"int32"},"payload":"x"})", "null"); });
  EXPECT_WHY(e, R"(key: field "payload" (int32): expected an integer, found a string "x")");
  e = error_of([&] { conv.convert(test_pos, "7", "null"); });
  EXPECT_WHY(e, "key.converter.schemas.enable=true needs Connect's envelope");
}

TEST(ConvertErrors, ConverterKeepsWorkingAfterAnError) {
  record_converter conv(json_settings(true));
  const std::string good = R"({"schema":)" + schema + R"(,"payload":{"i8":1,"n":5,"f":1.5,"b":true,"s":"x","raw":"","d":"AA==",)"
                           R"("z":"2024-01-01T00:00:00Z"}})";
  EXPECT_THROW(conv.convert(test_pos, std::nullopt, R"({"schema":)" + schema + R"(,"payload":{"n":"x"}})"),
               sluice::error);
  EXPECT_THROW(conv.convert(test_pos, std::nullopt, "{oops"), sluice::error);
  const auto r = conv.convert(test_pos, std::nullopt, good);
  EXPECT_EQ(r.value[1], value{std::int64_t{5}});
}

}  // namespace
}  // namespace sluice::convert
