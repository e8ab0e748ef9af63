// Keys in every format key.converter allows, and tombstones with and without delete.enabled.
#include <cstring>
#include <gtest/gtest.h>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;
using namespace std::string_literals;

const std::string value_json = R"({"schema":{"type":"struct","fields":[{"field":"v","type":"int32"}]},"payload":{"v":1}})";

sink_record convert_key(format f, bool schemas, std::optional<std::string_view> key) {
  converter_settings s = json_settings(true);
  s.key_format = f;
  s.key_schemas_enable = schemas;
  record_converter conv(s);
  return conv.convert(test_pos, key, value_json);
}

void expect_one_unnamed_field(const sink_record& r, type_kind t, const value& v) {
  ASSERT_TRUE(r.key_schema);
  ASSERT_EQ(r.key_schema->fields.size(), 1u);
  EXPECT_EQ(r.key_schema->fields[0].name, "");  // the sink names it from pk.fields
  EXPECT_EQ(r.key_schema->fields[0].type, t);
  ASSERT_EQ(r.key.size(), 1u);
  EXPECT_EQ(r.key[0], v);
}

TEST(RecordKey, JsonWithStructSchemaGivesItsFields) {
  const auto r = convert_key(format::json, true,
                             R"({"schema":{"type":"struct","name":"k","fields":[{"field":"a","type":"int64"},)"
                             R"({"field":"b","type":"string"}]},"payload":{"a":5,"b":"x"}})");
  ASSERT_TRUE(r.key_schema);
  EXPECT_EQ(r.key_schema->fields[1].name, "b");
  EXPECT_EQ(r.key, (std::vector<value>{std::int64_t{5}, std::string("x")}));
}

TEST(RecordKey, JsonWithPrimitiveSchemaGivesOneUnnamedField) {
  const auto r = convert_key(format::json, true, R"({"schema":{"type":"int64","optional":false},"payload":-5})");
  expect_one_unnamed_field(r, type_kind::int64, std::int64_t{-5});
  const auto d = convert_key(format::json, true,
                             R"({"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":-7})");
  expect_one_unnamed_field(d, type_kind::int32, date_value{-7});
}

TEST(RecordKey, SchemalessJsonObjectOrPrimitive) {
  const auto obj = convert_key(format::json, false, R"({"id":9,"region":"eu"})");
  EXPECT_EQ(obj.key_schema->fields[0].name, "id");
  EXPECT_EQ(obj.key, (std::vector<value>{std::int64_t{9}, std::string("eu")}));
  expect_one_unnamed_field(convert_key(format::json, false, "12"), type_kind::int64, std::int64_t{12});
  expect_one_unnamed_field(convert_key(format::json, false, R"("abc")"), type_kind::string, std::string("abc"));
  expect_one_unnamed_field(convert_key(format::json, false, "2.5"), type_kind::float64, 2.5);
  expect_one_unnamed_field(convert_key(format::json, false, "[1,2]"), type_kind::string, std::string("[1,2]"));
}

TEST(RecordKey, StringLongIntegerAndByteArrayConverters) {
  expect_one_unnamed_field(convert_key(format::string, false, "order-17"), type_kind::string,
                           std::string("order-17"));
  expect_one_unnamed_field(convert_key(format::int64, false, "\xff\xff\xff\xff\xff\xff\xff\xfe"s),
                           type_kind::int64, std::int64_t{-2});
  expect_one_unnamed_field(convert_key(format::int64, false, "\x00\x00\x00\x01\x00\x00\x00\x00"s),
                           type_kind::int64, std::int64_t{4294967296});
  expect_one_unnamed_field(convert_key(format::int32, false, "\x80\x00\x00\x00"s), type_kind::int32,
                           std::int64_t{-2147483648LL});
  expect_one_unnamed_field(convert_key(format::bytes, false, "\x00\x01"s), type_kind::bytes,
                           bytes_value{"\x00\x01"s});
}

TEST(RecordKey, NullKeyHasNoSchemaInEveryFormat) {
  for (format f : {format::json, format::string, format::int64, format::int32, format::bytes}) {
    const auto r = convert_key(f, true, std::nullopt);
    EXPECT_FALSE(r.key_schema);
    EXPECT_TRUE(r.key.empty());
  }
  EXPECT_FALSE(convert_key(format::json, true, "null").key_schema);
  EXPECT_FALSE(convert_key(format::json, true, R"({"schema":{"type":"int64"},"payload":null})").key_schema);
}

TEST(RecordKey, WrongLengthForLongConverterNamesTheConverter) {
  const auto e = error_of([] { convert_key(format::int64, false, "abc"); });
  EXPECT_NE(e.why.find("key: key.converter is org.apache.kafka.connect.converters.LongConverter, which "
                       "reads 8 bytes, but the key has 3"),
            std::string::npos)
      << e.why;
  EXPECT_NE(e.fix.find("key.converter"), std::string::npos);
}

TEST(RecordKey, StringConverterRejectsInvalidUtf8) {
  const auto e = error_of([] { convert_key(format::string, false, "\xff\xfe"s); });
  EXPECT_NE(e.why.find("UTF-8"), std::string::npos) << e.why;
}

TEST(Tombstone, RemovesByKeyWhenDeleteIsEnabled) {
  record_converter conv(json_settings(true, true));
  const auto r = conv.convert(test_pos, R"({"schema":{"type":"int64"},"payload":5})", std::nullopt);
  EXPECT_EQ(r.op, record_op::remove);
  EXPECT_TRUE(r.value.empty());
  EXPECT_FALSE(r.value_schema);
  EXPECT_EQ(r.key, std::vector<value>{std::int64_t{5}});
}

TEST(Tombstone, IsAnErrorNamingDeleteEnabledWhenDisabled) {
  record_converter conv(json_settings(true, false));
  const auto e = error_of([&] { conv.convert(test_pos, R"({"schema":{"type":"int64"},"payload":5})", std::nullopt); });
  EXPECT_EQ(e.where, "topic 'orders' partition 3 offset 42");
  EXPECT_NE(e.why.find("delete.enabled is false"), std::string::npos) << e.why;
  EXPECT_NE(e.fix.find("delete.enabled=true"), std::string::npos) << e.fix;
  EXPECT_FALSE(e.retryable);
}

TEST(Tombstone, WithoutAKeyHasNothingToDelete) {
  record_converter conv(json_settings(true, true));
  const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, std::nullopt); });
  EXPECT_NE(e.why.find("no row to delete"), std::string::npos) << e.why;
}

TEST(ConverterFormat, AcceptsConnectClassNamesAndShortNames) {
  EXPECT_EQ(format_from_class("org.apache.kafka.connect.json.JsonConverter"), format::json);
  EXPECT_EQ(format_from_class("org.apache.kafka.connect.storage.StringConverter"), format::string);
  EXPECT_EQ(format_from_class("org.apache.kafka.connect.converters.LongConverter"), format::int64);
  EXPECT_EQ(format_from_class("org.apache.kafka.connect.converters.IntegerConverter"), format::int32);
  EXPECT_EQ(format_from_class("org.apache.kafka.connect.converters.ByteArrayConverter"), format::bytes);
  EXPECT_EQ(format_from_class("JSON"), format::json);
  EXPECT_EQ(format_from_class("long"), format::int64);
  EXPECT_EQ(format_from_class("integer"), format::int32);
  EXPECT_EQ(format_from_class("bytes"), format::bytes);
  EXPECT_EQ(format_from_class("string"), format::string);
}

TEST(ConverterFormat, UnknownClassNamesTheConfigKey) {
  const auto e = error_of([] { format_from_class("io.confluent.connect.avro.AvroConverter", "value.converter"); });
  EXPECT_EQ(e.where, "value.converter");
  EXPECT_NE(e.why.find("AvroConverter"), std::string::npos);
  EXPECT_NE(e.fix.find("value.converter"), std::string::npos);
}

TEST(ConverterFormat, NonJsonValueConverterIsRefusedBecauseTheSinkNeedsAStruct) {
  converter_settings s = json_settings(true);
  s.value_format = format::string;
  record_converter conv(s);
  const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, "hello"); });
  EXPECT_NE(e.why.find("StringConverter"), std::string::npos) << e.why;
  EXPECT_NE(e.why.find("needs a struct"), std::string::npos) << e.why;
}

// After the first key of a schema, later keys with the same schema text are read by the payload
// alone (the fast path). Whatever the payload holds, a warmed-up converter must give what a new
// converter, which reads the whole envelope, gives: the same key, or the same error.
TEST(RecordKey, AKeyReadByItsPayloadAloneIsReadAsTheWholeEnvelopeWould) {
  const std::string int_schema = R"({"type":"int64","optional":false})";
  const std::string text_schema = R"({"type":"string","optional":true})";
  const std::string struct_schema =
      R"({"type":"struct","fields":[{"field":"a","type":"int64"},{"field":"b","type":"string"}]})";
  const auto key = [](const std::string& schema, const std::string& payload) {
    return R"({"schema":)" + schema + R"(,"payload":)" + payload + "}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {int_schema, "123"},       {int_schema, "-9"},          {int_schema, "null"},
      {int_schema, R"("abc")"},  {int_schema, "1 2"},         {int_schema, "[1]"},
      {int_schema, "1.5"},       {int_schema, "99999999999999999999"}, {int_schema, "7,8"},
      {text_schema, R"("x\"y")"}, {text_schema, "5"},         {text_schema, "null"},
      {struct_schema, R"({"a":1,"b":"z"})"}, {struct_schema, R"({"a":"no"})"},
      {int_schema, "1],[2"},     {int_schema, "1] "},        {text_schema, R"("x"],["y")"},
      {struct_schema, "null"},   {struct_schema, R"({"a":1,"b":"z"} )"},
      {struct_schema, R"({"a":1,"b":"z"}{})"}, {struct_schema, R"({"a":1,"b":"z"}],[{})"},
  };
  for (const auto& [schema, payload] : cases) {
    SCOPED_TRACE(key(schema, payload));
    record_converter warm(json_settings(true)), cold(json_settings(true));
    warm.convert(test_pos, key(schema, schema == struct_schema ? R"({"a":0,"b":""})" : "null"), value_json);
    std::optional<sink_record> want, got;
    std::string want_error, got_error;
    try {
      want = cold.convert(test_pos, key(schema, payload), value_json);
    } catch (const sluice::error& e) {
      want_error = e.what();
    }
    try {
      got = warm.convert(test_pos, key(schema, payload), value_json);
    } catch (const sluice::error& e) {
      got_error = e.what();
    }
    ASSERT_EQ(got.has_value(), want.has_value()) << "fast: " << got_error << "; full: " << want_error;
    EXPECT_EQ(got_error, want_error);
    if (!want) continue;
    EXPECT_EQ(got->key, want->key);
    ASSERT_EQ(got->key_schema == nullptr, want->key_schema == nullptr);
    if (want->key_schema) {
      EXPECT_EQ(got->key_schema->fields.size(), want->key_schema->fields.size());
    }
  }
}

// A record is parsed where it lies when the bytes simdjson reads past its end are on the same
// page, so what follows it in memory is whatever the message buffer holds. simdjson looks at the
// first of those bytes to tell whether a root object was closed: with '}' there, a malformed
// record failed with another error (seen once in CI). The error must not depend on it.
TEST(RecordJson, AMalformedRecordFailsWithTheSameErrorWhateverByteFollowsItInMemory) {
  const std::vector<std::string> records = {
      R"({"schema":{"type":"int64","optional":false},"payload":1] })",
      R"({"schema":{"type":"struct","fields":[{"field":"v","type":"int32"}]},"payload":{"v":1}}})",
      R"({"schema":{"type":"struct","fields":[{"field":"v","type":"int32"}]},"payload":{"v":1] })",
      R"([{"schema":{"type":"int64"},"payload":1}]])",
  };
  alignas(4096) static char page[4096];
  for (const auto& rec : records) {
    SCOPED_TRACE(rec);
    std::string first_error[2];  // as a key, as a value
    for (char after : {' ', '}', ']', '\0', '"', '1'}) {
      std::memset(page, 'x', sizeof page);
      std::memcpy(page + 64, rec.data(), rec.size());  // the padding stays on this page
      page[64 + rec.size()] = after;
      const std::string_view bytes(page + 64, rec.size());
      for (bool as_key : {true, false}) {
        record_converter conv(json_settings(true));
        std::string error;
        try {
          if (as_key) conv.convert(test_pos, bytes, value_json);
          else conv.convert(test_pos, std::nullopt, bytes);
        } catch (const sluice::error& e) {
          error = e.what();
        }
        ASSERT_FALSE(error.empty()) << "accepted with '" << after << "' after it";
        auto& first = first_error[as_key ? 0 : 1];
        if (first.empty()) first = error;
        EXPECT_EQ(error, first) << "with '" << after << "' after it, as the " << (as_key ? "key" : "value");
      }
    }
  }
}

}  // namespace
}  // namespace sluice::convert
