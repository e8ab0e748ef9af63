// A poison record among good ones: routed to the dead-letter queue (errors.tolerance=all) or
// stopping the connector at it (errors.tolerance=none), the good records written either way.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/sink/sink_env.hpp"

namespace sluice::testing {
namespace {

using tk = type_kind;

std::string order(std::int64_t id, std::int64_t qty) {
  auto s = make_schema({field("id", tk::int64, false), field("qty", tk::int32)});
  return connect_json(*s, {num(id), num(qty)});
}

std::string header(const consumed& r, const std::string& name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return "<missing>";
}

// qty as int64: a value beyond the column's integer cannot be encoded for COPY (22003).
std::string order64(std::int64_t id, std::int64_t qty) {
  auto s = make_schema({field("id", tk::int64, false), field("qty", tk::int64)});
  return connect_json(*s, {num(id), num(qty)});
}

std::string id_key(std::int64_t id) {
  auto s = make_schema({field("id", tk::int64, false)});
  return connect_json(*s, {num(id)});
}

std::vector<std::string> dlq_offsets(std::vector<consumed> dlq) {
  std::vector<std::string> out;
  for (const auto& r : dlq) out.push_back(header(r, "__connect.errors.offset"));
  std::sort(out.begin(), out.end());
  return out;
}

void create_orders(const sink_env& env) {
  env.exec("CREATE TABLE orders (id bigint PRIMARY KEY, qty integer CONSTRAINT qty_not_negative "
           "CHECK (qty >= 0))");
}

const std::string offsets_sql = "SELECT next_offset FROM sluice_offsets WHERE topic = 'orders'";

TEST(SinkErrors, ToleranceAllSendsPoisonRecordsToTheDeadLetterQueueAndWritesTheRest) {
  sink_env env;
  create_orders(env);
  env.create_topic("orders");
  std::vector<test_record> recs;
  for (int i = 0; i < 12; ++i) {
    if (i == 3)
      recs.push_back(record(std::nullopt, "{not json"));  // cannot be converted
    else if (i == 7)
      recs.push_back(record(std::nullopt, order(i, -1)));  // violates the CHECK constraint
    else
      recs.push_back(record(std::nullopt, order(i, i)));
  }
  recs[3].headers = {{"trace", "abc"}};
  env.produce("orders", recs);
  auto c = env.start({{"topics", "orders"}, {"errors.tolerance", "all"},
                      {"errors.deadletterqueue.topic.name", "orders-dlq"},
                      {"errors.deadletterqueue.context.headers.enable", "true"},
                      {"batch.linger.ms", "500"}});
  ASSERT_TRUE(env.eventually(offsets_sql, "12", c.get()));
  EXPECT_EQ(env.rows("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"),
            "0,1,2,4,5,6,8,9,10,11");

  auto dlq = read_topic(env.bootstrap(), "orders-dlq", 2, 20s);
  ASSERT_EQ(dlq.size(), 2u);
  std::sort(dlq.begin(), dlq.end(), [](const consumed& a, const consumed& b) {
    return header(a, "__connect.errors.offset") < header(b, "__connect.errors.offset");
  });
  EXPECT_EQ(dlq[0].value, "{not json");
  EXPECT_EQ(dlq[1].value, order(7, -1));
  for (const auto& r : dlq) {
    EXPECT_EQ(header(r, "__connect.errors.topic"), "orders");
    EXPECT_EQ(header(r, "__connect.errors.partition"), "0");
    EXPECT_NE(header(r, "__connect.errors.exception.class.name"), "<missing>");
    EXPECT_NE(header(r, "__connect.errors.exception.message"), "<missing>");
    EXPECT_EQ(header(r, "__connect.errors.connector.name"), "sink");
  }
  EXPECT_EQ(header(dlq[0], "__connect.errors.offset"), "3");
  EXPECT_EQ(header(dlq[1], "__connect.errors.offset"), "7");
  EXPECT_EQ(header(dlq[0], "__connect.errors.stage"), "VALUE_CONVERTER");
  EXPECT_EQ(header(dlq[1], "__connect.errors.stage"), "TASK_PUT");
  EXPECT_NE(header(dlq[1], "__connect.errors.exception.message").find("qty_not_negative"),
            std::string::npos)
      << header(dlq[1], "__connect.errors.exception.message");
  // The record's own headers travel with it (as Kafka Connect's dead-letter queue keeps them).
  EXPECT_EQ(header(dlq[0], "trace"), "abc");
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

// De-duplication tries only the last record of each key. When that one cannot be written, the
// record it had superseded is written instead (and so on), as if the records had been written one
// by one: nothing is lost behind a bad record, and each bad record reaches the dead-letter queue
// once, whether the database refused it (CHECK) or it could not be encoded for COPY.
TEST(SinkErrors, ToleranceAllWritesTheRecordABadOneHadSupersededAndListsEachBadRecordOnce) {
  sink_env env;
  create_orders(env);
  env.create_topic("orders");
  env.produce("orders", {record(std::nullopt, order64(7, 5)),           // 0
                         record(std::nullopt, order64(7, -1)),          // 1: CHECK
                         record(std::nullopt, order64(8, 1)),           // 2
                         record(std::nullopt, order64(8, 3000000000)),  // 3: beyond integer
                         record(std::nullopt, order64(9, 4)),           // 4
                         record(std::nullopt, order64(9, -2)),          // 5: CHECK
                         record(std::nullopt, order64(9, 3000000001)),  // 6: beyond integer
                         record(std::nullopt, order64(10, 1))});        // 7
  auto c = env.start({{"topics", "orders"}, {"insert.mode", "upsert"}, {"pk.mode", "record_value"},
                      {"pk.fields", "id"}, {"errors.tolerance", "all"},
                      {"errors.deadletterqueue.topic.name", "orders-dlq"},
                      {"errors.deadletterqueue.context.headers.enable", "true"}, {"batch.linger.ms", "1000"}});
  ASSERT_TRUE(env.eventually(offsets_sql, "8", c.get()));
  EXPECT_EQ(env.rows("SELECT id, qty FROM orders ORDER BY id"), "7|5\n8|1\n9|4\n10|1");
  // Everything the queue holds by now (its records are acknowledged before the offsets commit).
  EXPECT_EQ(dlq_offsets(read_topic(env.bootstrap(), "orders-dlq", 20, 3s)),
            (std::vector<std::string>{"1", "3", "5", "6"}));
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

// Records without a key all have the same (null) key; each of them is refused, and each reaches
// the dead-letter queue, not only the last.
TEST(SinkErrors, ToleranceAllSendsEveryKeylessRecordToTheDeadLetterQueue) {
  sink_env env;
  create_orders(env);
  env.create_topic("orders");
  env.produce("orders", {record(id_key(1), order(1, 1)), record(std::nullopt, order(2, 2)),
                         record(std::nullopt, order(3, 3)), record(id_key(4), order(4, 4)),
                         record(std::nullopt, order(5, 5))});
  auto c = env.start({{"topics", "orders"}, {"insert.mode", "upsert"}, {"pk.mode", "record_key"},
                      {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "orders-dlq"},
                      {"errors.deadletterqueue.context.headers.enable", "true"}, {"batch.linger.ms", "1000"}});
  ASSERT_TRUE(env.eventually(offsets_sql, "5", c.get()));
  EXPECT_EQ(env.rows("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"), "1,4");
  EXPECT_EQ(dlq_offsets(read_topic(env.bootstrap(), "orders-dlq", 20, 3s)),
            (std::vector<std::string>{"1", "2", "4"}));
  EXPECT_FALSE(c->failure()) << render_failure(c->failure());
}

TEST(SinkErrors, ToleranceNoneStopsAtAConstraintViolationAfterWritingWhatCameBefore) {
  sink_env env;
  create_orders(env);
  env.create_topic("orders");
  std::vector<test_record> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(record(std::nullopt, order(i, i == 5 ? -1 : i)));
  env.produce("orders", recs);
  auto c = env.start({{"topics", "orders"}, {"batch.linger.ms", "500"}});
  auto f = sink_env::wait_failure(*c);
  ASSERT_TRUE(f) << "the connector did not fail";
  auto text = render(*f);
  EXPECT_NE(text.find("qty_not_negative"), std::string::npos) << text;
  EXPECT_NE(text.find("orders[0]@5"), std::string::npos) << text;
  EXPECT_EQ(f->code, "23514") << text;
  EXPECT_NE(f->fix.find("errors.tolerance"), std::string::npos) << text;
  EXPECT_EQ(env.rows("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"), "0,1,2,3,4");
  EXPECT_EQ(env.scalar(offsets_sql), "5");
  EXPECT_TRUE(sink_env::wait_until([&] { return !c->running(); }, 5s)) << "the task did not stop";
}

TEST(SinkErrors, ToleranceNoneStopsAtAnUnconvertibleRecordAfterWritingWhatCameBefore) {
  sink_env env;
  create_orders(env);
  env.create_topic("orders");
  std::vector<test_record> recs;
  for (int i = 0; i < 8; ++i)
    recs.push_back(record(std::nullopt, i == 4 ? std::string(R"({"schema":{"type":"struct"},"payload":)")
                                               : order(i, i)));
  env.produce("orders", recs);
  auto c = env.start({{"topics", "orders"}, {"batch.linger.ms", "500"}});
  auto f = sink_env::wait_failure(*c);
  ASSERT_TRUE(f) << "the connector did not fail";
  auto text = render(*f);
  EXPECT_NE(text.find("offset 4"), std::string::npos) << text;
  EXPECT_EQ(env.rows("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"), "0,1,2,3");
  EXPECT_EQ(env.scalar(offsets_sql), "4");
}

}  // namespace
}  // namespace sluice::testing
