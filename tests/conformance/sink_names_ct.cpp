// Mixed-case, reserved, unicode and hostile identifiers as tables and columns, on every backend:
// each is just a name, kept exactly (and resolved as the database resolves it).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

class SinkNames : public ::testing::TestWithParam<backend> {};

TEST_P(SinkNames, MixedCaseReservedUnicodeAndHostileNamesAreOrdinaryNames) {
  world w(GetParam());
  // Topic names are limited to [a-zA-Z0-9._-]; table.name.format carries the rest.
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"Orders", "${topic}"},
      {"select", "${topic}"},
      {"hostile", "x\"; DROP TABLE y; -- `]'"},
      {"unicode", "Gr\xC3\xB6\xC3\x9F" "e_\xE6\xB3\xA8\xE6\x96\x87"},  // Größe_注文
  };
  auto s = make_schema({field("Id", tk::int64, false), field("select", tk::string), field("Order Qty", tk::int32),
                        field("we\"ird`]", tk::string), field("\xC3\xBCml\xC3\xA4ut", tk::string)});
  std::vector<std::pair<std::string, config_values>> connectors;
  for (const auto& [topic, format] : tables) {
    w.create_topic(topic);
    w.produce(topic, {record(std::nullopt, connect_json(*s, {num(1), str("s"), num(7), str("w"), str("u")})),
                      record(std::nullopt, connect_json(*s, {num(1), str("s2"), num(8), str("w2"), str("u2")}))});
    connectors.push_back({"sink_" + topic, {{"topics", topic}, {"table.name.format", format}, {"auto.create", "true"},
                                            {"insert.mode", "upsert"}, {"pk.mode", "record_value"},
                                            {"pk.fields", "Id"}}});
  }
  // Two topics differing only in case go where the database resolves their table names.
  auto kv = make_schema({field("id", tk::int64, false), field("v", tk::string)});
  w.create_topic("Events");
  w.create_topic("events");
  w.produce("Events", {record(std::nullopt, connect_json(*kv, {num(1), str("upper")}))});
  w.produce("events", {record(std::nullopt, connect_json(*kv, {num(2), str("lower")}))});
  connectors.push_back({"cases", {{"topics", "Events,events"}, {"auto.create", "true"},
                                  {"pk.mode", "record_value"}, {"pk.fields", "id"}}});
  auto running = w.start_together(connectors);

  for (std::size_t i = 0; i < tables.size(); ++i) {
    const auto table = tables[i].second == "${topic}" ? tables[i].first : tables[i].second;
    ASSERT_TRUE(w.eventually(fmt::format("SELECT COUNT(*) FROM {}", w.q(table)), "1", running[i].get())) << table;
    EXPECT_EQ(w.rows(fmt::format("SELECT {}, {}, {}, {}, {} FROM {}", w.q("Id"), w.q("select"), w.q("Order Qty"),
                                 w.q("we\"ird`]"), w.q("\xC3\xBCml\xC3\xA4ut"), w.q(table))),
              "1|s2|8|w2|u2")
        << table;
  }
  ASSERT_TRUE(w.eventually("SELECT SUM(next_offset) FROM sluice_offsets WHERE connector = 'cases'", "2",
                           running.back().get()));
  if (w.kind() == backend_kind::sqlite) {
    // SQLite folds ASCII case in names: one table holds both.
    EXPECT_EQ(w.rows("SELECT id, v FROM " + w.q("Events") + " ORDER BY id"), "1|upper\n2|lower");
  } else {
    EXPECT_EQ(w.rows("SELECT id, v FROM " + w.q("Events")), "1|upper");
    EXPECT_EQ(w.rows("SELECT id, v FROM " + w.q("events")), "2|lower");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkNames, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
