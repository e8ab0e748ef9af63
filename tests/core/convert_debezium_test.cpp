// Debezium change events, with and without the schema envelope: c/r/u upsert the "after" row,
// d removes with the "before" row, t truncates; each gated by its setting.
#include <gtest/gtest.h>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

const std::string row_schema =
    R"({"type":"struct","optional":true,"name":"pg.public.orders.Value","fields":[)"
    R"({"field":"id","type":"int32","optional":false},)"
    R"({"field":"amount","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
    R"("parameters":{"scale":"2"}},)"
    R"({"field":"created","type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp"}]})";

std::string dbz_schema() {
  std::string before = row_schema, after = row_schema;
  before.insert(1, R"("field":"before",)");
  after.insert(1, R"("field":"after",)");
  return R"({"type":"struct","optional":false,"name":"pg.public.orders.Envelope","fields":[)" + before +
         "," + after +
         R"(,{"field":"source","type":"struct","optional":false,"fields":[{"field":"db","type":"string"}]},)"
         R"({"field":"op","type":"string","optional":false},{"field":"ts_ms","type":"int64","optional":true}]})";
}

const std::string row1 = R"({"id":1,"amount":"MDk=","created":1700000000123456})";
const std::string row2 = R"({"id":1,"amount":"AKxE","created":1700000001000000})";

std::string payload(const std::string& op, const std::string& before, const std::string& after) {
  return R"({"before":)" + before + R"(,"after":)" + after + R"(,"source":{"db":"shop"},"op":")" + op +
         R"(","ts_ms":1700000002000})";
}

std::string with_envelope(const std::string& p) { return R"({"schema":)" + dbz_schema() + R"(,"payload":)" + p + "}"; }

const std::string key = R"({"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}]},"payload":{"id":1}})";

class DebeziumEvents : public ::testing::TestWithParam<bool> {  // with the schema envelope or not
 protected:
  sink_record convert(const std::string& p, bool deletes = true, bool truncates = true) {
    converter_settings s = json_settings(GetParam(), deletes, truncates);
    s.key_schemas_enable = true;
    record_converter conv(s);
    return conv.convert(test_pos, key, GetParam() ? with_envelope(p) : p);
  }
  sluice::value amount(const char* digits) const {
    if (GetParam()) return decimal_value{digits, 2};
    return std::string(digits);  // without a schema the base64 text stays text
  }
};

TEST_P(DebeziumEvents, CreateReadAndUpdateUpsertTheAfterRow) {
  for (const char* op : {"c", "r", "u"}) {
    const auto r = convert(payload(op, std::string(op) == "u" ? row1 : "null", row2));
    EXPECT_EQ(r.op, record_op::upsert) << op;
    ASSERT_EQ(r.value.size(), 3u) << op;
    EXPECT_EQ(r.value[0], value{std::int64_t{1}});
    EXPECT_EQ(r.value[1], GetParam() ? amount("44100") : value{std::string("AKxE")});
    EXPECT_EQ(r.value_schema->fields[0].name, "id");
    EXPECT_EQ(r.value_schema->fields.size(), 3u);
    EXPECT_EQ(r.key, std::vector<value>{std::int64_t{1}});
    if (GetParam()) {
      EXPECT_EQ(r.value_schema->name, "pg.public.orders.Value");
      EXPECT_EQ(r.value[2], value{timestamp_value{1700000001000000}});
    }
  }
}

TEST_P(DebeziumEvents, DeleteRemovesWithTheBeforeRowAsValue) {
  const auto r = convert(payload("d", row1, "null"));
  EXPECT_EQ(r.op, record_op::remove);
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value[0], value{std::int64_t{1}});
  EXPECT_EQ(r.value[1], GetParam() ? amount("12345") : value{std::string("MDk=")});
  ASSERT_TRUE(r.value_schema);
  EXPECT_EQ(r.value_schema->fields[0].name, "id");
}

TEST_P(DebeziumEvents, DeleteWithoutBeforeRemovesByKeyOnly) {
  const auto r = convert(payload("d", "null", "null"));
  EXPECT_EQ(r.op, record_op::remove);
  EXPECT_TRUE(r.value.empty());
  EXPECT_FALSE(r.value_schema);
}

TEST_P(DebeziumEvents, DeleteNeedsDeleteEnabled) {
  const auto e = error_of([&] { convert(payload("d", row1, "null"), false); });
  EXPECT_NE(e.why.find("delete.enabled"), std::string::npos) << e.why;
  EXPECT_NE(e.fix.find("delete.enabled=true"), std::string::npos) << e.fix;
}

TEST_P(DebeziumEvents, TruncateTruncatesOnlyWithTruncateEnabled) {
  const auto r = convert(payload("t", "null", "null"));
  EXPECT_EQ(r.op, record_op::truncate);
  EXPECT_TRUE(r.value.empty());
  const auto e = error_of([&] { convert(payload("t", "null", "null"), true, false); });
  EXPECT_NE(e.why.find("truncate.enabled"), std::string::npos) << e.why;
}

TEST_P(DebeziumEvents, UnknownOpIsAnError) {
  const auto e = error_of([&] { convert(payload("m", "null", "null")); });
  EXPECT_NE(e.why.find(R"(Debezium op "m")"), std::string::npos) << e.why;
}

TEST_P(DebeziumEvents, UpdateWithoutAfterIsAnError) {
  const auto e = error_of([&] { convert(payload("u", row1, "null")); });
  EXPECT_NE(e.why.find("no \"after\""), std::string::npos) << e.why;
}

TEST_P(DebeziumEvents, TombstoneAfterDeleteFollowsTheTombstoneRule) {
  converter_settings s = json_settings(GetParam(), true);
  s.key_schemas_enable = true;
  record_converter conv(s);
  EXPECT_EQ(conv.convert(test_pos, key, std::nullopt).op, record_op::remove);
  s.delete_enabled = false;
  record_converter strict(s);
  const auto e = error_of([&] { strict.convert(test_pos, key, std::nullopt); });
  EXPECT_NE(e.why.find("delete.enabled"), std::string::npos) << e.why;
}

INSTANTIATE_TEST_SUITE_P(Envelope, DebeziumEvents, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "WithSchema" : "Schemaless"; });

TEST(DebeziumEnvelope, SharesOneRowSchemaAcrossEventsAndOps) {
  record_converter conv(json_settings(true, true));
  const auto a = conv.convert(test_pos, key, with_envelope(payload("c", "null", row1)));
  const auto b = conv.convert(test_pos, key, with_envelope(payload("d", row2, "null")));
  EXPECT_EQ(a.value_schema.get(), b.value_schema.get());
}

TEST(DebeziumEnvelope, ErrorsInTheRowNameTheAfterField) {
  record_converter conv(json_settings(true, true));
  const auto e = error_of([&] {
    conv.convert(test_pos, key, with_envelope(payload("c", "null", R"({"id":"one"})")));
  });
  EXPECT_NE(e.why.find(R"(field "after.id" (int32): expected an integer, found a string "one")"),
            std::string::npos)
      << e.why;
}

}  // namespace
}  // namespace sluice::convert
