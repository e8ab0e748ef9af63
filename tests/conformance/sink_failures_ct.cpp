// Records that cannot be written, on every backend, with the writer driven directly: a bad record
// gives way to the record of its key it had superseded in the batch (errors.tolerance=all), and
// another owner's rows already in the table make a conflict to restart from, not a reason to stop
// (errors.tolerance=none).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/convert/converter.hpp"
#include "sink/batch.hpp"
#include "sink/sink_connector.hpp"
#include "sink/sink_settings.hpp"
#include "tests/conformance/world.hpp"

namespace sluice::conformance {
namespace {

using tk = type_kind;

class SinkFailures : public ::testing::TestWithParam<backend> {};

sink::batch make_batch(convert::record_converter& conv, const std::string& topic, std::int64_t first,
                       const std::vector<std::string>& values) {
  sink::batch b;
  std::int64_t next = first;
  for (const auto& v : values) {
    sink_record rec = b.take_record();
    rec.pos.topic = topic;
    rec.pos.partition = 0;
    rec.pos.offset = next++;
    rec.pos.timestamp_ms = 0;
    conv.convert(std::nullopt, v, rec);
    b.add(std::move(rec), std::nullopt, v, false);
  }
  return b;
}

TEST_P(SinkFailures, ABadRecordGivesWayToTheOneOfItsKeyItHadSuperseded) {
  world w(GetParam());
  const std::string topic = "Superseded";
  auto cfg = w.config({{"topics", topic}, {"insert.mode", "upsert"}, {"pk.mode", "record_value"},
                       {"pk.fields", "id"}, {"auto.create", "true"}, {"errors.tolerance", "all"}});
  const auto s = sink::sink_settings::from(cfg);
  auto writer = sink::make_writer(cfg, s, "sink 'sink' task 0 writer (test)");
  writer->load_offsets({{topic, 0}});
  convert::record_converter conv({});
  auto typed = make_schema({field("id", tk::int64, false), field("n", tk::int32)});
  auto text_n = make_schema({field("id", tk::int64, false), field("n", tk::string)});
  std::vector<std::size_t> dead;
  auto write = [&](sink::batch& b) {
    dead.clear();
    auto r = writer->write(b, [&](const sink::batch&, const std::vector<std::size_t>& f) { dead = f; });
    EXPECT_FALSE(r.conflict);
    EXPECT_FALSE(r.fatal) << render_failure(r.fatal);
    return r;
  };
  // The table exists and its statement is published (the ODBC writers then stage later batches).
  auto b1 = make_batch(conv, topic, 0, {connect_json(*typed, {num(1), num(10)})});
  write(b1);
  // Key 2: a good version, then one the integer column cannot take. Key 3: two good versions,
  // then a bad one. Key 4: one good record.
  auto b2 = make_batch(conv, topic, 1,
                       {connect_json(*typed, {num(2), num(20)}), connect_json(*typed, {num(3), num(30)}),
                        connect_json(*text_n, {num(2), str("oops")}), connect_json(*typed, {num(3), num(31)}),
                        connect_json(*text_n, {num(3), str("bad")}), connect_json(*typed, {num(4), num(40)})});
  writer->stage(b2);
  auto r2 = write(b2);
  EXPECT_EQ(dead, (std::vector<std::size_t>{2, 4}));
  EXPECT_EQ(r2.rows_written, 4u);
  EXPECT_EQ(w.rows(fmt::format("SELECT id, n FROM {} ORDER BY id", w.q(topic))), "1|10\n2|20\n3|31\n4|40");
  EXPECT_EQ(w.stored_offset(topic, 0), "7");
}

TEST_P(SinkFailures, RowsAnotherOwnerAlreadyWroteAreAConflictNotAFailure) {
  world w(GetParam());
  const std::string topic = "Owned";
  // pk.mode=kafka in insert mode: the same records a second time are duplicate keys.
  auto cfg = w.config({{"topics", topic}, {"insert.mode", "insert"}, {"pk.mode", "kafka"},
                       {"auto.create", "true"}, {"errors.tolerance", "none"}});
  const auto s = sink::sink_settings::from(cfg);
  auto first = sink::make_writer(cfg, s, "sink 'sink' task 0 writer (test)");
  auto stale = sink::make_writer(cfg, s, "sink 'sink' task 1 writer (test)");
  first->load_offsets({{topic, 0}});
  stale->load_offsets({{topic, 0}});  // both start from nothing stored
  convert::record_converter conv({});
  auto typed = make_schema({field("id", tk::int64, false)});
  std::vector<std::string> values;
  for (int i = 0; i < 10; ++i) values.push_back(connect_json(*typed, {num(i)}));
  auto b1 = make_batch(conv, topic, 0, values);
  auto r1 = first->write(b1, nullptr);
  ASSERT_FALSE(r1.conflict);
  ASSERT_FALSE(r1.fatal) << render_failure(r1.fatal);
  // The stale owner writes the same records: the offsets moved on meanwhile.
  auto b2 = make_batch(conv, topic, 0, values);
  auto r2 = stale->write(b2, nullptr);
  EXPECT_TRUE(r2.conflict);
  EXPECT_FALSE(r2.fatal) << render_failure(r2.fatal);
  EXPECT_EQ(w.scalar(fmt::format("SELECT COUNT(*) FROM {}", w.q(topic))), "10");
  EXPECT_EQ(w.stored_offset(topic, 0), "10");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkFailures, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
