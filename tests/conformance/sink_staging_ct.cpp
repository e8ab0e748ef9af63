// Rows prepared ahead of the write (writer::stage, on the task's thread) on every backend: the
// ODBC writer fills a batch's parameters while the previous batch is written, and write() uses
// them only while the table's statement and bindings are still the ones they were filled for.
// The writer is driven directly, batch by batch, so the test knows what was staged when.
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

class SinkStaging : public ::testing::TestWithParam<backend> {};

// A batch of `values` (Connect JSON, null keys) at the next offsets of a partition of `topic`.
sink::batch make_batch(convert::record_converter& conv, const std::string& topic, std::int64_t& next,
                       const std::vector<std::string>& values, std::int32_t partition = 0) {
  sink::batch b;
  for (const auto& v : values) {
    sink_record rec = b.take_record();
    rec.pos.topic = topic;
    rec.pos.partition = partition;
    rec.pos.offset = next++;
    rec.pos.timestamp_ms = 0;
    conv.convert(std::nullopt, v, rec);
    b.add(std::move(rec), std::nullopt, v, false);
  }
  return b;
}

bool staged_ready(const sink::batch& b) { return b.staged && b.staged->ready; }

TEST_P(SinkStaging, RowsPreparedAheadAreWrittenOnlyWhileTheTablesStatementStillFitsThem) {
  world w(GetParam());
  const bool odbc = w.kind() != backend_kind::pg_native;  // the native writer stages nothing
  const std::string topic = "Staged";
  auto cfg = w.config({{"topics", topic}, {"insert.mode", "upsert"}, {"pk.mode", "record_value"},
                       {"pk.fields", "id"}, {"auto.create", "true"}, {"auto.evolve", "true"},
                       {"errors.tolerance", "all"}});
  const auto s = sink::sink_settings::from(cfg);
  auto writer = sink::make_writer(cfg, s, "sink 'sink' task 0 writer (test)");
  writer->load_offsets({{topic, 0}, {topic, 1}});
  convert::record_converter conv({});
  std::int64_t next = 0;
  std::vector<std::size_t> dead;  // entries handed to the dead-letter queue, per write
  auto write = [&](sink::batch& b) {
    dead.clear();
    auto r = writer->write(b, [&](const sink::batch&, const std::vector<std::size_t>& f) { dead = f; });
    EXPECT_FALSE(r.conflict);
    EXPECT_FALSE(r.fatal);
    return r;
  };
  auto typed = make_schema({field("id", tk::int64, false), field("name", tk::string), field("n", tk::int32)});
  auto text_n = make_schema({field("id", tk::int64, false), field("name", tk::string), field("n", tk::string)});
  auto wider = make_schema({field("id", tk::int64, false), field("name", tk::string), field("n", tk::int32),
                            field("extra", tk::string)});

  // The first batch creates the table; nothing was published to stage against yet.
  auto b1 = make_batch(conv, topic, next, {connect_json(*typed, {num(1), str("a"), num(10)}),
                                           connect_json(*typed, {num(2), str("b"), num(20)})});
  writer->stage(b1);
  EXPECT_FALSE(staged_ready(b1));
  write(b1);

  // Same columns: staged. A text value the integer column cannot take fails alone, from the
  // staged rows as from the writer's own; a key repeated in the batch is written once, last wins.
  auto b2 = make_batch(conv, topic, next, {connect_json(*text_n, {num(3), str("c"), str("30")}),
                                           connect_json(*text_n, {num(4), str("d"), str("oops")}),
                                           connect_json(*typed, {num(1), str("a2"), num(11)}),
                                           connect_json(*typed, {num(5), str("e"), num(50)}),
                                           connect_json(*typed, {num(1), str("a3"), num(12)})});
  writer->stage(b2);
  EXPECT_EQ(staged_ready(b2), odbc);
  auto r2 = write(b2);
  ASSERT_EQ(dead, std::vector<std::size_t>{1});
  ASSERT_TRUE(b2.entries()[1].failure);
  // The native writer parses the text itself; the ODBC writers name the column family.
  EXPECT_NE(b2.entries()[1].failure->why.find(odbc ? "is not an integer" : "not a whole number"), std::string::npos)
      << render_failure(b2.entries()[1].failure);
  EXPECT_NE(b2.entries()[1].failure->where.find(fmt::format("{}[0]@{}", topic, 3)), std::string::npos)
      << render_failure(b2.entries()[1].failure);
  EXPECT_EQ(r2.rows_written, 4u);

  // A new field: the plan has another column, so nothing is staged and write() evolves the table.
  auto b3 = make_batch(conv, topic, next, {connect_json(*wider, {num(6), str("f"), num(60), str("x")})});
  writer->stage(b3);
  EXPECT_FALSE(staged_ready(b3));
  write(b3);

  // Staged against the wider statement, then the batch loses records before the write (as a
  // stop at a bad record cuts it): what was staged is stale and the writer fills the rows itself.
  auto b4 = make_batch(conv, topic, next, {connect_json(*wider, {num(7), str("g"), num(70), str("y")}),
                                           connect_json(*wider, {num(8), str("h"), num(80), str("z")})});
  writer->stage(b4);
  EXPECT_EQ(staged_ready(b4), odbc);
  b4.truncate_partition({topic, 0}, next - 1);  // keeps id 7
  EXPECT_FALSE(staged_ready(b4));
  write(b4);
  next -= 1;  // id 8's offset comes again

  // Staged against the wider statement; then a batch of the narrower columns (another
  // partition) is written first and publishes its own statement for the table. The staged
  // batch's statement is still the one it was filled for, so its rows are used as staged.
  auto b5 = make_batch(conv, topic, next, {connect_json(*wider, {num(8), str("h"), num(80), str("z")})});
  writer->stage(b5);
  EXPECT_EQ(staged_ready(b5), odbc);
  std::int64_t next1 = 0;
  auto b6 = make_batch(conv, topic, next1, {connect_json(*typed, {num(2), str("b2"), num(21)})}, 1);
  writer->stage(b6);
  EXPECT_FALSE(staged_ready(b6));  // what is published for the table is the wider statement
  write(b6);
  EXPECT_TRUE(dead.empty());
  write(b5);
  EXPECT_TRUE(dead.empty());

  EXPECT_EQ(w.rows(fmt::format("SELECT id, name, n, extra FROM {} ORDER BY id", w.q(topic))),
            "1|a3|12|NULL\n"
            "2|b2|21|NULL\n"
            "3|c|30|NULL\n"
            "5|e|50|NULL\n"
            "6|f|60|x\n"
            "7|g|70|y\n"
            "8|h|80|z");
  EXPECT_EQ(w.stored_offset(topic, 0), std::to_string(next));
  EXPECT_EQ(w.stored_offset(topic, 1), "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, SinkStaging, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace sluice::conformance
