// JSON with Connect's {"schema", "payload"} envelope: schema caching, defaults, optional and
// missing fields, nested and collection types, decimal variants.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

const std::string orders_schema =
    R"({"type":"struct","name":"orders.Value","optional":false,"fields":[)"
    R"({"field":"id","type":"int64","optional":false},)"
    R"({"field":"qty","type":"int32","optional":false,"default":5},)"
    R"({"field":"note","type":"string","optional":true},)"
    R"({"field":"price","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
    R"("version":1,"parameters":{"scale":"2"},"default":"BNI="},)"
    R"({"field":"status","type":"string","optional":true,"default":"new"}]})";

std::string envelope(const std::string& schema, const std::string& payload) {
  return R"({"schema":)" + schema + R"(,"payload":)" + payload + "}";
}

TEST(ConnectEnvelope, ReusesTheParsedSchemaForTheSameSchemaText) {
  record_converter conv(json_settings(true));
  const auto a = conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":1,"qty":2})"));
  const auto b = conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":2,"qty":3})"));
  EXPECT_EQ(a.value_schema.get(), b.value_schema.get());
  const std::string other = R"({"type":"struct","fields":[{"field":"id","type":"int64"}]})";
  const auto c = conv.convert(test_pos, std::nullopt, envelope(other, R"({"id":3})"));
  EXPECT_NE(c.value_schema.get(), a.value_schema.get());
  const auto d = conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":4,"qty":1})"));
  EXPECT_EQ(d.value_schema.get(), a.value_schema.get());  // found again after a different one
  EXPECT_EQ(d.value[0], value{std::int64_t{4}});
}

// Messages are parsed in their own buffer when the bytes simdjson may read past the end lie on
// the same page, else copied: wherever a message ends, and whatever follows it, the result is
// the same. Integer and string roots (keys) end where the input ends, so they are here too.
TEST(ConnectEnvelope, WhereverAMessageEndsAndWhateverFollowsItTheRecordIsTheSame) {
  record_converter conv(json_settings(true));
  const std::string key = R"({"schema":{"type":"int64","optional":false},"payload":123})";
  const std::string val = envelope(orders_schema, R"({"id":7,"qty":2,"note":"n\"o\\te"})");
  const auto want = conv.convert(test_pos, key, val);
  constexpr std::size_t page = 4096;
  std::unique_ptr<char, decltype(&std::free)> mem(static_cast<char*>(std::aligned_alloc(page, 3 * page)), &std::free);
  // After the message: digits, quotes and brackets that would change a number, a string or the
  // structure if they were read as part of it.
  const std::string junk = R"(9999"]}{"payload":[1,2,3]},"x":"9)";
  for (std::size_t gap : {std::size_t{0}, std::size_t{1}, std::size_t{30}, std::size_t{63}, std::size_t{64},
                          std::size_t{65}, std::size_t{500}}) {
    SCOPED_TRACE(fmt::format("message ends {} bytes before a page boundary", gap));
    auto place = [&](const std::string& msg) {
      char* end = mem.get() + 2 * page - gap;
      char* at = end - msg.size();
      std::memcpy(at, msg.data(), msg.size());
      for (std::size_t i = 0; i < gap; ++i) end[i] = junk[i % junk.size()];
      return std::string_view(at, msg.size());
    };
    EXPECT_EQ(conv.convert(test_pos, place(key), val).key, want.key);
    EXPECT_EQ(conv.convert(test_pos, key, place(val)).value, want.value);
    // A root scalar (a schemaless key) ends where the input ends.
    record_converter plain(json_settings(false));
    const auto root = plain.convert(test_pos, place("123"), R"({"id":1})");
    EXPECT_EQ(root.key, plain.convert(test_pos, std::string("123"), R"({"id":1})").key);
    ASSERT_EQ(root.key.size(), 1u);
    EXPECT_EQ(root.key[0], value{std::int64_t{123}});
    const auto text = plain.convert(test_pos, place(R"("k\"1")"), R"({"id":1})");
    ASSERT_EQ(text.key.size(), 1u);
    EXPECT_EQ(text.key[0], value{std::string("k\"1")});
  }
}

// After the first record of a schema, a record repeating that schema's exact text has only its
// payload read. Whatever the record holds, the outcome must be the one the full read gives.
TEST(ConnectEnvelope, ARepeatedSchemaGivesTheSameRecordsAndErrorsAsTheFullRead) {
  const std::vector<std::string> records{
      envelope(orders_schema, R"({"id":1,"qty":2,"note":"a","price":"AeI=","status":"x"})"),
      envelope(orders_schema, R"({"id":2})"),                       // defaults
      envelope(orders_schema, R"({"id":3,"note":null,"qty":7})"),  // null, other order
      envelope(orders_schema, R"({"id":4},"extra":{"ignored":true})"),
      envelope(orders_schema, R"({"id":5}}extra)"),
      envelope(orders_schema, R"({"id":6} )"),
      envelope(orders_schema, "null"),                              // a tombstone in an envelope
      envelope(orders_schema, R"({"id":"seven"})"),                 // wrong type
      envelope(orders_schema, R"({"id":8,"qty":99999999999})"),     // out of range
      envelope(orders_schema, R"({"id":9,)"),                        // cut short
      envelope(orders_schema, R"({"id":10,"qty":1,"id":11})"),      // a repeated field
  };
  for (const auto& rec : records) {
    SCOPED_TRACE(rec.substr(rec.find("\"payload\"")));
    record_converter warm(json_settings(true, true));
    (void)warm.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":0})"));
    record_converter cold(json_settings(true, true));
    std::optional<sink_record> a, b;
    std::string ea, eb;
    try {
      a = cold.convert(test_pos, std::nullopt, rec);
    } catch (const sluice::error& e) {
      ea = e.what();
    }
    try {
      b = warm.convert(test_pos, std::nullopt, rec);
    } catch (const sluice::error& e) {
      eb = e.what();
    }
    EXPECT_EQ(ea, eb);
    ASSERT_EQ(a.has_value(), b.has_value());
    if (!a) continue;
    EXPECT_EQ(a->value, b->value);
    EXPECT_EQ(a->op, b->op);
    EXPECT_EQ(a->value_schema != nullptr, b->value_schema != nullptr);
  }
}

TEST(ConnectEnvelope, FillsMissingAndNullFieldsFromDefaults) {
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":1,"status":null})"));
  ASSERT_EQ(r.value.size(), 5u);
  EXPECT_EQ(r.value[1], value{std::int64_t{5}});
  EXPECT_EQ(r.value[2], value{null_value{}});
  EXPECT_EQ(r.value[3], (value{decimal_value{"1234", 2}}));
  EXPECT_EQ(r.value[4], value{std::string("new")});
  EXPECT_EQ(r.value_schema->fields[1].default_sql_literal, "5");
  EXPECT_EQ(r.value_schema->fields[3].default_sql_literal, "12.34");
  EXPECT_EQ(r.value_schema->fields[4].default_sql_literal, "new");
  EXPECT_FALSE(r.value_schema->fields[2].default_sql_literal);
}

TEST(ConnectEnvelope, MissingRequiredFieldWithoutDefaultNamesTheField) {
  record_converter conv(json_settings(true));
  const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"qty":1})")); });
  EXPECT_EQ(e.what, "cannot convert record");
  EXPECT_EQ(e.where, "topic 'orders' partition 3 offset 42");
  EXPECT_NE(e.why.find(R"(value: field "id" (int64) is missing)"), std::string::npos) << e.why;
  EXPECT_FALSE(e.fix.empty());
  const auto n = error_of([&] { conv.convert(test_pos, std::nullopt, envelope(orders_schema, R"({"id":null})")); });
  EXPECT_NE(n.why.find(R"(field "id" (int64) is null but the schema says it is required)"), std::string::npos)
      << n.why;
}

TEST(ConnectEnvelope, IgnoresPayloadFieldsOutsideTheSchemaAndAcceptsAnyOrder) {
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt,
                              envelope(orders_schema, R"({"extra":{"x":[1,2]},"note":"hi","qty":9,"id":7})"));
  EXPECT_EQ(r.value[0], value{std::int64_t{7}});
  EXPECT_EQ(r.value[1], value{std::int64_t{9}});
  EXPECT_EQ(r.value[2], value{std::string("hi")});
}

TEST(ConnectEnvelope, ReadsAPayloadThatComesBeforeItsSchema) {
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt,
                              R"({"payload":{"id":11,"qty":1},"schema":)" + orders_schema + "}");
  EXPECT_EQ(r.value[0], value{std::int64_t{11}});
  EXPECT_EQ(r.value_schema->name, "orders.Value");
}

TEST(ConnectEnvelope, KeepsArraysAndMapsAsJsonText) {
  const std::string schema =
      R"({"type":"struct","fields":[{"field":"tags","type":"array","optional":true,"items":{"type":"string"}},)"
      R"({"field":"attrs","type":"map","optional":true,"keys":{"type":"string"},"values":{"type":"int32"}},)"
      R"({"field":"pairs","type":"map","optional":true,"keys":{"type":"int32"},"values":{"type":"int32"}}]})";
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt,
                              envelope(schema, R"({"tags":["a", "b"] ,"attrs":{"x":1},"pairs":[[1,2]]})"));
  EXPECT_EQ(r.value[0], value{std::string(R"(["a", "b"])")});
  EXPECT_EQ(r.value[1], value{std::string(R"({"x":1})")});
  EXPECT_EQ(r.value[2], value{std::string("[[1,2]]")});
  EXPECT_EQ(r.value_schema->fields[0].type, type_kind::string);
  EXPECT_EQ(r.value_schema->fields[0].logical, logical_kind::json);
}

TEST(ConnectEnvelope, ReadsNumericDecimalsAndDebeziumVariableScaleDecimals) {
  const std::string schema =
      R"({"type":"struct","fields":[{"field":"n","type":"bytes","optional":true,)"
      R"("name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"3"}},)"
      R"({"field":"v","type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal",)"
      R"("fields":[{"field":"scale","type":"int32"},{"field":"value","type":"bytes"}]}]})";
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt,
                              envelope(schema, R"({"n":-12.5,"v":{"scale":4,"value":"/zs="}})"));
  EXPECT_EQ(r.value[0], (value{decimal_value{"-12500", 3}}));
  EXPECT_EQ(r.value[1], (value{decimal_value{"-197", 4}}));
  EXPECT_EQ(r.value_schema->fields[1].logical, logical_kind::decimal);
  EXPECT_EQ(r.value_schema->fields.size(), 2u);
  const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, envelope(schema, R"({"n":1.0001})")); });
  EXPECT_NE(e.why.find("cannot be held at scale 3"), std::string::npos) << e.why;
}

TEST(ConnectEnvelope, ReadsDebeziumTimeTypes) {
  const std::string schema =
      R"({"type":"struct","fields":[)"
      R"({"field":"d","type":"int32","name":"io.debezium.time.Date"},)"
      R"({"field":"ts","type":"int64","name":"io.debezium.time.Timestamp"},)"
      R"({"field":"us","type":"int64","name":"io.debezium.time.MicroTimestamp"},)"
      R"({"field":"ns","type":"int64","name":"io.debezium.time.NanoTimestamp"},)"
      R"({"field":"t","type":"int64","name":"io.debezium.time.MicroTime"},)"
      R"({"field":"z","type":"string","name":"io.debezium.time.ZonedTimestamp"}]})";
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt,
                              envelope(schema, R"({"d":-3,"ts":1500,"us":-5,"ns":-1500,"t":3600000001,)"
                                               R"("z":"2021-03-04T05:06:07.5+01:00"})"));
  EXPECT_EQ(r.value[0], value{date_value{-3}});
  EXPECT_EQ(r.value[1], value{timestamp_value{1500000}});
  EXPECT_EQ(r.value[2], value{timestamp_value{-5}});
  EXPECT_EQ(r.value[3], value{timestamp_value{-2}});  // floor, not truncation
  EXPECT_EQ(r.value[4], value{time_value{3600000001}});
  EXPECT_EQ(r.value[5], value{timestamp_value{1614830767500000}});
}

TEST(ConnectEnvelope, NullSchemaMeansASchemalessPayload) {
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt, R"({"schema":null,"payload":{"a":1,"b":"x"}})");
  ASSERT_EQ(r.value_schema->fields.size(), 2u);
  EXPECT_EQ(r.value_schema->fields[0].type, type_kind::int64);
  EXPECT_EQ(r.value[1], value{std::string("x")});
}

TEST(ConnectEnvelope, NullPayloadIsATombstone) {
  record_converter conv(json_settings(true, true));
  const auto r = conv.convert(test_pos, R"({"schema":{"type":"int64"},"payload":5})",
                              envelope(orders_schema, "null"));
  EXPECT_EQ(r.op, record_op::remove);
  EXPECT_FALSE(r.value_schema);
  EXPECT_TRUE(r.value.empty());
}

TEST(ConnectEnvelope, PrimitiveValueSchemaIsRefusedBecauseTheSinkNeedsAStruct) {
  record_converter conv(json_settings(true));
  const auto e = error_of([&] {
    conv.convert(test_pos, std::nullopt, R"({"schema":{"type":"int64","optional":false},"payload":5})");
  });
  EXPECT_NE(e.why.find("the value schema is int64, a primitive"), std::string::npos) << e.why;
}

TEST(ConnectEnvelope, CopiesTheRecordPositionAndSize) {
  record_converter conv(json_settings(true));
  const std::string v = envelope(orders_schema, R"({"id":1})");
  const auto r = conv.convert(test_pos, std::nullopt, v);
  EXPECT_EQ(r.pos.topic, "orders");
  EXPECT_EQ(r.pos.partition, 3);
  EXPECT_EQ(r.pos.offset, 42);
  EXPECT_EQ(r.pos.timestamp_ms, 1700000000000);
  EXPECT_EQ(r.size_bytes, v.size());
}

TEST(ConnectEnvelope, UnescapesFieldNamesAndStrings) {
  const std::string schema =
      R"({"type":"struct","fields":[{"field":"na\"me","type":"string"},{"field":"s","type":"string"}]})";
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt, envelope(schema, R"({"na\"me":"a\u00e9\n","s":"\ud83d\ude00"})"));
  EXPECT_EQ(r.value_schema->fields[0].name, "na\"me");
  EXPECT_EQ(r.value[0], value{std::string("a\u00e9\n")});
  EXPECT_EQ(r.value[1], value{std::string("\U0001F600")});
}

TEST(ConnectEnvelope, TracksMissingFieldsOfVeryWideStructs) {
  std::string schema = R"({"type":"struct","fields":[)", full = "{", partial = "{";
  for (int i = 0; i < 600; ++i) {
    schema += fmt::format(R"({}{{"field":"f{}","type":"int32","optional":false}})", i ? "," : "", i);
    full += fmt::format(R"({}"f{}":{})", i ? "," : "", i, i);
    if (i != 599) partial += fmt::format(R"({}"f{}":{})", i ? "," : "", i, i);
  }
  schema += "]}";
  full += "}";
  partial += "}";
  record_converter conv(json_settings(true));
  const auto r = conv.convert(test_pos, std::nullopt, envelope(schema, full));
  ASSERT_EQ(r.value.size(), 600u);
  EXPECT_EQ(r.value[599], value{std::int64_t{599}});
  const auto e = error_of([&] { conv.convert(test_pos, std::nullopt, envelope(schema, partial)); });
  EXPECT_NE(e.why.find(R"(field "f599" (int32) is missing)"), std::string::npos) << e.why;
}


// The sink converts every message into a record of an earlier batch (convert(key, value, r)),
// which keeps its buffers and its stale contents: whatever the record held before, the result
// must be what a new record gets, for every kind of message and after a failed one.
TEST(ConnectEnvelope, AReusedRecordConvertsLikeANewOne) {
  record_converter fresh(json_settings(true, true)), reusing(json_settings(true, true));
  const std::string key = R"({"schema":{"type":"struct","fields":[{"field":"id","type":"int64"}]},"payload":{"id":9}})";
  const std::string wide =
      R"({"type":"struct","fields":[{"field":"id","type":"int64"},{"field":"a","type":"string"},)"
      R"({"field":"b","type":"string"},{"field":"c","type":"boolean"}]})";
  const std::string long_text(300, 'x');
  struct message {
    std::optional<std::string> key, value;
  };
  const std::vector<message> messages = {
      {key, envelope(orders_schema, R"({"id":1,"qty":2,"note":")" + long_text + R"("})")},
      {key, envelope(orders_schema, R"({"id":2,"note":"short"})")},
      {key, envelope(orders_schema, R"({"id":3,"note":null,"status":"paid, with a longer status"})")},
      {key, std::nullopt},  // a tombstone
      {std::nullopt, envelope(wide, R"({"id":4,"a":"aaaaaaaaaaaaaaaaaaaaaaaa","b":"b","c":true})")},
      {key, envelope(orders_schema, R"({"id":5,"qty":"not a number"})")},  // fails
      {key, envelope(orders_schema, R"({"qty":1,"note":"ok"})")},
      {key, R"({"schema":null,"payload":{"id":6,"free":"form"}})"},
      {std::nullopt, envelope(wide, R"({"id":7,"a":"a","b":")" + long_text + R"(","c":false})")},
      {key, envelope(orders_schema, R"({"id":8,"qty":3,"note":"n","price":"AKxE"})")},
  };
  sink_record reused;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    SCOPED_TRACE(fmt::format("message {}", i));
    const auto& m = messages[i];
    std::optional<std::string_view> k, v;
    if (m.key) k = *m.key;
    if (m.value) v = *m.value;
    std::optional<sink_record> want;
    std::string want_error;
    try {
      want = fresh.convert(test_pos, k, v);
    } catch (const sluice::error& e) {
      want_error = e.what();
    }
    reused.pos = test_pos;
    try {
      reusing.convert(k, v, reused);
      ASSERT_TRUE(want) << "a new record failed with " << want_error;
    } catch (const sluice::error& e) {
      ASSERT_FALSE(want) << "a reused record failed with " << e.what();
      EXPECT_EQ(std::string(e.what()), want_error);
      continue;
    }
    EXPECT_EQ(reused.op, want->op);
    EXPECT_EQ(reused.size_bytes, want->size_bytes);
    EXPECT_EQ(reused.key, want->key);
    EXPECT_EQ(reused.value, want->value);
    ASSERT_EQ(reused.key_schema == nullptr, want->key_schema == nullptr);
    ASSERT_EQ(reused.value_schema == nullptr, want->value_schema == nullptr);
    if (want->value_schema) {
      ASSERT_EQ(reused.value_schema->fields.size(), want->value_schema->fields.size());
      for (std::size_t f = 0; f < want->value_schema->fields.size(); ++f)
        EXPECT_EQ(reused.value_schema->fields[f].name, want->value_schema->fields[f].name);
    }
  }
}

}  // namespace
}  // namespace sluice::convert
