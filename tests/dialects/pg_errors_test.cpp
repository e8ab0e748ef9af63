#include <gtest/gtest.h>

#include "dialects/postgres/errors.hpp"

namespace sluice::pg {
namespace {

failure with_state(std::string s) {
  failure f;
  f.sqlstate = std::move(s);
  f.message = "boom";
  return f;
}

TEST(ErrorClassification, RetryableForConnectionSerializationDeadlockShutdownAndResources) {
  for (const char* s : {"08000", "08006", "08001", "40001", "40P01", "57P01", "57P02", "57P03", "53300",
                        "53100", "53200"})
    EXPECT_TRUE(is_retryable(with_state(s))) << s;
  for (const char* s : {"42P01", "23505", "22003", "28P01", "3D000", "57014", "42703"})
    EXPECT_FALSE(is_retryable(with_state(s))) << s;
}

TEST(ErrorClassification, ConnectionLossWithoutSqlstateIsRetryableAndPoisons) {
  failure f;
  f.message = "server closed the connection unexpectedly";
  f.connection_lost = true;
  EXPECT_TRUE(is_retryable(f));
  EXPECT_TRUE(poisons_connection(f));
}

TEST(ErrorClassification, PoisonsForConnectionAndShutdownClasses) {
  for (const char* s : {"08006", "57P01", "57P02", "57P03", "57P04"})
    EXPECT_TRUE(poisons_connection(with_state(s))) << s;
  for (const char* s : {"40001", "53300", "23505", "42P01"})
    EXPECT_FALSE(poisons_connection(with_state(s))) << s;
}

TEST(ErrorClassification, FixNamesTheConfigKey) {
  EXPECT_NE(fix_for("42P01").find("auto.create"), std::string_view::npos);
  EXPECT_NE(fix_for("42703").find("auto.evolve"), std::string_view::npos);
  EXPECT_NE(fix_for("23505").find("insert.mode=upsert"), std::string_view::npos);
  EXPECT_NE(fix_for("22003").find("errors.tolerance=all"), std::string_view::npos);
  EXPECT_NE(fix_for("22P02").find("fix the producer"), std::string_view::npos);
  EXPECT_NE(fix_for("28P01").find("connection.password"), std::string_view::npos);
  EXPECT_NE(fix_for("53300").find("connection.pool.max.size"), std::string_view::npos);
  EXPECT_EQ(fix_for("XX000"), "");
}

TEST(ErrorClassification, ClassifyBuildsWhyFromMessageDetailAndHint) {
  failure f = with_state("23505");
  f.message = "duplicate key value violates unique constraint \"t_pkey\"";
  f.detail = "Key (id)=(1) already exists.";
  f.hint = "some hint";
  sluice::error e = classify(f, "cannot write batch", "sink 'orders'");
  EXPECT_EQ(e.info().code, "23505");
  EXPECT_NE(e.info().why.find("Key (id)=(1)"), std::string::npos);
  EXPECT_NE(e.info().fix.find("insert.mode=upsert"), std::string::npos);
  EXPECT_NE(e.info().fix.find("some hint"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("sink 'orders'"), std::string::npos);
}

TEST(ConnectFailure, VerboseStartupMessageYieldsSqlstate) {
  failure f = parse_connect_failure(
      "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: FATAL:  3D000: database \"nope\" "
      "does not exist\nLOCATION:  InitPostgres, postinit.c:885\n",
      true);
  EXPECT_EQ(f.sqlstate, "3D000");
  EXPECT_EQ(f.message,
            "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: database \"nope\" does not exist");
  EXPECT_FALSE(is_retryable(f));
}

TEST(ConnectFailure, UnreachableServerIs08001AndRetryable) {
  failure f = parse_connect_failure(
      "connection to server on socket \"/tmp/.s.PGSQL.1\" failed: No such file or directory\n"
      "\tIs the server running locally and accepting connections on that socket?\n",
      true);
  EXPECT_EQ(f.sqlstate, "08001");
  EXPECT_TRUE(is_retryable(f));
  EXPECT_NE(fix_for(f.sqlstate).find("connection.url"), std::string_view::npos);
}

}  // namespace
}  // namespace sluice::pg
